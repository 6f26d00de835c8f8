"""Functions."""
from chainer_kfac.functions.soft_target_cross_entropy import \
    soft_target_cross_entropy  # NOQA
