import numpy as np

from chainer_kfac.preconditioning import damped_unit_wise_inverses
from chainer_kfac.preconditioning import precondition_unit_wise


def test_unit_wise_inverse_and_product():
    rng = np.random.RandomState(0)
    g = rng.randn(4, 5, 2)
    F = np.einsum('cni,cnj->cij', g, g)
    inv = damped_unit_wise_inverses(F, 0.01, 16.0)
    for c in range(4):
        np.testing.assert_allclose(
            inv[c], np.linalg.inv(F[c] + 0.16 * np.eye(2)), rtol=1e-10)
    grad = rng.randn(4, 2)
    out = precondition_unit_wise(grad, inv)
    np.testing.assert_allclose(out[1], inv[1] @ grad[1])
