import numpy as np
import pytest

from chainer_kfac.preconditioning import damped_unit_wise_inverses
from chainer_kfac.preconditioning import NotPositiveDefiniteError
from chainer_kfac.preconditioning import precondition_unit_wise


@pytest.mark.parametrize('k, damping', [(2, [0.16, 0.5]), (2, 0.16),
                                        (1, [0.3])])
def test_unit_wise_inverse_and_product(k, damping):
    rng = np.random.RandomState(0)
    g = rng.randn(4, 5, k)
    F = np.einsum('cni,cnj->cij', g, g)
    inv = damped_unit_wise_inverses(F, damping)
    lam = np.diag(np.broadcast_to(damping, (k,)))
    for c in range(4):
        np.testing.assert_allclose(inv[c], np.linalg.inv(F[c] + lam),
                                   rtol=1e-10)
    grad = rng.randn(4, k)
    out = precondition_unit_wise(grad, inv)
    np.testing.assert_allclose(out[1], inv[1] @ grad[1])


def test_not_positive_definite_raises():
    with pytest.raises(NotPositiveDefiniteError, match='unit-wise'):
        damped_unit_wise_inverses(-np.ones((3, 2, 2)) * np.eye(2), 0.1)
