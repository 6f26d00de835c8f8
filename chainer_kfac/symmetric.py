"""Symmetric matrices stored as one triangle (BLAS/LAPACK output)."""
from typing import Any

from chainer import backend


def symmetrize_upper(upper: Any) -> Any:
    """Return the symmetric matrix whose upper triangle is ``upper``'s.

    ``upper``'s strict lower triangle must be zero (as BLAS syrk and LAPACK
    potrf(clean=1)/potri leave it): the result is upper + upper^T with the
    diagonal counted once, a single vectorised pass instead of fancy
    indexing.
    """
    xp = backend.get_array_module(upper)
    out = upper + upper.T
    xp.fill_diagonal(out, upper.diagonal())
    return xp.ascontiguousarray(out)
