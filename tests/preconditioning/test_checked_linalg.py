"""checked_linalg and the damping retry on a CuPy-like xp (fake_cupy_linalg):
failures raise as on the CPU, instead of returning finite garbage."""
import types

import numpy as np
import pytest

from chainer_kfac.fisher import factors
from chainer_kfac.preconditioning import checked_linalg
from chainer_kfac.preconditioning import inverse
from chainer_kfac.preconditioning import inverse_spd
from chainer_kfac.preconditioning import NotPositiveDefiniteError
from tests.fisher.test_factors import damped_kronecker_inverses
from tests.preconditioning import fake_cupy_linalg

INDEFINITE = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                      np.float32)  # eigenvalues 3, 1, -1


def test_fake_returns_finite_garbage_outside_errstate(monkeypatch):
    xp = fake_cupy_linalg.install(monkeypatch)
    chol = xp.linalg.cholesky(INDEFINITE)   # what CuPy does by default
    assert np.isfinite(chol).all()
    assert not np.allclose(chol @ chol.T, INDEFINITE)


def test_cholesky_raises_inside_errstate(monkeypatch):
    xp = fake_cupy_linalg.install(monkeypatch)
    entered = fake_cupy_linalg.STATE['raise_entered']
    with pytest.raises(np.linalg.LinAlgError, match='potrf'):
        checked_linalg.cholesky(xp, INDEFINITE)
    assert fake_cupy_linalg.STATE['raise_entered'] == entered + 1


def test_diagonal_check_catches_failure_without_errstate(monkeypatch):
    xp = fake_cupy_linalg.install(monkeypatch, honour_errstate=False)
    with pytest.raises(np.linalg.LinAlgError, match='non-positive diagonal'):
        checked_linalg.cholesky(xp, INDEFINITE)


def test_inv_of_singular_matrix_raises(monkeypatch):
    xp = fake_cupy_linalg.install(monkeypatch)
    singular = np.array([[1.0, 1.0], [1.0, 1.0]], np.float32)
    with pytest.raises(np.linalg.LinAlgError):
        checked_linalg.inv(xp, singular)
    np.testing.assert_allclose(checked_linalg.inv(xp, 2 * np.eye(2)),
                               0.5 * np.eye(2))


def test_checks_of_results():
    with pytest.raises(np.linalg.LinAlgError, match='not finite'):
        checked_linalg.check_finite(np, np.array([1.0, np.nan]), 'x')
    with pytest.raises(np.linalg.LinAlgError, match='smallest -2'):
        checked_linalg.check_positive_diagonal(np, np.diag([1.0, -2.0]), 'x')
    checked_linalg.check_positive_diagonal(np, np.eye(2), 'x')


@pytest.mark.parametrize('use_cholesky', [True, False])
def test_damping_retry_behaves_as_on_cpu(monkeypatch, use_cholesky):
    """A factor that is indefinite at damping d and SPD at 10 d: the
    CuPy-like path raises at d and gives the CPU's inverses at 10 d."""
    xp = fake_cupy_linalg.install(monkeypatch)
    A = np.diag([4.0, 1.0, -0.2]).astype(np.float64)
    G = np.eye(2)
    results = {}
    for name, module in [('cpu', np), ('gpu', xp)]:
        fake = types.SimpleNamespace(get_array_module=lambda a, m=module: m)
        monkeypatch.setattr(inverse, 'backend', fake)
        monkeypatch.setattr(factors, 'backend', fake)
        with pytest.raises(NotPositiveDefiniteError):
            damped_kronecker_inverses(A, G, 0.01, 'tracenorm', use_cholesky)
        results[name] = damped_kronecker_inverses(A, G, 0.1, 'tracenorm',
                                                  use_cholesky)
    for cpu, gpu in zip(results['cpu'][:2], results['gpu'][:2], strict=True):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10)


def test_lu_path_refuses_inverse_with_non_positive_diagonal():
    with pytest.raises(NotPositiveDefiniteError, match='non-positive'):
        inverse_spd(np.diag([1.0, -1.0]), use_cholesky=False)
