"""Snapshot state of the random streams the recipe's links draw from.

A resumed run must draw what the uninterrupted run would have drawn next:
the generators' states go into the snapshot with the model (NumPy's
``RandomState``: Mersenne-Twister keys, position and the cached Gaussian;
Python's ``random.Random``: its 625-word state and the cached Gaussian,
NaN standing for none).
"""
import numpy


def serialize_numpy_random(serializer, rng):
    """Save/load the state of a ``numpy.random.RandomState``."""
    name, keys, pos, has_gauss, gauss = rng.get_state()
    keys = serializer('rng_keys', keys)
    pos = int(serializer('rng_pos', pos))
    has_gauss = int(serializer('rng_has_gauss', has_gauss))
    gauss = float(serializer('rng_cached_gaussian', gauss))
    rng.set_state((name, numpy.asarray(keys, dtype=numpy.uint32), pos,
                   has_gauss, gauss))


def serialize_python_random(serializer, rnd):
    """Save/load the state of a ``random.Random``."""
    version, words, gauss = rnd.getstate()
    words = serializer('rng_words', numpy.asarray(words, numpy.int64))
    gauss = float(serializer('rng_gauss_next',
                             numpy.nan if gauss is None else gauss))
    rnd.setstate((version, tuple(int(w) for w in words),
                  None if numpy.isnan(gauss) else gauss))
