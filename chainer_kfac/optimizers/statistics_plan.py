"""Which backward pass computes which factors, and the options' combinations
K-FAC refuses.

A step that collects statistics runs the backward of the loss minimised
under the statistics hook; with ``fisher='empirical'`` it computes every
factor wanted. With ``fisher='mc'`` it computes only the input-side ones
(A), and the ``mc_samples`` passes at sampled labels the output-side ones
(G, BatchNorm's F; :mod:`chainer_kfac.fisher.sampled_labels`).
"""
import typing

import chainer

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.collector import Wanted
from chainer_kfac.fisher.sampled_labels import Predictive


def every_factor(blocks: typing.Sequence[FisherBlock]) -> Wanted:
    """Every factor of every block."""
    return {b.name: (True,) * len(b.factor_names) for b in blocks}


def split(blocks: typing.Sequence[FisherBlock], wanted: Wanted,
          fisher: str) -> typing.Tuple[Wanted, typing.Optional[Wanted]]:
    """(what the real backward computes, what the sampled passes compute;
    None: there are none)."""
    if fisher == 'empirical':
        return wanted, None
    real, sampled = {}, {}
    for block in blocks:
        mask = wanted.get(block.name)
        if mask is None:
            continue
        side = block.output_side_factors()
        real[block.name] = tuple(
            w and not out for w, out in zip(mask, side, strict=True))
        sampled[block.name] = tuple(
            w and out for w, out in zip(mask, side, strict=True))
    return real, sampled


def check(hyperparam: typing.Any, link: chainer.Link) -> None:
    """Raise ValueError/TypeError naming the option for a combination that
    cannot work."""
    hp = hyperparam
    if hp.fisher == 'mc' and not isinstance(link, Predictive):
        raise TypeError(
            "KFAC(fisher='mc') samples labels from the model's logits, "
            'which {} does not keep: wrap the predictor in '
            'chainer.links.Classifier or a classifier of chainer_kfac.links '
            '(their forward keeps the logits in `y`)'.format(
                type(link).__name__))
    if hp.stale_tolerance is not None and \
            (hp.cov_update_freq != 1 or hp.inv_update_freq != 1):
        raise ValueError(
            'KFAC: stale_tolerance decides when each factor is recomputed '
            'and inverted; leave cov_update_freq and inv_update_freq at 1 '
            '(now {} and {})'.format(hp.cov_update_freq, hp.inv_update_freq))
    if hp.damping_adaptation_interval is not None and hp.acc_iters != 1:
        raise ValueError(
            'KFAC: damping_adaptation_interval needs acc_iters=1 (its extra '
            'forward evaluates the loss on the step\'s one batch; now '
            'acc_iters={})'.format(hp.acc_iters))
