"""The keys a config may have: their types and defaults (:data:`SCHEMA`),
allowed values (:data:`CHOICES`, :data:`RANGES`, :data:`CHECKS`) and the
keys a resume may change (:data:`RESUME_SAFE`); experiments/train/config.py
checks a config against them. The `kfac:` and `distributed:` sections
mirror the option dataclasses of chainer_kfac; every choice list is the
tuple its own module declares.
"""
import dataclasses
import typing
from collections.abc import Callable, Sequence
from typing import Any

from chainer_kfac.distributed.assignment import METHODS as ASSIGNMENTS
from chainer_kfac.distributed.communicator import COMMUNICATORS
from chainer_kfac.distributed.communicator import DEFAULT_COMMUNICATOR
from chainer_kfac.fisher import BN_FISHER_TYPES
from chainer_kfac.optimizers.distributed_kfac import DistributedKFACOptions
from chainer_kfac.optimizers.kfac import KFACBlockOptions
from chainer_kfac.optimizers.hyperparameters import FISHER_TYPES
from chainer_kfac.optimizers.kfac import KFACHyperparameters
from chainer_kfac.optimizers.kfac import ON_NONFINITE
from chainer_kfac.preconditioning.damping import PI_TYPES
from experiments.data import datasets
from experiments.train import devices
from experiments.train import precision
from experiments.train import training
from experiments.train.loaders import KINDS
from experiments.train.ranges import NUMBER
from experiments.train.ranges import Range

#: Config types of the annotations in KFACHyperparameters.
_TYPES = {float: NUMBER, int: (int,), bool: (bool,), str: (str,),
          typing.Optional[str]: (str, type(None)),
          typing.Optional[float]: NUMBER + (type(None),),
          typing.Optional[int]: (int, type(None))}
#: KFAC's hyperparameters that are not in the `kfac:` section: `lr` and
#: `momentum` are in `optimizer:` (shared with momentum SGD), `lr_pre` is
#: the schedule's business.
_NOT_IN_KFAC_SECTION = ('lr', 'lr_pre', 'momentum')
#: DistributedKFAC's options that are not in the `distributed:` section
#: (it accepts only False for this one).
_NOT_IN_DISTRIBUTED_SECTION = ('communicate_after_forward',)

#: (allowed types, default) of one key.
Spec = tuple[tuple[type, ...], Any]


def _section(classes: Sequence[type], skip: Sequence[str]
             ) -> dict[str, Spec]:
    """The schema of a section mirroring the fields (names, types and
    defaults) of the option dataclasses ``classes``."""
    fields = [f for c in classes for f in dataclasses.fields(c)]
    return {f.name: (_TYPES[f.type], f.default) for f in fields
            if f.name not in skip}


def kfac_section() -> dict[str, Spec]:
    """The `kfac:` section's schema: KFAC's own names and defaults (its
    hyperparameters and its block options)."""
    return _section((KFACHyperparameters, KFACBlockOptions),
                    _NOT_IN_KFAC_SECTION)


def distributed_section() -> dict[str, Spec]:
    """The `distributed:` section's schema: DistributedKFAC's options."""
    return _section((DistributedKFACOptions,), _NOT_IN_DISTRIBUTED_SECTION)


#: key -> (allowed types, default); nested dicts are sections.
SCHEMA: dict[str, Any] = {
    'description': ((str,), ''),
    'dataset': ((str,), 'synthetic'),
    'data_dir': ((str, type(None)), None),
    'synthetic_size': ((list,), [512, 256]),
    'model': ((str,), 'lenet5'),
    'device': ((int, str), -1),
    'communicator': ((str,), DEFAULT_COMMUNICATOR),
    'seed': ((int,), 0),
    'epochs': (NUMBER, 1),
    'batch_size': ((int,), 128),
    'test_batch_size': ((int,), 1000),
    'snapshot_every': ((int,), 1),
    'evals_per_epoch': ((int,), 1),
    # evals_per_epoch applies to the first N epochs, once an epoch after;
    # null: to every epoch.
    'dense_eval_epochs': ((int, type(None)), None),
    'optimizer': {
        'name': ((str,), 'momentum_sgd'),
        'lr': (NUMBER, 0.01),
        'momentum': (NUMBER, 0.9),
        'weight_decay': (NUMBER, 0.0),
    },
    'kfac': kfac_section(),
    'distributed': distributed_section(),
    'lr_schedule': {
        'drop_epochs': ((list,), []),
        'factor': (NUMBER, 0.5),
    },
    'mixup': {
        'enabled': ((bool,), False),
        'alpha': (NUMBER, 0.0),
    },
    'holdout': {              # experiments/train/run_data.py
        'enabled': ((bool,), False),
        'fraction': (NUMBER, 0.1),
        'seed': ((int,), 0),
        'test_set': ((bool,), True),
    },
    # -- issue 24: the original's examples (ImageNet recipe, CIFAR, MNIST) --
    'imagenet': {             # dataset: imagenet (experiments/imagenet_data)
        'train_list': ((str, type(None)), None),
        'val_list': ((str, type(None)), None),
        'train_root': ((str,), '.'),
        'val_root': ((str,), '.'),
        'mean': ((str, type(None)), None),
    },
    'loader': {               # experiments/loaders.py
        'iterator': ((str,), 'serial'),
        'workers': ((int,), 4),
    },
    'polynomial_lr': {        # chainer_kfac/extensions/polynomial_decay.py
        'enabled': ((bool,), False),
        'start_epoch': (NUMBER, 1),
        'end_epoch': (NUMBER, 53),
        'power': (NUMBER, 11),
    },
    'running_mixup': {        # chainer_kfac/links/running_mixup.py
        'enabled': ((bool,), False),
        'alpha': (NUMBER, 0.4),
        'running': ((bool,), True),
    },
    'random_erasing': {       # chainer_kfac/links/random_erasing.py
        'rate': (NUMBER, 0.0),
        'area_min': (NUMBER, 0.02),
        'area_max': (NUMBER, 0.25),
        'aspect_min': (NUMBER, 0.3),
    },
    'normalize_weight': {     # chainer_kfac/hooks/normalize_weight.py
        'enabled': ((bool,), False),
        'skip_scale_comp': ((bool,), False),
    },
    'mixed_precision': {      # experiments/precision.py
        'dtype': ((str,), 'float32'),
        'fp32_update': ((bool,), True),
        'loss_scale': (NUMBER + (str, type(None)), None),
        'loss_scale_interval': ((int,), 1000),
    },
}

#: dotted key -> its allowed values, each taken from where it is defined.
CHOICES: dict[str, Sequence[Any]] = {
    'dataset': datasets.NAMES,
    'model': training.MODELS,
    'optimizer.name': training.OPTIMIZERS,
    'loader.iterator': KINDS,
    'distributed.assignment': ASSIGNMENTS,
    'kfac.on_nonfinite': ON_NONFINITE,
    'kfac.fisher': FISHER_TYPES,
    'kfac.bn_fisher': BN_FISHER_TYPES,
    'communicator': COMMUNICATORS,
    'kfac.pi_type': PI_TYPES,
    'mixed_precision.dtype': precision.DTYPES,
}


#: dotted key -> the range of its value (lists: of each item).
RANGES = {
    'synthetic_size': Range(1, length=2),
    'seed': Range(0, 2 ** 32 - 1),
    'epochs': Range(0, lo_open=True),
    'batch_size': Range(1),
    'test_batch_size': Range(1),
    'snapshot_every': Range(1),
    'evals_per_epoch': Range(1),
    'dense_eval_epochs': Range(0),
    'optimizer.lr': Range(0, lo_open=True),
    'optimizer.momentum': Range(0, 1, hi_open=True),
    'optimizer.weight_decay': Range(0),
    'kfac.cov_ema_decay': Range(0, 1, lo_open=True),
    'kfac.damping': Range(0, lo_open=True),
    'kfac.stab_coeff': Range(0),
    'kfac.acc_iters': Range(1),
    'kfac.cov_update_freq': Range(1),
    'kfac.inv_update_freq': Range(1),
    'kfac.mc_samples': Range(1),
    'kfac.mc_seed': Range(0, 2 ** 32 - 1),
    'kfac.stale_tolerance': Range(0, lo_open=True),
    'kfac.damping_adaptation_interval': Range(1),
    'kfac.kl_clip': Range(0, lo_open=True),
    'lr_schedule.drop_epochs': Range(0, lo_open=True),
    'lr_schedule.factor': Range(0, lo_open=True),
    'mixup.alpha': Range(0),
    'holdout.fraction': Range(0, 1, lo_open=True, hi_open=True),
    'holdout.seed': Range(0, 2 ** 32 - 1),
    'loader.workers': Range(1),
    'polynomial_lr.start_epoch': Range(0),
    'polynomial_lr.end_epoch': Range(0, lo_open=True),
    'polynomial_lr.power': Range(0),
    'running_mixup.alpha': Range(0, lo_open=True),
    'random_erasing.rate': Range(0, 1),
    'random_erasing.area_min': Range(0, 1, lo_open=True),
    'random_erasing.area_max': Range(0, 1, lo_open=True),
    'random_erasing.aspect_min': Range(0, 1, lo_open=True),
    'mixed_precision.loss_scale_interval': Range(1),
}

#: keys that may change when a run is resumed, and why that is safe.
RESUME_SAFE = {
    'epochs': 'the schedule is longer or shorter; the steps done are the '
              'same',
    'description': 'text only',
    'data_dir': 'where the same dataset is read from (its contents are '
                'compared with the fingerprint the run recorded in '
                'env.json)',
    'snapshot_every': 'how often checkpoints are written',
}

#: key -> function that raises ValueError on a bad value (its message is
#: prefixed with the file and key).
CHECKS: dict[str, Callable[[Any], object]] = {'device': devices.parse,
          'mixed_precision.loss_scale': precision.check_loss_scale}
