"""Update-rule hooks."""
from chainer_kfac.hooks.normalize_weight import add_normalize_weight  # NOQA
from chainer_kfac.hooks.normalize_weight import NormalizeWeight  # NOQA
from chainer_kfac.hooks.normalize_weight import NormalizeWeightState  # NOQA
