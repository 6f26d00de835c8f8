import numpy as np
import pytest

from chainer_kfac.distributed import packing


def test_symmetric_round_trip_and_size():
    rng = np.random.RandomState(0)
    a = rng.randn(6, 6).astype(np.float32)
    a = a + a.T
    b = rng.randn(2, 3).astype(np.float32)
    assert packing.packed_size(a, True) == 21
    buf = np.zeros(21 + 6, np.float32)
    off = packing.pack_into(buf, 0, a, True)
    off = packing.pack_into(buf, off, b)
    assert off == 27
    a2, off = packing.unpack_from(buf, 0, a, True)
    b2, off = packing.unpack_from(buf, off, b)
    np.testing.assert_array_equal(a2, a)
    np.testing.assert_array_equal(b2, b)


def test_triangle_is_a_little_over_half():
    a = np.zeros((401, 401))
    assert packing.packed_size(a, True) / a.size < 0.502


def test_float16_travels_in_a_float32_buffer():
    # as the original's pure_nccl communicator (float32 buffers)
    half, single = np.zeros(2, np.float16), np.zeros(2, np.float32)
    assert packing.common_dtype([[half], [half]]) == np.float32
    assert packing.common_dtype([[half, single], []]) == np.float32
    assert packing.common_dtype([[np.zeros(1)], [single]]) == np.float64
    assert packing.common_dtype([]) == np.float32
    with pytest.raises(TypeError, match='floating point.*int32'):
        packing.common_dtype([[np.zeros(1, np.int32)]])
