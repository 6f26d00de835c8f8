"""Packing one array into a flat buffer, and reading it back.

Symmetric matrices (the Kronecker factors) travel as their upper triangle
only: n(n+1)/2 numbers instead of n^2, a little over half. Where each array
of a collective goes is :mod:`chainer_kfac.distributed.plan`'s business.
"""
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy

from chainer import backend

_triu_cache: Dict[Tuple[str, int], Any] = {}


def _triu(xp: Any, n: int) -> Any:
    key = (xp.__name__, n)
    if key not in _triu_cache:
        _triu_cache[key] = xp.triu_indices(n)
    return _triu_cache[key]


def packed_size(array: Any, symmetric: bool = False) -> int:
    """Number of elements ``array`` takes in a packed buffer."""
    if symmetric:
        n = array.shape[0]
        return n * (n + 1) // 2
    return int(array.size)


def total_size(arrays: Sequence[Any], symmetric: Sequence[bool]) -> int:
    """Elements of ``arrays`` packed one after another."""
    return sum(packed_size(a, s)
               for a, s in zip(arrays, symmetric, strict=True))


def pack_into(buf: Any, offset: int, array: Any,
              symmetric: bool = False) -> int:
    """Write ``array`` (its upper triangle if symmetric) at ``offset``;
    returns the offset after it."""
    size = packed_size(array, symmetric)
    if symmetric:
        buf[offset:offset + size] = array[_triu(backend.get_array_module(
            array), array.shape[0])]
    else:
        buf[offset:offset + size] = array.ravel()
    return offset + size


def unpack(buf: Any, offset: int, shape: Tuple[int, ...], dtype: Any,
           symmetric: bool = False, out: Optional[Any] = None) -> Any:
    """The array of ``shape`` packed in ``buf`` at ``offset`` (a symmetric
    matrix rebuilt whole), written into ``out`` if given."""
    xp = backend.get_array_module(buf)
    n = shape[0] if symmetric else 0
    size = n * (n + 1) // 2 if symmetric else int(numpy.prod(shape))
    chunk = buf[offset:offset + size]
    if out is None:
        out = xp.empty(shape, dtype=dtype)
    if symmetric:
        rows, cols = _triu(xp, n)
        out[rows, cols] = chunk
        out[cols, rows] = chunk
    else:
        out[...] = chunk.reshape(shape)
    return out


def unpack_from(buf: Any, offset: int, like: Any, symmetric: bool = False,
                out: Optional[Any] = None) -> Tuple[Any, int]:
    """``(array shaped as like, offset after it)`` read from ``buf``."""
    array = unpack(buf, offset, like.shape, like.dtype, symmetric, out)
    return array, offset + packed_size(like, symmetric)


def common_dtype(groups: Sequence[Sequence[Any]]) -> numpy.dtype:
    """The dtype of a buffer holding every array in ``groups``: their
    common type, and at least float32 (float32 if empty).

    Float16 arrays (the gradients and parameters of a float16 model) travel
    in a float32 buffer, as in Chainer_K-FAC's ``pure_nccl`` communicator
    (its reduce-scatter and all-gather buffers are float32): the sums of
    the reduce-scatter cannot overflow float16's range, and the float32
    factors and gradients share one buffer (every float16 value is exact in
    float32, so the all-gather of float16 parameters loses nothing)."""
    dtypes = {numpy.dtype(a.dtype) for g in groups for a in g}
    for dtype in dtypes:
        if dtype.kind != 'f':
            raise TypeError('arrays of a collective must be floating point, '
                            'got {}'.format(dtype))
    return numpy.dtype(numpy.result_type(numpy.float32, *dtypes))
