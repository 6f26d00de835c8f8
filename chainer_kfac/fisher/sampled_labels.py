"""The Monte-Carlo Fisher: output-side factors at labels sampled from the
model (``fisher='mc'``; Martens & Grosse 2015 sec. 5, kfac-jax's
Monte-Carlo estimator).

The Fisher of a softmax classifier is
F = E_x E_{y ~ p(y|x)}[grad log p(y|x) grad log p(y|x)^T]. The empirical
Fisher (Chainer_K-FAC's) puts the training target in place of the sample y.
For a layer with outputs s, grad_s log p(y|x) = J_s^T (e_y - p), so the
output-side factor of the samples converges, as their number grows, to

    G = n * (1/n^2) sum_i J_i^T (diag(p_i) - p_i p_i^T) J_i

(the 1/n of the batch-mean loss as in the empirical factors; for the last
layer J_i = I), whatever the targets: hard labels or Mixup's soft ones. The
input-side factors (A) do not depend on labels: they come from the backward
of the loss minimised.

For each sample k the labels of the batch are drawn by the inverse CDF of
softmax(y): label_i = #{classes c : P(class <= c) < u_ik}, with u_ik uniform
in [0, 1) from NumPy's PCG64 seeded with (mc_seed, step, pass, k). The
uniforms are drawn for the whole global batch and rank r takes rows
[r n, (r + 1) n), so N ranks holding contiguous slices draw the labels one
process draws for the whole batch, and a resumed run draws the same. The
sampled loss is the mean cross entropy at those labels (the scale of the
loss minimised, so the factors' formulas are unchanged); its backward is
:func:`chainer.grad` with respect to the covered layers' hooked
parameters, which leaves every parameter's ``grad`` as the real loss made
it. Each sample is one more backward pass.
"""
import dataclasses
import typing

import numpy

import chainer
import chainer.functions as F
from chainer import backend

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.collector import FisherStatisticsHook
from chainer_kfac.fisher.collector import Wanted


@typing.runtime_checkable
class Predictive(typing.Protocol):
    """A link whose forward keeps its batch's logits (N, classes) in ``y``
    (as :class:`chainer.links.Classifier` and this package's classifiers
    do): what ``fisher='mc'`` samples labels from."""

    y: typing.Optional[chainer.Variable]


@dataclasses.dataclass(frozen=True)
class Draw(object):
    """Where a step's sampled labels come from: the seed, step and pass,
    and this process's place among ``size`` equal slices of the global
    batch."""

    seed: int
    step: int
    pass_index: int
    rank: int
    size: int


def uniforms(draw: Draw, sample: int, n_local: int) -> numpy.ndarray:
    """This rank's rows of the global batch's u (float64, n_local)."""
    key = numpy.random.SeedSequence(
        [draw.seed, draw.step, draw.pass_index, sample])
    u = numpy.random.Generator(numpy.random.PCG64(key)).random(
        n_local * draw.size)
    return u[draw.rank * n_local:(draw.rank + 1) * n_local]


def sample_labels(logits: typing.Any, u: numpy.ndarray) -> typing.Any:
    """int32 labels from softmax(``logits``) by the inverse CDF at ``u``."""
    xp = backend.get_array_module(logits)
    z = logits.astype(numpy.float64)
    p = xp.exp(z - z.max(axis=1, keepdims=True))
    cdf = xp.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = xp.asarray(u)[:, None]
    labels = (cdf < u).sum(axis=1)
    return xp.minimum(labels, logits.shape[1] - 1).astype(numpy.int32)


def collect_sampled(model: Predictive, blocks: typing.Sequence[FisherBlock],
                    wanted: Wanted, samples: int, draw: Draw,
                    loss_scale: typing.Optional[float] = None) -> None:
    """Run ``samples`` backward passes at sampled labels, feeding the
    ``wanted`` (output-side) factors of ``blocks``."""
    logits = model.y
    if logits is None:
        raise RuntimeError(
            "KFAC(fisher='mc'): the model kept no logits in `y` in this "
            'forward; its forward must set self.y to the logits')
    params = [hooked[1] for hooked in (b.hooked_input() for b in blocks)
              if hooked is not None]
    n_local = logits.shape[0]
    for sample in range(samples):
        labels = sample_labels(logits.array, uniforms(draw, sample, n_local))
        loss = F.softmax_cross_entropy(logits, labels)
        with FisherStatisticsHook(blocks, loss_scale=loss_scale,
                                  wanted=wanted):
            chainer.grad([loss], params, loss_scale=loss_scale)
