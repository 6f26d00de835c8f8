"""How the refinements after the original enter K-FAC's step (a base of
:class:`~chainer_kfac.optimizers.kfac.KFAC`): which factors a step computes
(every ``cov_update_freq`` steps, or as stale statistics say), the backward
passes that compute them (the Monte-Carlo Fisher's at sampled labels), when
a block is inverted, the KL-clip and adaptive damping. Each refinement's
maths is in its own module (docs/refinements.md); with every option off
the step is the original's.
"""
import typing

import numpy

import chainer

from chainer_kfac import fisher
from chainer_kfac.fisher import sampled_labels
from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.collector import Wanted
from chainer_kfac.optimizers import adaptive_damping
from chainer_kfac.optimizers import kl_clip
from chainer_kfac.optimizers import statistics_plan
from chainer_kfac.optimizers.stale_statistics import StaleStatistics

#: The loss function :meth:`KFAC.update` runs forward and backward.
LossFun = typing.Callable[..., chainer.Variable]


class KFACRefinements(object):
    """The refinements' part of :class:`KFAC`'s step."""

    hyperparam: typing.Any
    target: chainer.Link
    t: int
    blocks: typing.List[FisherBlock]
    stale: typing.Optional[StaleStatistics]
    _loss_scale: typing.Optional[float]
    _acc_count: int
    _inverted_with: typing.Dict[str, float]
    _adaptation: typing.Optional[adaptive_damping.AdaptationStep]

    def _wanted(self, step: int) -> typing.Optional[Wanted]:
        """The factors ``step`` computes, per block (None: none): every
        ``cov_update_freq`` steps all, or those stale statistics say."""
        if self.stale is not None:
            return self.stale.wanted(step)
        if step % self.hyperparam.cov_update_freq:
            return None
        return statistics_plan.every_factor(self.blocks)

    def _backward(self, loss: chainer.Variable,
                  wanted: typing.Optional[Wanted]) -> None:
        """The backward of ``loss``, feeding the ``wanted`` factors
        (under ``fisher='mc'`` the output-side ones from passes at sampled
        labels, :mod:`chainer_kfac.fisher.sampled_labels`)."""
        scale = self._loss_scale
        if wanted is None:
            loss.backward(loss_scale=scale)
            return
        hp = self.hyperparam
        real, sampled = statistics_plan.split(self.blocks, wanted, hp.fisher)
        with fisher.FisherStatisticsHook(self.blocks, loss_scale=scale,
                                         wanted=real):
            loss.backward(loss_scale=scale)
        if sampled is not None:
            rank, size = self._rank_and_size()
            draw = sampled_labels.Draw(hp.mc_seed or 0, self.t,
                                       self._acc_count, rank, size)
            sampled_labels.collect_sampled(self.target, self.blocks, sampled,
                                           hp.mc_samples, draw, scale)

    def _rank_and_size(self) -> typing.Tuple[int, int]:
        """This process's slice of the global batch (one process: all)."""
        return 0, 1

    def _inverts(self, step: int, block: FisherBlock,
                 refreshed: bool) -> bool:
        """Whether ``block`` is inverted at ``step``: every
        ``inv_update_freq`` steps; under stale statistics when one of its
        factors was refreshed or the damping changed since."""
        if block.inverses is None:
            return True
        if self.stale is None:
            return step % self.hyperparam.inv_update_freq == 0
        return refreshed or \
            self._inverted_with.get(block.name) != self.hyperparam.damping


    def _clip(self, blocks: typing.Sequence[FisherBlock]) -> None:
        """KL-clip (:mod:`.kl_clip`) of the kfgrads of ``blocks`` (every
        rank's under DistributedKFAC), when ``kl_clip`` is set; reports the
        factor as ``kl_clip_scale``."""
        hp = self.hyperparam
        if hp.kl_clip is None:
            return
        vg = self._sum_over_ranks(kl_clip.vg_sum(blocks))
        nu = kl_clip.scale(vg, hp.lr, hp.kl_clip, self._loss_scale)
        kl_clip.apply(blocks, nu)
        chainer.report({'kl_clip_scale': nu})

    def _sum_over_ranks(self, value: typing.Any) -> typing.Any:
        """``value`` (a number or a NumPy array) summed over the
        processes (one process: itself)."""
        return value

    # -- adaptive damping (:mod:`.adaptive_damping`) -------------------------
    def _adapts_damping(self, step: int) -> bool:
        interval = self.hyperparam.damping_adaptation_interval
        return interval is not None and (step + 1) % interval == 0

    def _before_update(self, groups: typing.Sequence[FisherBlock]) -> None:
        """Record what adaptive damping needs before ``groups`` (this
        process's) are updated."""
        if self._adaptation is not None:
            self._adaptation.record(groups, self._loss_scale)

    def _adapt_damping(self, lossfun: LossFun, args: typing.Any,
                       kwds: typing.Any) -> None:
        """The reduction ratio of the step just taken; the new damping."""
        step, hp = self._adaptation, self.hyperparam
        assert step is not None
        after = adaptive_damping.loss_after(lossfun, self.target, args, kwds)
        size = self._rank_and_size()[1]
        before, after, change, norm = self._sum_over_ranks(numpy.array([
            step.loss_before / size, after / size, step.model_change(),
            step.norm_change()]))
        rho = adaptive_damping.reduction_ratio(before, after + norm, change)
        hp.damping = adaptive_damping.adapted(
            hp.damping, rho, hp.damping_adaptation_interval)
        chainer.report({'damping': hp.damping, 'reduction_ratio': rho})

    def _serialize_refinements(self, s: typing.Any) -> None:
        """The stale statistics' schedules and an adapted damping."""
        hp = self.hyperparam
        if self.stale is not None:
            self.stale.serialize(s['stale'], self.blocks)
        if hp.damping_adaptation_interval is not None:
            hp.damping = float(s('damping', hp.damping))
