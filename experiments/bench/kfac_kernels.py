"""The kernels of a K-FAC step on ResNet-50-D's shapes, one BLAS thread.

    python -m experiments bench kernels [--batch 8] [--json OUT]

1. A = P^T P of every convolution, on the inputs of one forward of
   ResNet-50-D (224x224): the band products (chainer_kfac/fisher/
   conv_patches.py, narrow layers) vs one syrk per chunk of the patch matrix
   (wide layers), both paths forced on every layer, grouped by layer shape;
2. symmetrize_upper of a syrk result: upper + upper^T vs the tiled copy;
3. applying a damped inverse to a c_out x d gradient (x F_d^-1): two
   triangular solves with the Cholesky factor (what the package does) vs a
   GEMM (NumPy's matmul) or a symm (SciPy) with the explicit inverse, and
   the potrf / potri that make them;
4. the BLAS libraries NumPy and SciPy load (threadpoolctl), whose kernels
   explain 3.

Times are the best of ``--repeat`` calls after one warm-up call.
"""
import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import chainer_kfac  # NOQA: F401  (the compatibility layer first)
import chainer
import chainer.links as L
from chainer.functions.connection import convolution_2d
from chainer.utils import conv as conv_utils
import numpy
from scipy.linalg import blas, lapack

from chainer_kfac import models, runtime, symmetric
from chainer_kfac.fisher import conv_patches

#: {label: {measurement: seconds}} of one section of the results
Section = dict[Any, dict[str, float]]


def best(function: Callable[[], Any], repeat: int) -> float:
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


class Inputs(chainer.FunctionHook):
    """The convolutions (function, input) of one forward."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, Any]] = []

    def forward_postprocess(self, function: Any, in_data: Any) -> None:
        if isinstance(function, convolution_2d.Convolution2DFunction):
            self.calls.append((function, in_data[0]))


def conv_factors(batch: int, repeat: int) -> Section:
    """{shape label: {'layers', 'bands', 'syrk'}} seconds per batch."""
    numpy.random.seed(0)
    model = models.build('resnet50_d', 3, 224, 1000)
    links = {id(link.W.node): link for _, link in model.namedlinks()
             if isinstance(link, L.Convolution2D)}
    x = numpy.random.rand(batch, 3, 224, 224).astype(numpy.float32)
    hook = Inputs()
    with hook:
        model(x)
    table: Section = {}
    for function, xin in hook.calls:
        link = links[id(function.inputs[1])]
        _, c, kh, kw = link.W.shape
        ho = conv_utils.get_conv_outsize(xin.shape[2], kh, function.sy,
                                         function.ph, function.cover_all,
                                         function.dy)
        wo = conv_utils.get_conv_outsize(xin.shape[3], kw, function.sx,
                                         function.pw, function.cover_all,
                                         function.dx)
        label = '{}x{} conv, c_in {}, {}x{} in, stride {}'.format(
            kh, kw, c, xin.shape[2], xin.shape[3], function.sy)
        row = table.setdefault(label, {'layers': 0, 'bands': 0, 'syrk': 0})
        row['layers'] += 1
        for path, limit in (('bands', 10 ** 9), ('syrk', 0)):
            conv_patches.BAND_MAX_ROW_TAPS = limit
            gram = conv_patches.PatchGram(link)
            row[path] += best(lambda: gram(xin, function, ho, wo, 1.0),
                              repeat)
    return table


def symmetrize(sizes: Sequence[int], repeat: int) -> Section:
    out: Section = {}
    for n in sizes:
        x = numpy.random.rand(n + 64, n).astype(numpy.float32)
        upper = blas.ssyrk(1.0, x, trans=1, lower=0)

        def naive() -> numpy.ndarray:
            full = upper + upper.T
            numpy.fill_diagonal(full, upper.diagonal())
            return numpy.ascontiguousarray(full)
        out[n] = {'upper + upper^T': best(naive, repeat),
                  'tiled': best(lambda: symmetric.symmetrize_upper(upper),
                                repeat)}
    return out


def solves(shapes: Sequence[tuple[int, int]], repeat: int) -> Section:
    out: Section = {}
    rng = numpy.random.RandomState(0)
    for c_out, d in shapes:
        x = rng.rand(2 * d, d).astype(numpy.float32)
        A = x.T @ x / (2 * d) + numpy.eye(d, dtype=numpy.float32)
        U, _ = lapack.spotrf(A, lower=0, clean=1)
        inv, _ = lapack.spotri(U.copy(), lower=0)
        inv = symmetric.symmetrize_upper(numpy.triu(inv))
        M = rng.rand(c_out, d).astype(numpy.float32)

        def trsm() -> numpy.ndarray:
            o = blas.strsm(1.0, U, M, side=1, lower=0, trans_a=0)
            return blas.strsm(1.0, U, o, side=1, lower=0, trans_a=1,
                              overwrite_b=1)
        out['{} x {}'.format(c_out, d)] = {
            'trsm x2 (Cholesky)': best(trsm, repeat),
            'numpy GEMM (explicit)': best(lambda: M @ inv, repeat),
            'scipy symm (explicit)': best(
                lambda: blas.ssymm(1.0, inv, M, side=1, lower=0), repeat),
            'potrf': best(lambda: lapack.spotrf(A, lower=0), repeat),
            'potri': best(lambda: lapack.spotri(U.copy(), lower=0), repeat)}
    return out


def measure(batch: int, repeat: int) -> dict[str, Any]:
    """Every section's timings, and the BLAS libraries loaded."""
    return {
        'blas': [{k: lib.get(k) for k in ('filepath', 'version',
                                          'architecture', 'num_threads')}
                 for lib in runtime.blas.blas_controller().info()],
        'conv_factors': conv_factors(batch, repeat),
        'symmetrize': symmetrize([512, 2048, 4608], repeat),
        'solves': solves([(512, 4608), (1000, 2049), (2048, 512),
                          (256, 2304)], repeat)}


def show(batch: int, result: dict[str, Any]) -> None:
    for lib in result['blas']:
        print('BLAS: {} {} ({})'.format(os.path.basename(lib['filepath']),
                                        lib['version'], lib['architecture']))
    print('A factors at batch {} (s, summed over the layers):'.format(batch))
    rows = sorted(result['conv_factors'].items(), key=lambda kv: -kv[1][
        'bands'])
    for label, row in rows:
        print('  {:45s} x{:<2d} bands {:7.3f}  syrk {:7.3f}'.format(
            label, row['layers'], row['bands'], row['syrk']))
    print('  all: bands {:.3f} s, syrk {:.3f} s'.format(
        sum(r['bands'] for _, r in rows), sum(r['syrk'] for _, r in rows)))
    for section in ('symmetrize', 'solves'):
        print(section + ' (s):')
        for key, row in result[section].items():
            print('  {:12s} {}'.format(str(key), ', '.join(
                '{} {:.4f}'.format(k, v) for k, v in row.items())))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments bench kernels',
        description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--repeat', type=int, default=2)
    parser.add_argument('--json')
    args = parser.parse_args(argv)
    runtime.apply_process_defaults(1)
    result = measure(args.batch, args.repeat)
    show(args.batch, result)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0
