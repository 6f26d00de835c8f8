"""Symmetric rank-k products X^T X, the workhorse of every Kronecker factor.

On the CPU this calls BLAS ``syrk`` through SciPy, which computes one
triangle only (half the flops of ``X.T @ X``) and reads a C- or F-ordered
``X`` without copying it. On the GPU it is a plain matmul.
"""
import typing

import numpy

from chainer import backend

from chainer_kfac.symmetric import symmetrize_upper

try:
    from scipy.linalg import blas as _blas
except ImportError:  # pragma: no cover - scipy is an install requirement
    _blas = None


def gram(x: typing.Any, alpha: float = 1.0) -> typing.Any:
    """Return ``alpha * x.T @ x`` (symmetric, both triangles filled).

    Args:
        x: 2-D array of shape (rows, d); rows are samples.
        alpha (float): Scale.
    """
    xp = backend.get_array_module(x)
    if xp is numpy and _blas is not None and x.dtype in (numpy.float32,
                                                         numpy.float64):
        syrk = _blas.get_blas_funcs('syrk', (x,))
        if x.flags.c_contiguous:
            # x.T is F-ordered (d, rows): syrk(trans=0) gives x.T @ x.
            upper = syrk(alpha, x.T, trans=0, lower=0)
        elif x.flags.f_contiguous:
            upper = syrk(alpha, x, trans=1, lower=0)
        else:
            x = numpy.ascontiguousarray(x)
            upper = syrk(alpha, x.T, trans=0, lower=0)
        return symmetrize_upper(upper)
    out = x.T @ x
    if alpha != 1.0:
        out *= x.dtype.type(alpha)
    return out


def add_gram_upper(upper: typing.Any, x: typing.Any,
                   alpha: float) -> typing.Any:
    """Return ``upper + alpha * x.T @ x`` on the upper triangle, for a NumPy
    (rows, d) ``x`` (F-ordered: read without a copy) and an F-ordered
    (d, d) ``upper`` that BLAS ``syrk`` updates in place (beta = 1); the
    strict lower triangle is left as it was. Summing per chunk of rows
    this way builds X^T X without holding X whole."""
    if _blas is not None and x.dtype in (numpy.float32, numpy.float64):
        syrk = _blas.get_blas_funcs('syrk', (x,))
        return syrk(alpha, x, beta=1.0, c=upper, trans=1, lower=0,
                    overwrite_c=1)
    upper += numpy.triu(x.T @ x) * x.dtype.type(alpha)
    return upper
