"""Iterators."""
from chainer_kfac.iterators.mixup_iterator import MixupIterator  # NOQA
