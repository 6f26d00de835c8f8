"""Inverting and applying LeNet-5's Kronecker factors: explicit inverse
(potrf + potri, then G^-1 M A^-1 by GEMMs) vs Cholesky solves (potrf, then
two trsm per side; chainer_kfac.preconditioning.damped_inverse's
ExplicitInverse and CholeskyInverse).

    python -m experiments bench inverse [--repeats 100]

One BLAS thread (K-FAC's own work runs on one). For each layer's (A, G)
sizes, random SPD factors and a random gradient matrix: milliseconds to
invert both factors and precondition once (the every-step schedule), and
to precondition with held inverses (inv_update_freq > 1), and the largest
relative difference between the two results.
"""
import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

import chainer_kfac  # NOQA: F401  (the compatibility layer first)
import numpy

from chainer_kfac.preconditioning import CholeskyInverse
from chainer_kfac.preconditioning import ExplicitInverse
from chainer_kfac.runtime import blas

# (c_out, k + 1) of LeNet-5 on 3x32x32: fc1, fc2, fc3, conv2, conv1.
LAYERS = (('fc1', 120, 401), ('fc2', 84, 121), ('fc3', 10, 85),
          ('conv2', 16, 151), ('conv1', 6, 76))


def spd(n: int, rng: numpy.random.RandomState) -> numpy.ndarray:
    x = rng.rand(2 * n, n)
    return (x.T @ x / n + 0.1 * numpy.eye(n)).astype(numpy.float32)


def ms_per_call(func: Callable[[], Any], repeats: int) -> float:
    func()
    start = time.perf_counter()
    for _ in range(repeats):
        func()
    return (time.perf_counter() - start) / repeats * 1e3


def precondition_kronecker(M: numpy.ndarray, A_inv: Any,
                           G_inv: Any) -> numpy.ndarray:
    """G^-1 M A^-1, as the Kronecker blocks apply it."""
    return G_inv.left(A_inv.right(M))


def compare(c_out: int, k: int, repeats: int,
            rng: numpy.random.RandomState) -> dict[str, float]:
    A, G = spd(k, rng), spd(c_out, rng)
    M = rng.rand(c_out, k).astype(numpy.float32)
    explicit = (ExplicitInverse.of(A), ExplicitInverse.of(G))
    solves = (CholeskyInverse.of(A), CholeskyInverse.of(G))
    want = precondition_kronecker(M, *explicit)
    diff = numpy.abs(precondition_kronecker(M, *solves) - want).max() / \
        numpy.abs(want).max()
    return {
        'explicit': ms_per_call(lambda: precondition_kronecker(
            M, ExplicitInverse.of(A), ExplicitInverse.of(G)), repeats),
        'solves': ms_per_call(lambda: precondition_kronecker(
            M, CholeskyInverse.of(A), CholeskyInverse.of(G)), repeats),
        'apply explicit': ms_per_call(
            lambda: precondition_kronecker(M, *explicit), repeats),
        'apply solves': ms_per_call(
            lambda: precondition_kronecker(M, *solves), repeats),
        'rel. difference': diff}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments bench inverse',
        description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=100)
    args = parser.parse_args(argv)
    rng = numpy.random.RandomState(0)
    print('ms per call, one BLAS thread; invert both factors + apply | '
          'apply held inverses')
    totals: dict[str, float] = {}
    with blas.blas_threads(1):
        for name, c_out, k in LAYERS:
            row = compare(c_out, k, args.repeats, rng)
            for key, value in row.items():
                totals[key] = totals.get(key, 0) + value
            print('{:6s} A {:3d} G {:3d}: explicit {:.3f} solves {:.3f} | '
                  'explicit {:.3f} solves {:.3f} | rel. difference {:.1e}'
                  .format(name, k, c_out, *row.values()))
    print('total            : explicit {:.3f} solves {:.3f} | explicit '
          '{:.3f} solves {:.3f}'.format(*list(totals.values())[:4]))
    return 0
