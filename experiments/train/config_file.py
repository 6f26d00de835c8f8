"""Read a config file, its ``base:`` files and the ``--set`` overrides into
one mapping (:func:`read_merged`; ``experiments/config.py`` validates it).

Each YAML file is read strictly: a key given twice in a mapping (PyYAML
would keep the last one silently: ``epochs: 3 ... epochs: 1`` trains one
epoch, a second ``optimizer:`` section replaces the first), an empty file
(it would train every default), invalid YAML or a top level that is not a
mapping raise :class:`ConfigError` with the file, the line and the key.
A file's ``base:`` (a path or a list, relative to the file) is read first
and the file's keys are merged over it, section by section; ``origin``
records where each dotted key came from (a file, or ``--set KEY=VALUE``).

A ``--set`` value is read as YAML too, with one difference: a value that
is a float literal in Python's syntax (``5e-3``, ``1e4``, ``-2.5E-3``,
which YAML 1.1 reads as text without a dot in the mantissa or a sign in
the exponent) is a float. Files keep YAML's rules.
"""
import copy
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from experiments.errors import StudyError

#: A resolved (or merged) config: key -> value, sections are nested dicts.
Config = dict[str, Any]
#: dotted key -> the file (or ``--set KEY=VALUE``) it came from.
Origin = dict[str, str]
#: how ``origin`` names a key given on the command line.
OVERRIDE = '--set '

_DIGITS = r'[0-9](?:_?[0-9])*'
#: Python's float literal (digit groups with ``_`` too), without inf/nan.
FLOAT_LITERAL = re.compile(r'^[-+]?(?:{d}(?:\.(?:{d})?)?|\.{d})'
                           r'(?:[eE][-+]?{d})?$'.format(d=_DIGITS))


class ConfigError(StudyError, ValueError):
    """A config file or key is wrong; the message names both."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping
    (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: Any, deep: bool = False
                          ) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConfigError(
                    '{}: line {}: key `{}` is given twice (first on line '
                    '{}); YAML would keep the last one silently: delete '
                    'one'.format(self.name, key_node.start_mark.line + 1,
                                 key, seen[key]))
            seen[key] = key_node.start_mark.line + 1
        return super(_StrictLoader, self).construct_mapping(node, deep)


def read_yaml(path: str) -> Config:
    """The mapping in the YAML file ``path``; an empty file, a duplicate
    key, invalid YAML or another top level raises :class:`ConfigError`."""
    with open(path) as f:
        loader = _StrictLoader(f)
        loader.name = path
        try:
            data = loader.get_single_data()
        except yaml.YAMLError as e:
            raise ConfigError('{}: not valid YAML: {}'.format(path, e)) from e
        finally:
            loader.dispose()
    if data is None:
        raise ConfigError('{}: the file is empty (no keys): an empty config '
                          'would train with every default; write the keys, '
                          'or `base: FILE` to use another file'.format(path))
    if not isinstance(data, dict):
        raise ConfigError('{}: the top level must be a mapping of keys, not '
                          '{}'.format(path, type(data).__name__))
    return data


def read_merged(path: str, overrides: Iterable[str] = ()
                ) -> tuple[Config, Origin]:
    """``(merged, origin)``: the mapping of ``path`` over its bases with the
    ``overrides`` (``KEY=VALUE`` strings, dotted keys) set, and where each
    dotted key came from."""
    merged: Config = {}
    origin: Origin = {}
    _load_into(os.path.abspath(path), merged, origin, stack=())
    for item in overrides:
        key, value = _parse_override(item)
        _set_dotted(merged, key, value)
        origin[key] = OVERRIDE + item
    return merged, origin


def _load_into(path: str, merged: Config, origin: Origin,
               stack: tuple[str, ...]) -> None:
    if path in stack:
        raise ConfigError('{}: `base:` cycle ({})'.format(
            path, ' -> '.join(stack + (path,))))
    if not os.path.isfile(path):
        where = 'named by ' + stack[-1] if stack else 'given'
        raise ConfigError('config file {} ({}) does not exist'.format(
            path, where))
    data = read_yaml(path)
    bases = data.pop('base', None)
    if bases is not None:
        if isinstance(bases, str):
            bases = [bases]
        if not isinstance(bases, list):
            raise ConfigError('{}: key `base` must be a path or a list of '
                              'paths'.format(path))
        for base in bases:
            _load_into(os.path.join(os.path.dirname(path), base), merged,
                       origin, stack + (path,))
    _merge(merged, data, origin, path, prefix='')


def _merge(dst: Config, src: Mapping[Any, Any], origin: Origin, path: str,
           prefix: str) -> None:
    for key, value in src.items():
        dotted = prefix + str(key)
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value, origin, path, dotted + '.')
        else:
            dst[key] = copy.deepcopy(value)
            origin[dotted] = path
            if isinstance(value, dict):
                for sub in value:
                    origin[dotted + '.' + str(sub)] = path


def _parse_override(item: str) -> tuple[str, Any]:
    if '=' not in item:
        raise ConfigError('--set {!r}: expected key=value (e.g. '
                          'optimizer.lr=0.01)'.format(item))
    key, raw = item.split('=', 1)
    if raw.startswith('@'):  # YAML reserves '@'; a device such as @cupy:0
        return key.strip(), raw
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        raise ConfigError('--set {}: cannot parse the value: {}'.format(
            item, e)) from e
    if isinstance(value, str) and FLOAT_LITERAL.match(raw.strip()):
        value = float(raw)
    return key.strip(), value


def is_override(where: str) -> bool:
    """Whether ``origin``'s ``where`` is a ``--set`` on the command line."""
    return where.startswith(OVERRIDE)


def _set_dotted(d: Config, key: str, value: Any) -> None:
    parts = key.split('.')
    for part in parts[:-1]:
        d = d.setdefault(part, {})
        if not isinstance(d, dict):
            raise ConfigError('--set {}: {} is not a section'.format(
                key, part))
    d[parts[-1]] = value
