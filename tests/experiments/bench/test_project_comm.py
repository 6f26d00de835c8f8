"""``bench project-comm``'s volumes and model, on small inputs."""
from experiments.bench import project_comm


def test_lenet_volumes_packed_vs_dense():
    rows = {name: r for name, *r in project_comm.block_volumes(
        'lenet5', 32, 10)}
    params, packed, dense = rows['/predictor/conv1']
    assert params == 6 * 3 * 5 * 5 + 6
    a, g = 3 * 5 * 5 + 1, 6
    assert dense == a * a + g * g
    assert packed == a * (a + 1) // 2 + g * (g + 1) // 2


def test_model_collective_time_grows_with_bytes_and_nodes():
    t = project_comm.collective_seconds
    assert t(1e6, 1) == 0
    assert t(2e6, 8) > t(1e6, 8) > 0
    assert t(1e6, 16) > t(1e6, 8)
    # Across nodes the per-GPU InfiniBand port dominates a large buffer.
    nbytes = 1e9
    assert abs(t(nbytes, 1024) - (7 / 8 * nbytes / project_comm.B_NVLINK
                                  + 127 / 128 * nbytes / 8
                                  / project_comm.B_IB)) < 1e-3
