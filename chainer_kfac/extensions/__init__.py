"""Trainer extensions."""
from chainer_kfac.extensions.polynomial_decay import PolynomialDecay  # NOQA
