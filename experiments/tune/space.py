"""The search space of a tuning file: per ``optimizer.name``, the config
keys a trial draws, each uniform on [low, high] or log-uniform (``log:
true``, low > 0). A key must be a numeric key of the config schema
(experiments/train/config.py); the bounds must lie in its range."""
import dataclasses
from collections.abc import Mapping
from typing import Any

from experiments.train import config as config_module
from experiments.train.ranges import NUMBER
from experiments.tune.errors import TuneFileError

DIMENSION_KEYS = ('low', 'high', 'log')


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One searched config key."""
    key: str
    low: float
    high: float
    log: bool = False


def schema_entry(dotted: str) -> Any:
    """The config schema's entry of a dotted key, or None if unknown."""
    entry: Any = config_module.SCHEMA
    for part in dotted.split('.'):
        if not isinstance(entry, dict) or part not in entry:
            return None
        entry = entry[part]
    return entry


def read_space(path: str, data: Any) -> dict[str, tuple[Dimension, ...]]:
    """``space:`` of the tuning file ``path``, validated."""
    if not isinstance(data, dict) or not data:
        raise TuneFileError('{}: space must map an optimizer name to its '
                            'keys, e.g. space: {{kfac: {{optimizer.lr: '
                            '{{low: 1.0e-4, high: 0.1, log: true}}}}}}'.format(
                                path))
    space = {}
    for optimizer, keys in data.items():
        if not isinstance(keys, dict) or not keys:
            raise TuneFileError('{}: space.{} must map config keys to '
                                '{{low, high[, log]}}'.format(path, optimizer))
        space[str(optimizer)] = tuple(
            dimension(path, '{}.{}'.format(optimizer, key), key, bounds)
            for key, bounds in keys.items())
    return space


def dimension(path: str, where: str, key: str, bounds: Any) -> Dimension:
    """One entry ``key: {low, high, log}`` of the space."""
    entry = schema_entry(key)
    if not isinstance(entry, tuple) or entry[0] is not NUMBER:
        raise TuneFileError(
            '{}: space.{}: {!r} is not a numeric key of the config (e.g. '
            'optimizer.lr, optimizer.momentum, kfac.damping): fix the '
            'name'.format(path, where, key))
    if not isinstance(bounds, dict) or set(bounds) - set(DIMENSION_KEYS) \
            or not {'low', 'high'} <= set(bounds):
        raise TuneFileError('{}: space.{} must be {{low: NUMBER, high: '
                            'NUMBER, log: true|false}}, not {!r}'.format(
                                path, where, bounds))
    low, high, log = bounds['low'], bounds['high'], bounds.get('log', False)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                  for v in (low, high))
    if not numbers or not low < high or (log and low <= 0) or \
            not isinstance(log, bool):
        raise TuneFileError('{}: space.{}: need numbers low < high (and low '
                            '> 0 with log: true), got {!r}'.format(
                                path, where, bounds))
    check_range(path, where, key, float(low), float(high))
    return Dimension(key, float(low), float(high), log)


def check_range(path: str, where: str, key: str, low: float,
                high: float) -> None:
    """Both bounds are values the config accepts for ``key``."""
    allowed = config_module.RANGES.get(key)
    if allowed is None:
        return
    for value in (low, high):
        if not allowed.contains(value):
            raise TuneFileError('{}: space.{}: bound {} is outside what {} '
                                'takes ({})'.format(path, where, value, key,
                                                    allowed))


def as_overrides(params: Mapping[str, float]) -> list[str]:
    """A trial's parameters as ``--set`` overrides (``repr`` keeps every
    digit of the float)."""
    return ['{}={!r}'.format(key, float(value))
            for key, value in sorted(params.items())]
