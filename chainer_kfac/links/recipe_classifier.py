"""Classifier of the ImageNet recipe: running mixup, random erasing and the
soft-target loss around a predictor (what Chainer_K-FAC's ResNet50 of
examples/imagenet/models/resnet50_d.py did inside the model).

In training (``chainer.config.train``): x, t -> running mixup (optional,
:class:`RunningMixup`) -> random erasing in place (optional,
:class:`RandomErasing`) -> logits -> soft-target cross entropy (hard labels
for an unmixed batch); the reported accuracy is against the batch's own
labels t, as in the original. In evaluation: plain cross entropy. The
empirical Fisher K-FAC collects is that of the loss minimised, so the soft
targets need nothing from the optimizer. Its snapshots hold the running
mixup's kept batch and the random streams of both (``mixup/``,
``erasing/``).
"""
from typing import Any, Optional

import chainer
import chainer.functions as F
from chainer import reporter

from chainer_kfac.functions import soft_target_cross_entropy
from chainer_kfac.links.random_erasing import RandomErasing
from chainer_kfac.links.running_mixup import RunningMixup


class RecipeClassifier(chainer.Chain):

    def __init__(self, predictor: chainer.Link,
                 mixup: Optional[RunningMixup] = None,
                 erasing: Optional[RandomErasing] = None) -> None:
        super(RecipeClassifier, self).__init__()
        with self.init_scope():
            self.predictor = predictor
        self.mixup = mixup
        self.erasing = erasing
        #: The logits of the last forward (what ``fisher='mc'`` samples).
        self.y: Optional[chainer.Variable] = None

    def forward(self, x: Any, t: Any) -> chainer.Variable:
        tt = None
        if chainer.config.train:
            if self.mixup is not None:
                x, tt = self.mixup(x, t)
            if self.erasing is not None and self.erasing.rate > 0:
                x = self.erasing(x)
        y = self.y = self.predictor(x)
        loss = soft_target_cross_entropy(y, t, tt)
        reporter.report({'loss': loss, 'accuracy': F.accuracy(y, t)}, self)
        return loss

    def serialize(self, serializer: Any) -> None:
        super(RecipeClassifier, self).serialize(serializer)
        if self.mixup is not None:
            self.mixup.serialize(serializer['mixup'], self.device.send)
        if self.erasing is not None:
            self.erasing.serialize(serializer['erasing'])
