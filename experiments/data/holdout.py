"""A held-out split of the training set, for tuning without the test set.

Given the training labels t (n examples, classes c = 0..K-1) and a fraction
f, the split holds out, of each class c with n_c examples, the first
round(f n_c) of a permutation of that class's indices drawn with
``numpy.random.RandomState(seed)`` (one generator, the classes in
ascending order). The held-out set thus has each class's share of the
training set (stratified), is disjoint from what is trained on, and is the
same for the same (labels, f, seed) on every machine. The rest, in its
original order, is the training set a tuning trial sees; the test set is
never consulted (experiments/tune/).
"""
from typing import NamedTuple

import numpy


class HoldoutSplit(NamedTuple):
    """Indices into the full training set, each ascending."""
    train: numpy.ndarray
    held_out: numpy.ndarray


def stratified_split(labels: numpy.ndarray, fraction: float,
                     seed: int) -> HoldoutSplit:
    """Hold out ``fraction`` of each class of ``labels`` (see the module's
    docstring); ``0 < fraction < 1``."""
    if not 0.0 < fraction < 1.0:
        raise ValueError('the held-out fraction must lie strictly between 0 '
                         'and 1, got {}'.format(fraction))
    labels = numpy.asarray(labels)
    rng = numpy.random.RandomState(seed)
    held = [numpy.zeros(0, dtype=numpy.int64)]
    for label in numpy.unique(labels):
        members = numpy.flatnonzero(labels == label)
        count = int(round(fraction * members.size))
        held.append(rng.permutation(members)[:count])
    held_out = numpy.sort(numpy.concatenate(held))
    mask = numpy.ones(labels.size, dtype=bool)
    mask[held_out] = False
    return HoldoutSplit(numpy.flatnonzero(mask), held_out)
