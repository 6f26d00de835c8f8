"""YAML configs: a base file plus small per-run files, validated.

A config file may name ``base:`` (a path, or a list of paths, relative to the
file); bases are merged first, in order, and the file's own keys last.
``--set key.sub=value`` overrides come after all files. Every key is checked
against :data:`SCHEMA` (experiments/train/config_schema.py): an unknown key,
a wrong type, a value outside :data:`RANGES` or :data:`CHOICES`, or a
missing file raises :class:`ConfigError` naming the file and the key.
"""
import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from experiments.train.config_file import Config
from experiments.train.config_file import ConfigError
from experiments.train.config_file import is_override
from experiments.train.config_file import read_merged
from experiments.train.config_schema import CHECKS
from experiments.train.config_schema import CHOICES
from experiments.train.config_schema import RANGES
from experiments.train.config_schema import RESUME_SAFE
from experiments.train.config_schema import SCHEMA
from experiments.train.ranges import NUMBER

__all__ = ['CHECKS', 'CHOICES', 'Config', 'ConfigError', 'RANGES',
           'RESUME_SAFE', 'SCHEMA', 'load_config', 'save_config',
           'validate']


#: how an error names the kind of a value of each config type.
_KINDS = {str: 'text', int: 'a whole number', float: 'a number',
          bool: 'true or false', list: 'a list', dict: 'a mapping',
          type(None): 'null'}


def load_config(path: str, overrides: Iterable[str] = ()) -> Config:
    """Return the resolved config dict of ``path`` (its ``base:`` files
    merged under it) with the ``--set`` ``overrides``, validated."""
    merged, origin = read_merged(path, overrides)
    return validate(merged, origin)


def validate(config: Mapping[str, Any],
             origin: Mapping[str, str] | None = None,
             schema: Mapping[str, Any] = SCHEMA, prefix: str = ''
             ) -> Config:
    """Check keys, types and values; fill defaults. Returns a new dict.
    ``origin`` maps a dotted key to the file (or ``--set``) it came from,
    named in every error."""
    origin = origin or {}
    out: Config = {}
    for key, value in config.items():
        dotted = prefix + key
        where = origin.get(dotted, origin.get(prefix.rstrip('.'), 'config'))
        if key not in schema:
            known = ', '.join(prefix + k for k in sorted(schema))
            raise ConfigError('{}: unknown key `{}` (known keys: {})'.format(
                where, dotted, known))
        spec = schema[key]
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                raise ConfigError('{}: `{}` must be a section (mapping), '
                                  'not {!r}'.format(where, dotted, value))
            out[key] = validate(value, origin, spec, dotted + '.')
        else:
            _check_type(where, dotted, value, spec[0],
                        is_override(origin.get(dotted, '')))
            _check_value(where, dotted, value)
            out[key] = value
    for key, spec in schema.items():
        if key not in out:
            out[key] = validate({}, origin, spec, prefix + key + '.') \
                if isinstance(spec, dict) else copy.deepcopy(spec[1])
    return out


def _check_type(where: str, dotted: str, value: Any,
                types: tuple[type, ...], overridden: bool = False) -> None:
    """Raise unless ``value`` is one of ``types`` (a bool is no number);
    ``overridden``: the value is a ``--set``'s, and the message says what
    it was read as."""
    if isinstance(value, types) and not (
            isinstance(value, bool) and bool not in types):
        return
    if overridden:
        raise ConfigError('--set {}={!r} was read as {} ({}); {} takes '
                          '{}'.format(dotted, value, _kind(type(value)),
                                      type(value).__name__, dotted,
                                      _takes(types)))
    hint = ''
    if isinstance(value, str) and NUMBER[1] in types and \
            re.match(r'^[-+]?[0-9]+[eE][-+]?[0-9]+$', value):
        fixed = re.sub(r'[eE]', '.0e', value, count=1)
        hint = ' (YAML reads {} as text: write {})'.format(value, fixed)
    raise ConfigError('{}: `{}` must be {}, not {!r}{}'.format(
        where, dotted, ' or '.join('null' if t is type(None) else t.__name__
                                   for t in types), value, hint))


def _kind(kind: type) -> str:
    return _KINDS.get(kind, kind.__name__)


def _takes(types: tuple[type, ...]) -> str:
    """``'a number'``, ``'text or null'``, ...: what a key accepts."""
    numbers = set(NUMBER) <= set(types)
    return ' or '.join((['a number'] if numbers else []) + [
        _kind(t) for t in types if not (numbers and t in NUMBER)])


def _check_value(where: str, dotted: str, value: Any) -> None:
    """Raise unless ``value`` is in the key's CHOICES, RANGES and CHECKS."""
    if dotted in CHOICES and value not in CHOICES[dotted]:
        raise ConfigError('{}: `{}` must be one of {}, not {!r}'.format(
            where, dotted, ', '.join(
                'null' if c is None else c for c in CHOICES[dotted]),
            value))
    if (dotted in RANGES and value is not None and
            not RANGES[dotted].contains(value)):
        raise ConfigError('{}: `{}` must be {}, not {!r}'.format(
            where, dotted, RANGES[dotted], value))
    if dotted in CHECKS:
        try:
            CHECKS[dotted](value)
        except ValueError as e:
            raise ConfigError('{}: `{}`: {}'.format(where, dotted, e)) from e


def save_config(config: Mapping[str, Any], path: str) -> None:
    """Write the resolved config atomically (never an empty file)."""
    from experiments.train import checkpoint

    def write(tmp: str) -> None:
        with open(tmp, 'w') as f:
            yaml.safe_dump(config, f, default_flow_style=False,
                           sort_keys=True)
    checkpoint.save_atomically(path, write)
