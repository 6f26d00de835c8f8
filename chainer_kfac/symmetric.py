"""Symmetric matrices stored as one triangle (BLAS/LAPACK output).

Filling the lower triangle is a transpose, which read element by element
walks a large matrix across the cache (a 4608 x 4608 float32 upper + upper^T
took 0.17 s on one core). Large NumPy matrices are therefore copied in
:data:`TILE` x :data:`TILE` tiles (each tile and its transpose stay in the
cache: 0.04 s; scripts/bench_kfac_kernels.py, docs/results/resnet50_d/).
"""
from typing import Any

from chainer import backend
import numpy

#: Side of the tiles of the blocked copy (NumPy, side > 2 * TILE).
TILE = 256


def symmetrize_upper(upper: Any, out: Any = None) -> Any:
    """Return the symmetric matrix whose upper triangle is ``upper``'s.

    ``upper``'s strict lower triangle must be zero (as BLAS syrk and LAPACK
    potrf(clean=1)/potri leave it): the result is upper + upper^T with the
    diagonal counted once, a single vectorised pass instead of fancy
    indexing; large NumPy matrices are copied by tiles (the strict lower
    triangle is then not read). ``out``: a NumPy array of ``upper``'s shape
    to write the result to (a new C-ordered array if None).
    """
    xp = backend.get_array_module(upper)
    if xp is numpy and upper.shape[0] > 2 * TILE:
        return _symmetrize_tiled(upper, out)
    result = upper + upper.T
    xp.fill_diagonal(result, upper.diagonal())
    if out is None:
        return xp.ascontiguousarray(result)
    out[...] = result
    return out


def _symmetrize_tiled(upper: Any, out: Any) -> Any:
    d, b = upper.shape[0], TILE
    if out is None:
        out = numpy.empty_like(upper, order='C')
    for i in range(0, d, b):
        tile = numpy.triu(upper[i:i + b, i:i + b])
        out[i:i + b, i:i + b] = tile + numpy.tril(tile.T, -1)
        for k in range(i + b, d, b):
            tile = upper[i:i + b, k:k + b]
            out[i:i + b, k:k + b] = tile
            out[k:k + b, i:i + b] = tile.T
    return out
