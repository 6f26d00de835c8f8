"""The training features of Chainer_K-FAC's example scripts as config keys:
which classifier, train iterator, learning-rate schedule and update-rule
hooks a config asks for, and the combinations that cannot go together.

- ``running_mixup`` / ``random_erasing`` (the ImageNet recipe's, inside the
  model there): :class:`~chainer_kfac.links.RecipeClassifier`; otherwise
  the study's :class:`~chainer_kfac.links.MixupClassifier`.
- ``mixup`` (the study's mixup within a batch) needs the serial
  :class:`~chainer_kfac.iterators.MixupIterator`, which also stays the
  iterator of a plain serial run (so the study's runs are unchanged); the
  recipe's runs and ``loader.iterator: thread|process`` use
  :func:`experiments.loaders.make_iterator`.
- ``polynomial_lr``: :class:`~chainer_kfac.extensions.PolynomialDecay`
  every ``kfac.acc_iters`` iterations (once per update); otherwise the
  study's step schedule. Adam's rate is its ``alpha``.
- ``normalize_weight``: :func:`~chainer_kfac.hooks.add_normalize_weight`.
"""
from collections.abc import Mapping
from typing import Any

from chainer_kfac.extensions import PolynomialDecay
from chainer_kfac.hooks import add_normalize_weight
from chainer_kfac.iterators import MixupIterator
from chainer_kfac.links import MixupClassifier
from chainer_kfac.links import RandomErasing
from chainer_kfac.links import RecipeClassifier
from chainer_kfac.links import RunningMixup
from experiments.train import extensions as exp_extensions
from experiments.train import loaders
from experiments.train.config_file import ConfigError

Config = Mapping[str, Any]


def uses_recipe_classifier(config: Config) -> bool:
    return bool(config['running_mixup']['enabled'] or
                config['random_erasing']['rate'] > 0)


def check(config: Config) -> None:
    """Raise ConfigError for keys that cannot be combined."""
    if config['mixup']['enabled'] and uses_recipe_classifier(config):
        raise ConfigError(
            '`mixup.enabled` (mixup within a batch, the study\'s) cannot be '
            'combined with `running_mixup.enabled` or `random_erasing.rate` '
            '> 0 (the ImageNet recipe\'s): choose one')
    if config['mixup']['enabled'] and config['loader']['iterator'] != \
            'serial':
        raise ConfigError(
            '`mixup.enabled` needs `loader.iterator: serial` (the mixup '
            'iterator is serial), not {!r}'.format(
                config['loader']['iterator']))
    if config['polynomial_lr']['enabled'] and \
            config['lr_schedule']['drop_epochs']:
        raise ConfigError(
            '`polynomial_lr.enabled` and `lr_schedule.drop_epochs` both set '
            'the learning rate: empty lr_schedule.drop_epochs or disable '
            'polynomial_lr')


def make_classifier(config: Config, predictor: Any, n_classes: int,
                    stream_seed: int) -> Any:
    """The loss link around ``predictor``."""
    if not uses_recipe_classifier(config):
        return MixupClassifier(predictor)
    mix, erase = config['running_mixup'], config['random_erasing']
    mixup = RunningMixup(mix['alpha'], n_classes, mix['running'],
                         seed=stream_seed) if mix['enabled'] else None
    erasing = RandomErasing(erase['rate'], erase['area_min'],
                            erase['area_max'], erase['aspect_min'],
                            seed=stream_seed) if erase['rate'] > 0 else None
    return RecipeClassifier(predictor, mixup, erasing)


def make_train_iterator(config: Config, train: Any, batch: int,
                        stream_seed: int) -> Any:
    """The study's mixup iterator (also without mixup, for a plain serial
    run), else :func:`experiments.train.loaders.make_iterator`."""
    kind = config['loader']['iterator']
    if config['mixup']['enabled'] or (
            kind == 'serial' and not uses_recipe_classifier(config)):
        alpha = config['mixup']['alpha'] if config['mixup']['enabled'] \
            else 0.0
        return MixupIterator(train, batch, alpha, seed=stream_seed)
    return loaders.make_iterator(train, batch, kind,
                                 config['loader']['workers'],
                                 seed=stream_seed)


def make_test_iterator(config: Config, test: Any, batch: int) -> Any:
    return loaders.make_iterator(test, batch, config['loader']['iterator'],
                                 config['loader']['workers'], repeat=False,
                                 shuffle=False)


def lr_attribute(config: Config) -> str:
    """The optimizer attribute a schedule sets: Adam's rate is alpha."""
    return 'alpha' if config['optimizer']['name'] == 'adam' else 'lr'


def extend_lr_schedule(trainer: Any, config: Config) -> None:
    """Polynomial decay (``polynomial_lr``) or the study's step
    schedule."""
    opt, attr = config['optimizer'], lr_attribute(config)
    poly = config['polynomial_lr']
    if poly['enabled']:
        end = max(config['epochs'], poly['end_epoch'])
        every = config['kfac']['acc_iters'] if opt['name'] == 'kfac' else 1
        trainer.extend(PolynomialDecay(opt['lr'], poly['start_epoch'], end,
                                       poly['power'], attr),
                       trigger=(every, 'iteration'))
        return
    trainer.extend(exp_extensions.StepLRSchedule(
        opt['lr'], config['lr_schedule']['drop_epochs'],
        config['lr_schedule']['factor'], attr))


def add_update_hooks(optimizer: Any, config: Config) -> list[Any]:
    """The recipe's update-rule hooks (after ``optimizer.setup``); returns
    the trainer extensions that keep their state in snapshots."""
    if not config['normalize_weight']['enabled']:
        return []
    return [add_normalize_weight(
        optimizer, config['normalize_weight']['skip_scale_comp'])]
