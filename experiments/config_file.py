"""Read one YAML config file strictly: a key given twice in a mapping
(PyYAML would keep the last one silently: ``epochs: 3 ... epochs: 1``
trains one epoch, a second ``optimizer:`` section replaces the first), an
empty file (it would train every default), invalid YAML or a top level
that is not a mapping raise :class:`ConfigError` with the file, the line
and the key."""
import yaml


class ConfigError(ValueError):
    """A config file or key is wrong; the message names both."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping
    (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
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


def read_yaml(path):
    """The mapping in the YAML file ``path``; an empty file, a duplicate
    key, invalid YAML or another top level raises :class:`ConfigError`."""
    with open(path) as f:
        loader = _StrictLoader(f)
        loader.name = path
        try:
            data = loader.get_single_data()
        except yaml.YAMLError as e:
            raise ConfigError('{}: not valid YAML: {}'.format(path, e))
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
