import numpy as np
import pytest

import chainer

from chainer_kfac.preconditioning import kfgrad


def _param(dtype=np.float32, shape=(2, 3)):
    return chainer.Parameter(np.zeros(shape, dtype), name='W')


@pytest.mark.parametrize('dtype,want', [
    (np.float16, np.float32), (np.float32, np.float32),
    (np.float64, np.float64)])
def test_dtype_for_widens_only_float16(dtype, want):
    assert kfgrad.dtype_for(dtype) == np.dtype(want)


def test_get_is_none_before_any_store():
    assert kfgrad.get(_param()) is None


def test_store_copies_a_view_in_the_parameters_kfgrad_dtype():
    p = _param(np.float16)
    matrix = np.arange(12, dtype=np.float64).reshape(2, 6)
    kfgrad.store(p, matrix[:, :3])
    got = kfgrad.get(p)
    assert got is p.kfgrad and got.dtype == np.float32
    matrix[:] = -1.
    np.testing.assert_array_equal(got, [[0, 1, 2], [6, 7, 8]])


def test_replace_keeps_the_array_itself():
    p = _param(np.float16)
    buffer = np.empty((2, 3), np.float32)
    kfgrad.replace(p, buffer)
    assert kfgrad.get(p) is buffer


def test_replace_of_the_wrong_dtype_names_the_parameter():
    with pytest.raises(TypeError, match=r"'W'.*float16.*float32"):
        kfgrad.replace(_param(np.float16), np.empty((2, 3), np.float16))


def test_clear_leaves_an_inspectable_none():
    p = _param()
    kfgrad.store(p, np.ones((2, 3)))
    kfgrad.clear(p)
    assert kfgrad.get(p) is None and p.kfgrad is None
    kfgrad.clear(_param())      # never stored: nothing to clear
