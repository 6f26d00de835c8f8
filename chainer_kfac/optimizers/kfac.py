"""K-FAC (Martens & Grosse 2015) as in Chainer_K-FAC (Osawa et al. 2019).

One :meth:`KFAC.update` call:

1. runs ``lossfun(*args)`` and its backward under a
   :class:`~chainer_kfac.fisher.FisherStatisticsHook`, which hands every
   covered layer's inputs a and output gradients gy to its Fisher block
   (every ``cov_update_freq`` steps);
2. after ``acc_iters`` such passes, averages the gradients and the factors,
   runs the optimizer hooks (weight decay, gradient clipping act on the raw
   gradient, before preconditioning, as in the original);
3. updates the running averages ``F <- r F_cur + (1 - r) F`` (r =
   ``cov_ema_decay``; note: the reverse of most K-FAC libraries);
4. every ``inv_update_freq`` steps, has each block invert its damped
   factors with the step's :class:`~chainer_kfac.preconditioning.damping.
   Damping` (Kronecker: A + pi sqrt(d) I, G + sqrt(d)/pi I with
   d = max(damping, W.l2_coef); BatchNorm: F + stab_coeff max(d, l2_coef) I),
   retrying with more damping if a factor is not positive definite (with
   ``damping_in_running_average`` the damped factors then replace the running
   averages, as in the original);
5. has each block store ``param.kfgrad`` (``G^-1 [grad W | grad b] A^-1``,
   ``F^-1 [grad gamma | grad beta]``) and applies
   ``v <- mu v - lr kfgrad; w <- w + v`` (:class:`KFACUpdateRule`; with
   ``adjust_momentum``, mu * lr / lr_pre in a step where lr < lr_pre).

This module keeps the policy only: when statistics and inverses are
updated, the retry with more damping, what a non-finite value does. The
hyperparameters are declared once, in :mod:`.hyperparameters`; the factors,
their inverses and the damping split live in :mod:`chainer_kfac.fisher`
(docs/design.md follows one step through them).
With ``loss_scale`` s (static, or dynamic with :meth:`loss_scaling`) the
backward runs on s * loss; the statistics hook divides the output gradients
by s and the update rule the kfgrads. A step with non-finite gradients or
factors is skipped whole or raises (:mod:`.overflow`: under dynamic
scaling an overflow halves s).

Links K-FAC does not cover get the plain momentum update of their gradient.
Steps 1 (the statistics) and 3-5 run with K-FAC's own BLAS thread count, one
by default, whatever the rest of the process uses
(:func:`chainer_kfac.runtime.blas.set_kfac_blas_threads`).
"""
import dataclasses
import typing
import warnings

import chainer
from chainer import backend
from chainer import optimizer

from chainer_kfac import fisher
from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.optimizers import adaptive_damping
from chainer_kfac.optimizers import statistics_plan
from chainer_kfac.optimizers.inversion import invert_with_retries
from chainer_kfac.optimizers.inversion import MAX_DAMPING_RETRIES
from chainer_kfac.optimizers.stale_statistics import StaleStatistics
from chainer_kfac.optimizers.hyperparameters import damping_of
from chainer_kfac.optimizers.hyperparameters import declare_hyperparameters
from chainer_kfac.optimizers.hyperparameters import KFACBlockOptions
from chainer_kfac.optimizers.hyperparameters import KFACHyperparameters
from chainer_kfac.optimizers.hyperparameters import ON_NONFINITE
from chainer_kfac.optimizers.hyperparameters import parse_options
from chainer_kfac.optimizers.kfac_refinements import KFACRefinements
from chainer_kfac.optimizers.kfac_refinements import LossFun
from chainer_kfac.optimizers.kfac_rule import KFACUpdateRule
from chainer_kfac.optimizers import overflow
from chainer_kfac.optimizers.overflow import KFACError
from chainer_kfac.preconditioning import kfgrad
from chainer_kfac.preconditioning.damped_inverse import Array
from chainer_kfac.runtime import blas

__all__ = ['KFAC', 'KFACError', 'KFACHyperparameters', 'KFACBlockOptions',
           'ON_NONFINITE', 'MAX_DAMPING_RETRIES']

#: The current factors of a step, by block name (None: none collected; an
#: entry None: that factor not collected).
CurrentFactors = typing.Mapping[
    str, typing.Optional[typing.List[typing.Optional[Array]]]]



class KFAC(KFACRefinements, optimizer.GradientMethod):

    """K-FAC optimizer with Chainer_K-FAC's hyperparameters.

    Args:
        loss_scale (float or None): Static loss scale: ``loss.backward`` is
            called with it, the statistics and the update remove it
            (Chainer_K-FAC's ``loss_scale``). For dynamic loss scaling call
            Chainer's ``optimizer.loss_scaling(interval)`` instead.
        **options: Keyword-only, the fields of :class:`KFACBlockOptions`
            (``bn_fisher``, ``diagonalize``, ``damping_in_running_average``)
            and of :class:`KFACHyperparameters` (``lr``, ``momentum``, ...).
    """

    def __init__(self, *, loss_scale: typing.Optional[float] = None,
                 **options: typing.Any) -> None:
        super(KFAC, self).__init__()
        block_options, values = parse_options(options)
        self.block_options = dataclasses.asdict(block_options)
        for field in dataclasses.fields(values):
            setattr(self.hyperparam, field.name,
                    getattr(values, field.name))
        if loss_scale is not None:
            self.set_loss_scale(loss_scale)
        self.blocks: typing.List[FisherBlock] = []
        self.uncovered_links: typing.List[
            typing.Tuple[str, chainer.Link]] = []
        self.skipped_steps = 0
        self._acc_count = 0
        #: Stale statistics' schedules (with ``stale_tolerance``).
        self.stale: typing.Optional[StaleStatistics] = None
        self._inverted_with: typing.Dict[str, float] = {}
        self._adaptation: typing.Optional[
            adaptive_damping.AdaptationStep] = None

    def create_update_rule(self) -> KFACUpdateRule:
        return KFACUpdateRule(self.hyperparam)

    def setup(self, link: chainer.Link) -> 'KFAC':
        super(KFAC, self).setup(link)
        self.blocks, self.uncovered_links = [], []
        # The original's order (sorted by name): it decides which rank owns
        # which layer under DistributedKFAC(assignment='contiguous').
        for name, sub in sorted(link.namedlinks(), key=lambda item: item[0]):
            block = fisher.create_block(name, sub, **self.block_options)
            if block is not None:
                self.blocks.append(block)
            elif sub._params:   # its own parameters, not its children's
                self.uncovered_links.append((name, sub))
                warnings.warn(
                    'KFAC: link {!r} ({}) is not covered by K-FAC; its '
                    'parameters get the plain momentum-SGD update'.format(
                        name, type(sub).__name__), stacklevel=2)
        statistics_plan.check(self.hyperparam, link)
        self.stale = None if self.hyperparam.stale_tolerance is None \
            else StaleStatistics(self.blocks)
        return self

    # -- one step -----------------------------------------------------------
    def update(self, lossfun: typing.Optional[LossFun] = None,
               *args: typing.Any, **kwds: typing.Any) -> None:
        """Forward/backward ``lossfun(*args, **kwds)``; update after every
        ``acc_iters`` calls."""
        if lossfun is None:
            raise TypeError(
                'KFAC.update needs the loss function: K-FAC collects its '
                'statistics during the forward/backward it runs. Call '
                'optimizer.update(lossfun, *args).')
        step = self.t
        wanted = self._wanted(step)
        loss = lossfun(*args, **kwds)
        if self._acc_count == 0:
            self.target.cleargrads()
            for block in self.blocks:
                block.pop_current_factors()
        self._backward(loss, wanted)
        adapting = self._adapts_damping(step)
        loss_value = float(loss.array) if adapting else 0.0
        del loss
        self._acc_count += 1
        if self._acc_count < self.hyperparam.acc_iters:
            return
        self._acc_count = 0
        self._average_accumulated_grads()
        self.reallocate_cleared_grads()
        self.call_hooks('pre')
        self._clear_kfgrads()  # kfgrads stay inspectable until the next step
        self._adaptation = adaptive_damping.AdaptationStep(
            loss_value, adaptive_damping.weight_decay_rate(self)) \
            if adapting else None
        with blas.kfac_work():
            self._step(step, wanted is not None)
        self.reallocate_cleared_grads()
        self.call_hooks('post')
        if self._adaptation is not None and self.t > step:
            self._adapt_damping(lossfun, args, kwds)
        self._adaptation = None
        self.update_loss_scale()   # Chainer's (dynamic scaling only)

    def _step(self, step: int, collect: bool) -> None:
        """Statistics, preconditioning and the update of every parameter
        (DistributedKFAC overrides this with its reduce-scatter/all-gather
        version)."""
        current = self._pop_current_factors(collect)
        if self._check_finite(step, self.blocks, current):
            self._precondition_blocks(step, self.blocks, current)
            self._clip(self.blocks)
            self.t += 1
            self._before_update(self.blocks + self.plain_groups)
            for param in self.target.params():
                param.update()

    @property
    def plain_groups(self) -> typing.List[FisherBlock]:
        """The factor-less blocks of the links K-FAC does not cover."""
        return [fisher.UncoveredLinkBlock(name, link)
                for name, link in self.uncovered_links]

    def _average_accumulated_grads(self) -> None:
        n = self.hyperparam.acc_iters
        if n == 1:
            return
        for param in self.target.params():
            if param.grad is not None:
                param.grad /= n

    def _pop_current_factors(self, collect: bool) -> CurrentFactors:
        if not collect:
            return {}
        return {block.name: block.pop_current_factors()
                for block in self.blocks}

    def _precondition_blocks(self, step: int,
                             blocks: typing.Sequence[FisherBlock],
                             current: CurrentFactors) -> None:
        """Running averages, inverses and kfgrads of ``blocks``."""
        hp = self.hyperparam
        for block in blocks:
            factors = current.get(block.name)
            if factors is not None:
                block.update_running_average(factors, hp.cov_ema_decay)
                if self.stale is not None:
                    self.stale.observe(step, block.name, factors,
                                       hp.stale_tolerance)
            if block.factors is None:
                continue  # no statistics yet: plain momentum this step
            if self._inverts(step, block, factors is not None):
                self._invert(step, block)
            block.precondition()

    def _invert(self, step: int, block: FisherBlock) -> None:
        """``block.invert`` with the step's damping (:mod:`.inversion`)."""
        invert_with_retries(block, damping_of(self.hyperparam), step)
        self._inverted_with[block.name] = self.hyperparam.damping

    def _check_finite(
            self, step: int, blocks: typing.Sequence[FisherBlock],
            current: CurrentFactors,
            named_params: typing.Optional[typing.Iterable[
                typing.Tuple[str, chainer.Parameter]]] = None) -> bool:
        """True if the step may update; False to skip it (or raise; see
        :mod:`.overflow`)."""
        if named_params is None:
            named_params = self.target.namedparams()
        bad = overflow.find_nonfinite(named_params, blocks, current)
        return overflow.may_update(self, step, self._agree_on(bad))

    def _agree_on(self, bad: typing.Optional[str]) -> typing.Optional[str]:
        """What is non-finite, as every process sees it (one process: as
        found)."""
        return bad

    def _clear_kfgrads(self) -> None:
        for param in self.target.params():
            kfgrad.clear(param)

    # -- persistence ----------------------------------------------------------
    def serialize(self, serializer: typing.Any) -> None:
        """Save/load ``t``, momenta and the whole K-FAC state: running
        averages, inverses, pi, what ``acc_iters`` has accumulated,
        ``lr_pre`` (so that a run resumed right after a learning-rate drop
        still adjusts the momentum of its next step), a dynamic loss
        scale, the stale statistics' schedules and an adapted damping."""
        super(KFAC, self).serialize(serializer)
        s = serializer['kfac']
        self.hyperparam.lr_pre = float(s('lr_pre', self.hyperparam.lr_pre))
        self._acc_count = int(s('acc_count', self._acc_count))
        self.skipped_steps = int(s('skipped_steps', self.skipped_steps))
        overflow.serialize_loss_scale(self, s)
        for block in self.blocks:
            block.serialize(s['blocks'][block.name])
        self._serialize_refinements(s)
        grads = s['accumulated_grads']
        for name, param in self.target.namedparams():
            value = param.grad if self._acc_count > 0 else None
            loaded = grads(name, value)
            if loaded is not None and loaded is not value:
                param.grad = backend.get_device_from_array(
                    param.array).send(loaded)



declare_hyperparameters(KFAC)
