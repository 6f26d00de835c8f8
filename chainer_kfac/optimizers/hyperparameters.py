"""K-FAC's options, declared once: hyperparameters and block options.

:class:`KFACHyperparameters` are Chainer hyperparameters (one
:class:`~chainer.optimizer.HyperparameterProxy` attribute each on
:class:`~chainer_kfac.optimizers.kfac.KFAC`, values in
``optimizer.hyperparam``); :class:`KFACBlockOptions` are fixed when the
Fisher blocks are built (:meth:`KFAC.setup`). ``experiments/config.py``
takes every default and choice list from here. :func:`damping_of` turns
the hyperparameters of one step into the frozen
:class:`~chainer_kfac.preconditioning.damping.Damping` the blocks invert
with.
"""
import dataclasses
import inspect
import typing

from chainer import optimizer

from chainer_kfac import fisher
from chainer_kfac.preconditioning.damping import Damping
from chainer_kfac.preconditioning.damping import PI_TYPES

#: What ``on_nonfinite`` accepts.
ON_NONFINITE = ('raise', 'skip')

#: What ``fisher`` accepts: the gradients of the loss minimised (the
#: original's) or of labels sampled from the model (:mod:`chainer_kfac.
#: fisher.sampled_labels`).
FISHER_TYPES = ('empirical', 'mc')


@dataclasses.dataclass(frozen=True)
class KFACHyperparameters(object):
    """K-FAC's hyperparameters and their defaults, declared once.

    :class:`KFAC` takes them as keyword arguments, exposes each as an
    attribute (a :class:`~chainer.optimizer.HyperparameterProxy`) and keeps
    them in ``optimizer.hyperparam``; ``experiments/config.py`` takes its
    defaults from here.

    Attributes:
        lr: Learning rate.
        lr_pre: The previous learning rate; ``None`` means ``lr``. The
            schedule sets it to the old rate before each change.
        momentum: Momentum mu.
        cov_ema_decay: Weight r of the *current* factors in the running
            average (Chainer_K-FAC's convention).
        damping: Tikhonov damping d.
        stab_coeff: Damping multiplier of BatchNorm's blocks.
        pi_type: ``'tracenorm'`` or None (pi = 1).
        use_cholesky: Cholesky inverse (else LU).
        acc_iters: Forward/backward passes accumulated per update.
        adjust_momentum: mu <- mu * lr / lr_pre when lr < lr_pre.
        cov_update_freq: Recompute the factors every this many steps.
        inv_update_freq: Recompute the inverses every this many steps
            (reusing the last ones between).
        on_nonfinite: ``'raise'`` raises :class:`KFACError` naming the layer
            and step; ``'skip'`` skips that update with a warning.

    The refinements after the original (docs/refinements.md), all off by
    default (the original's K-FAC):

    Attributes:
        fisher: ``'empirical'`` (the original's: the output-side factors
            from the gradients of the loss minimised) or ``'mc'`` (from the
            gradients at labels sampled from the model's predictive
            distribution; :mod:`chainer_kfac.fisher.sampled_labels`).
        mc_samples: Labels sampled per example under ``fisher='mc'`` (the
            output-side factor is averaged over them).
        mc_seed: Seed of the sampled labels (None: 0); the labels of step
            t are a function of (seed, t), so a resumed run draws the same.
        stale_tolerance: SP-NGD's stale statistics (None: off): each
            factor is recomputed at an interval that grows while consecutive
            estimates agree within this relative tolerance
            (:mod:`chainer_kfac.optimizers.stale_statistics`).
        damping_adaptation_interval: Every this many steps, Levenberg-
            Marquardt adaptation of ``damping`` from the reduction ratio
            (None: off; :mod:`chainer_kfac.optimizers.adaptive_damping`).
        kl_clip: The preconditioned gradients v are scaled by one nu <= 1
            so that the step's size lr^2 (nu v)^T F (nu v) <= kl_clip
            (None: off; :mod:`chainer_kfac.optimizers.kl_clip`).
    """

    lr: float = 0.001
    lr_pre: typing.Optional[float] = None
    momentum: float = 0.9
    cov_ema_decay: float = 0.99
    damping: float = 0.03
    stab_coeff: float = 16.0
    pi_type: typing.Optional[str] = 'tracenorm'
    use_cholesky: bool = True
    acc_iters: int = 1
    adjust_momentum: bool = False
    cov_update_freq: int = 1
    inv_update_freq: int = 1
    on_nonfinite: str = 'raise'
    fisher: str = 'empirical'
    mc_samples: int = 1
    mc_seed: typing.Optional[int] = None
    stale_tolerance: typing.Optional[float] = None
    damping_adaptation_interval: typing.Optional[int] = None
    kl_clip: typing.Optional[float] = None

    def __post_init__(self) -> None:
        if self.lr_pre is None:
            object.__setattr__(self, 'lr_pre', self.lr)
        for name in ('acc_iters', 'cov_update_freq', 'inv_update_freq',
                     'mc_samples'):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name, ok in _refinement_checks(self) + [
                ('cov_ema_decay', 0 < self.cov_ema_decay <= 1),
                ('damping', self.damping > 0),
                ('acc_iters', self.acc_iters >= 1),
                ('cov_update_freq', self.cov_update_freq >= 1),
                ('inv_update_freq', self.inv_update_freq >= 1),
                ('pi_type', self.pi_type in PI_TYPES),
                ('on_nonfinite', self.on_nonfinite in ON_NONFINITE)]:
            if not ok:
                raise ValueError('KFAC: invalid {}={!r}'.format(
                    name, getattr(self, name)))


def _refinement_checks(values: KFACHyperparameters
                       ) -> typing.List[typing.Tuple[str, bool]]:
    """(name, valid) of the refinements' options (None: off)."""
    interval = values.damping_adaptation_interval
    return [
        ('fisher', values.fisher in FISHER_TYPES),
        ('mc_samples', values.mc_samples >= 1),
        ('mc_seed', values.mc_seed is None or
         (isinstance(values.mc_seed, int) and values.mc_seed >= 0)),
        ('stale_tolerance', values.stale_tolerance is None or
         values.stale_tolerance > 0),
        ('damping_adaptation_interval', interval is None or
         (isinstance(interval, int) and interval >= 1)),
        ('kl_clip', values.kl_clip is None or values.kl_clip > 0)]


@dataclasses.dataclass(frozen=True)
class KFACBlockOptions(object):
    """How :class:`KFAC` builds its Fisher blocks, declared once (fixed at
    :meth:`KFAC.setup`; ``experiments/config.py`` takes them from here).

    Attributes:
        bn_fisher: BatchNorm's Fisher block: ``'full'`` (the original's one
            matrix per layer) or ``'unit_wise'`` (one 2 x 2 block per
            channel).
        diagonalize: Keep only the diagonals of the factors (the
            original's ``FisherBlock.diagonalize``; see
            :func:`chainer_kfac.fisher.create_block`).
        damping_in_running_average: Reproduce the original's in-place
            damping: the damped factors inverted at a step replace the
            running averages (all but those the original held as vectors),
            so with ``cov_ema_decay < 1`` the damping
            accumulates in them (see :meth:`FisherBlock.hold_inverses`).
            Off by default: the original's own ``copy()`` shows the intent.
    """

    bn_fisher: str = 'full'
    diagonalize: bool = False
    damping_in_running_average: bool = False

    def __post_init__(self) -> None:
        for name in ('diagonalize', 'damping_in_running_average'):
            object.__setattr__(self, name, bool(getattr(self, name)))
        try:
            fisher.check_block_options(self.bn_fisher, self.diagonalize,
                                       self.damping_in_running_average)
        except ValueError as e:
            raise ValueError('KFAC: {}'.format(e)) from e


#: The defaults (``_default_hyperparam`` is Chainer's name for them).
_default_hyperparam = optimizer.Hyperparameter()
for _field in dataclasses.fields(KFACHyperparameters):
    setattr(_default_hyperparam, _field.name,
            getattr(KFACHyperparameters(), _field.name))


def parse_options(options: typing.Dict[str, typing.Any]) -> typing.Tuple[
        KFACBlockOptions, KFACHyperparameters]:
    """Split KFAC's keyword arguments into its block options and its
    hyperparameters; an unknown name raises TypeError naming the known
    ones."""
    block_names = [f.name for f in dataclasses.fields(KFACBlockOptions)]
    block_options = KFACBlockOptions(**{
        k: v for k, v in options.items() if k in block_names})
    rest = {k: v for k, v in options.items() if k not in block_names}
    try:
        values = KFACHyperparameters(**rest)
    except TypeError as e:
        raise TypeError('KFAC: {} (hyperparameters: {}; block options: '
                        '{})'.format(e, ', '.join(
                            f.name for f in dataclasses.fields(
                                KFACHyperparameters)),
                            ', '.join(block_names))) from e
    return block_options, values


def damping_of(hyperparam: typing.Any) -> Damping:
    """The :class:`Damping` of the current hyperparameters (``damping``,
    ``pi_type``, ``stab_coeff``, ``use_cholesky``)."""
    return Damping(value=hyperparam.damping, pi_type=hyperparam.pi_type,
                   stab_coeff=hyperparam.stab_coeff,
                   use_cholesky=hyperparam.use_cholesky)


def declare_hyperparameters(cls: type) -> None:
    """One proxy attribute per hyperparameter, and a signature listing them
    (for ``help(KFAC)``)."""
    params = [inspect.Parameter('self', inspect.Parameter.POSITIONAL_ONLY),
              inspect.Parameter('loss_scale', inspect.Parameter.KEYWORD_ONLY,
                                default=None)]
    for field in dataclasses.fields(KFACBlockOptions):
        params.append(inspect.Parameter(
            field.name, inspect.Parameter.KEYWORD_ONLY,
            default=field.default, annotation=field.type))
    for field in dataclasses.fields(KFACHyperparameters):
        setattr(cls, field.name, optimizer.HyperparameterProxy(field.name))
        params.append(inspect.Parameter(
            field.name, inspect.Parameter.KEYWORD_ONLY,
            default=field.default, annotation=field.type))
    # mypy: a class's __init__ read through type is "unsound"; it is cls's.
    cls.__init__.__signature__ = inspect.Signature(  # type: ignore[misc]
        params)
