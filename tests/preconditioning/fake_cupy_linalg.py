"""An xp whose linalg fails the way CuPy's does (no GPU needed).

CuPy runs cuSOLVER potrf/getrf and reads their ``devInfo`` only inside
``cupyx.errstate(linalg='raise')``; outside it the partly factorised matrix is
returned as if all went well. :func:`install` puts a fake ``cupyx`` (with
``errstate`` and ``scipy.linalg.solve_triangular``) into ``sys.modules``;
:data:`xp` is NumPy except for ``linalg``.
"""
import contextlib
import sys
import types

import numpy as np
import scipy.linalg
from scipy.linalg import lapack

STATE = {'linalg': 'ignore', 'raise_entered': 0}


def _report(routine, info):
    if info != 0 and STATE['linalg'] == 'raise':
        raise np.linalg.LinAlgError(
            'Error reported by {} in cuSOLVER. devInfo = {}'.format(
                routine, info))


def cholesky(a):
    # LAPACK's potrf has cuSOLVER's semantics: on failure at pivot k the
    # factor is complete up to k, and (k, k) holds the non-positive pivot.
    chol, info = lapack.dpotrf(np.array(a, np.float64), lower=1, clean=1)
    _report('potrf', info)
    return np.tril(chol).astype(a.dtype)


def inv(a):
    lu, piv, info = lapack.dgetrf(np.array(a, np.float64))
    _report('getrf', info)
    with np.errstate(all='ignore'):
        out, info = lapack.dgetri(lu, piv)
    return out.astype(a.dtype)


xp = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np)
                              if not k.startswith('__')})
xp.linalg = types.SimpleNamespace(cholesky=cholesky, inv=inv,
                                  LinAlgError=np.linalg.LinAlgError)


@contextlib.contextmanager
def errstate(linalg=None):
    before = STATE['linalg']
    STATE['linalg'] = linalg or before
    STATE['raise_entered'] += linalg == 'raise'
    try:
        yield
    finally:
        STATE['linalg'] = before


def install(monkeypatch, honour_errstate=True):
    cupyx = types.ModuleType('cupyx')
    cupyx.errstate = errstate if honour_errstate else \
        (lambda **kw: contextlib.nullcontext())
    cupyx.scipy = types.ModuleType('cupyx.scipy')
    cupyx.scipy.linalg = types.ModuleType('cupyx.scipy.linalg')
    cupyx.scipy.linalg.solve_triangular = scipy.linalg.solve_triangular
    for name, mod in [('cupyx', cupyx), ('cupyx.scipy', cupyx.scipy),
                      ('cupyx.scipy.linalg', cupyx.scipy.linalg)]:
        monkeypatch.setitem(sys.modules, name, mod)
    return xp
