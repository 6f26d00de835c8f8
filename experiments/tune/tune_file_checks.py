"""The checks of a tuning file's keys other than its space
(experiments/tune/tune_file.py describes the file). Each raises
:class:`TuneFileError` naming the file, the key and what it takes."""
from collections.abc import Collection, Mapping
from typing import Any

from experiments.tune.errors import TuneFileError
from experiments.tune.space import schema_entry

TOP_KEYS = ('description', 'trials', 'objective', 'holdout', 'sampler',
            'pruner', 'heartbeat', 'fixed', 'space')
SAMPLER_KEYS = {'tpe': {'seed', 'n_startup_trials'}, 'random': {'seed'}}
PRUNER_KEYS = {'median': {'n_startup_trials', 'n_warmup_steps'},
               'successive_halving': {'min_resource', 'reduction_factor'},
               'none': set()}


def known_keys(path: str, where: str, data: Mapping[str, Any],
               allowed: Collection[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise TuneFileError('{}: unknown key {}{}: use {}'.format(
            path, where, unknown[0], ', '.join(sorted(allowed)) or
            'no other key'))


def section(path: str, data: Mapping[str, Any], key: str,
            allowed: Collection[str]) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise TuneFileError('{}: {} must be a mapping of {}'.format(
            path, key, ', '.join(sorted(allowed))))
    known_keys(path, key + '.', value, allowed)
    return value


def positive_int(path: str, key: str, value: Any,
                 allow_zero: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or \
            value < (0 if allow_zero else 1):
        raise TuneFileError('{}: {} must be a whole number >= {}, not '
                            '{!r}'.format(path, key, 0 if allow_zero else 1,
                                          value))
    return value


def fraction(path: str, key: str, value: Any) -> float:
    if not isinstance(value, float) or not 0.0 < value < 1.0:
        raise TuneFileError('{}: {} must be a number strictly between 0 and '
                            '1, e.g. 0.1, not {!r}'.format(path, key, value))
    return value


def text(path: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TuneFileError('{}: {} must name a log key, e.g. '
                            'holdout/main/accuracy, not {!r}'.format(
                                path, key, value))
    if not value.startswith('holdout/'):
        raise TuneFileError('{}: {}: {!r} is not measured on the held-out '
                            'split: tuning never reads the test set '
                            '(validation/*); use holdout/main/accuracy'
                            .format(path, key, value))
    return value


def named(path: str, key: str, value: Any,
          choices: Mapping[str, Collection[str]]) -> Mapping[str, Any]:
    """A ``{name: CHOICE, option: value...}`` section."""
    if not isinstance(value, dict) or value.get('name') not in choices:
        raise TuneFileError('{}: {} must be {{name: {}, ...}}, not '
                            '{!r}'.format(path, key, '|'.join(choices),
                                          value))
    known_keys(path, key + '.', value, {'name'} | set(choices[value['name']]))
    for option, number in value.items():
        if option != 'name':
            positive_int(path, '{}.{}'.format(key, option), number,
                         allow_zero=option in ('seed', 'n_warmup_steps'))
    return dict(value)


def sampler(path: str, value: Any) -> Mapping[str, Any]:
    return named(path, 'sampler', value, SAMPLER_KEYS)


def pruner(path: str, value: Any) -> Mapping[str, Any]:
    return named(path, 'pruner', value, PRUNER_KEYS)


def fixed(path: str, value: Any) -> Mapping[str, Any]:
    """``fixed:``: dotted config keys set for every trial."""
    if not isinstance(value, dict):
        raise TuneFileError('{}: fixed must map dotted config keys to '
                            'values, e.g. fixed: {{snapshot_every: 100}}'
                            .format(path))
    for key in value:
        if schema_entry(str(key)) is None:
            raise TuneFileError('{}: fixed.{}: not a key of the config '
                                '(experiments/train/config.py SCHEMA)'.format(
                                    path, key))
    return dict(value)
