"""Packing arrays into one contiguous buffer for a single collective.

Symmetric matrices (the Kronecker factors) travel as their upper triangle
only: n(n+1)/2 numbers instead of n^2, a little over half.
"""
import numpy

from chainer import backend

_triu_cache = {}


def _triu(xp, n):
    key = (xp.__name__, n)
    if key not in _triu_cache:
        _triu_cache[key] = xp.triu_indices(n)
    return _triu_cache[key]


def packed_size(array, symmetric=False):
    """Number of elements ``array`` takes in a packed buffer."""
    if symmetric:
        n = array.shape[0]
        return n * (n + 1) // 2
    return array.size


def pack_into(buf, offset, array, symmetric=False):
    """Write ``array`` (its upper triangle if symmetric) at ``offset``."""
    size = packed_size(array, symmetric)
    if symmetric:
        buf[offset:offset + size] = array[_triu(backend.get_array_module(
            array), array.shape[0])]
    else:
        buf[offset:offset + size] = array.ravel()
    return offset + size


def unpack_from(buf, offset, like, symmetric=False, out=None):
    """Read an array shaped as ``like`` from ``buf`` at ``offset``.

    Returns ``(array, new_offset)``. Symmetric matrices are rebuilt whole. If
    ``out`` is given, the values are written into it.
    """
    xp = backend.get_array_module(buf)
    size = packed_size(like, symmetric)
    chunk = buf[offset:offset + size]
    if out is None:
        out = xp.empty(like.shape, dtype=like.dtype)
    if symmetric:
        n = like.shape[0]
        rows, cols = _triu(xp, n)
        out[rows, cols] = chunk
        out[cols, rows] = chunk
    else:
        out[...] = chunk.reshape(like.shape)
    return out, offset + size


def total_size(arrays, symmetric):
    return sum(packed_size(a, s) for a, s in zip(arrays, symmetric))


def layout(groups, symmetric):
    """``(flags, dtype, counts)`` of a collective over ``groups``: the
    normalised symmetric flags, the common dtype and each group's packed
    size."""
    sym = flags(groups, symmetric)
    counts = [total_size(g, s) for g, s in zip(groups, sym)]
    return sym, common_dtype(groups), counts


def flags(groups, symmetric):
    """Normalise ``symmetric`` to a list of lists of bools like ``groups``."""
    if symmetric is None:
        return [[False] * len(g) for g in groups]
    return [list(s) for s in symmetric]


def common_dtype(groups):
    dtypes = {a.dtype for g in groups for a in g}
    if not dtypes:
        return numpy.dtype(numpy.float32)
    if len(dtypes) > 1:
        raise TypeError('arrays of one collective must share a dtype, got '
                        '{}'.format(sorted(str(d) for d in dtypes)))
    return dtypes.pop()


def pack_arrays(buf, offset, arrays, symmetric):
    """Pack several arrays one after another; returns the new offset."""
    for a, is_sym in zip(arrays, symmetric):
        offset = pack_into(buf, offset, a, is_sym)
    return offset


def unpack_arrays(buf, offset, likes, symmetric, in_place=False):
    """Unpack arrays shaped as ``likes`` (into them if ``in_place``).

    Returns ``(arrays, new_offset)``.
    """
    out = []
    for a, is_sym in zip(likes, symmetric):
        arr, offset = unpack_from(buf, offset, a, is_sym,
                                  out=a if in_place else None)
        out.append(arr)
    return out, offset
