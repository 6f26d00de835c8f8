"""``bench kernels``' cheap sections on small sizes (the convolution
factors need ResNet-50-D at 224x224: run by hand)."""
from experiments.bench import kfac_kernels


def test_best_is_the_fastest_call_after_a_warm_up():
    calls = []
    assert kfac_kernels.best(lambda: calls.append(1), 3) >= 0
    assert len(calls) == 4


def test_symmetrize_and_solves_time_every_way():
    sym = kfac_kernels.symmetrize([8], 1)
    assert set(sym[8]) == {'upper + upper^T', 'tiled'}
    solved = kfac_kernels.solves([(4, 6)], 1)
    assert set(solved['4 x 6']) == {
        'trsm x2 (Cholesky)', 'numpy GEMM (explicit)',
        'scipy symm (explicit)', 'potrf', 'potri'}
    assert all(v >= 0 for v in solved['4 x 6'].values())
