"""Classifier with the mixup loss.

For a batch of (x~, t_a, t_b, lambda) from
:class:`~chainer_kfac.iterators.MixupIterator`::

    loss = mean_i [ lambda_i CE(y_i, t_a,i) + (1 - lambda_i) CE(y_i, t_b,i) ]

With plain (x, t) batches it is softmax cross entropy, so the usual
Evaluator works on the unmixed test set. Accuracy is reported w.r.t. t_a.
Because K-FAC uses the empirical Fisher (the gradient of the loss actually
minimised), the mixup loss needs nothing special from the optimizer.
"""
from typing import Any, Optional

import chainer
import chainer.functions as F
from chainer import reporter


class MixupClassifier(chainer.Chain):

    def __init__(self, predictor: chainer.Link) -> None:
        super(MixupClassifier, self).__init__()
        with self.init_scope():
            self.predictor = predictor
        self.loss = None
        self.accuracy = None
        #: The logits of the last forward (what ``fisher='mc'`` samples).
        self.y: Optional[chainer.Variable] = None

    def forward(self, x: chainer.Variable, t_a: Any, t_b: Any = None,
                lam: Any = None) -> chainer.Variable:
        y = self.y = self.predictor(x)
        if t_b is None:
            loss = F.softmax_cross_entropy(y, t_a)
        else:
            loss_a = F.softmax_cross_entropy(y, t_a, reduce='no')
            loss_b = F.softmax_cross_entropy(y, t_b, reduce='no')
            lam = lam.astype(loss_a.dtype, copy=False)
            loss = F.mean(lam * loss_a + (1 - lam) * loss_b)
        self.loss = loss
        self.accuracy = F.accuracy(y, t_a)
        reporter.report({'loss': loss, 'accuracy': self.accuracy}, self)
        return loss
