"""Snapshot state of the random streams the recipe's links draw from.

A resumed run must draw what the uninterrupted run would have drawn next:
the generators' states go into the snapshot with the model (NumPy's
``RandomState``: Mersenne-Twister keys, position and the cached Gaussian;
Python's ``random.Random``: its 625-word state and the cached Gaussian,
NaN standing for none).
"""
import random
import typing
from typing import Any, Tuple

import numpy


def serialize_numpy_random(serializer: Any,
                           rng: numpy.random.RandomState) -> None:
    """Save/load the state of a ``numpy.random.RandomState``."""
    # The legacy state (not legacy=False's dict): a 5-tuple.
    name, keys, pos, has_gauss, gauss = typing.cast(
        Tuple[str, numpy.ndarray, int, int, float], rng.get_state())
    keys = serializer('rng_keys', keys)
    pos = int(serializer('rng_pos', pos))
    has_gauss = int(serializer('rng_has_gauss', has_gauss))
    gauss = float(serializer('rng_cached_gaussian', gauss))
    rng.set_state((name, numpy.asarray(keys, dtype=numpy.uint32), pos,
                   has_gauss, gauss))


def serialize_python_random(serializer: Any, rnd: random.Random) -> None:
    """Save/load the state of a ``random.Random``."""
    version, words, gauss = rnd.getstate()
    words = serializer('rng_words', numpy.asarray(words, numpy.int64))
    gauss = float(serializer('rng_gauss_next',
                             numpy.nan if gauss is None else gauss))
    rnd.setstate((version, tuple(int(w) for w in words),
                  None if numpy.isnan(gauss) else gauss))
