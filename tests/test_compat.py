"""The compatibility layer: Chainer 7.8.1 under this environment's NumPy.

`make test` runs this file in two environments (NumPy 1.x in .venv, NumPy 2
in .venv-np2), so every patch is exercised where it is needed.
"""
import importlib.util

import numpy as np

import chainer
import chainer.functions as F
from chainermn.communicators import _memory_utility

from chainer_kfac import _compat

NUMPY2 = int(np.__version__.split('.')[0]) >= 2


def test_patches_applied_exactly_where_needed():
    applied = _compat.applied()
    assert ('chainer.functions.array.as_strided' in applied) == (
        not hasattr(np, 'sctypes'))
    assert ('chainermn.communicators._memory_utility' in applied) == (
        NUMPY2 or _compat._cupy_major() >= 14)
    assert ('chainer._environment_check' in applied) == (
        importlib.util.find_spec('numpy.distutils') is None
        or importlib.util.find_spec('pkg_resources') is None)
    # numpy.float is gone since NumPy 1.24 (both our environments).
    assert 'chainer.functions.array.resize_images' in applied
    # Nothing is given back to numpy itself.
    assert 'float' not in vars(np)


def test_as_strided_forward_and_backward():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    y = F.as_strided(x, (2, 2), (1, 1))
    np.testing.assert_array_equal(y.array, [[0, 1], [1, 2]])
    # backward (uses the patched np.sctypes lookups): y[i, j] = x.flat[i + j]
    v = chainer.Variable(np.arange(12, dtype=np.float32).reshape(3, 4))
    g = np.array([[1, 2], [3, 4]], dtype=np.float32)
    F.sum(F.as_strided(v, (2, 2), (1, 1)) * g).backward()
    want = np.zeros(12, np.float32)
    for i in range(2):
        for j in range(2):
            want[i + j] += g[i, j]
    np.testing.assert_array_equal(v.grad.ravel(), want)


def test_resize_images():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    y = F.resize_images(x, (7, 7))
    assert y.shape == (1, 1, 7, 7)
    assert y.array[0, 0, 0, 0] == 0 and y.array[0, 0, -1, -1] == 15


def test_memory_utility_unpack_converts_dtype():
    # Unpatched, NumPy 2 raises here ("Unable to avoid copy").
    class Buffer(object):
        def to_device(self, v, size, offset, stream):
            v[...] = 2.5

    param = chainer.Parameter(np.zeros(3, dtype=np.float32))
    param.grad = np.zeros(3, dtype=np.float32)
    _memory_utility.unpack_params([param], 'grad', Buffer(), np.float16,
                                  zero_fill=False)
    np.testing.assert_array_equal(param.grad, [2.5, 2.5, 2.5])


def test_chainer_imports_and_trains():
    import chainer.links as L
    model = L.Classifier(L.Linear(3, 2))
    opt = chainer.optimizers.SGD().setup(model)
    opt.update(model, np.ones((2, 3), np.float32), np.array([0, 1], 'i'))
    assert np.isfinite(float(model.loss.array))
