"""Damping: d_p = max(d, l2_coef), the trace-norm pi and the splits."""
import types

import numpy as np
import pytest

from chainer_kfac.preconditioning import Damping


def _mean_diagonal(factor):
    """tr F / dim F; a 1-D factor is a diagonal."""
    diagonal = factor if factor.ndim == 1 else np.diag(factor)
    return diagonal.sum() / factor.shape[0]


def compute_pi(A, G, pi_type='tracenorm'):
    return Damping(0.03, pi_type=pi_type).pi(_mean_diagonal(A),
                                             _mean_diagonal(G))


def test_tracenorm_pi():
    A = np.diag([1., 2., 3.])          # tr/dim = 2
    G = np.diag([0.5, 0.5])            # tr/dim = 0.5
    assert compute_pi(A, G) == pytest.approx(2.0)
    assert compute_pi(A, G, None) == 1.0


def test_zero_factor_splits_evenly():
    assert compute_pi(np.zeros((2, 2)), np.eye(3)) == 1.0


def test_kronecker_split_and_l2_coef():
    damping = Damping(0.04)
    pi, shift_a, shift_g = damping.kronecker(2.0, 0.5, None)
    assert (pi, shift_a, shift_g) == pytest.approx((2.0, 0.4, 0.1))
    weight = types.SimpleNamespace(l2_coef=0.09)
    pi, shift_a, shift_g = damping.kronecker(2.0, 0.5, weight)
    assert (shift_a, shift_g) == pytest.approx((0.6, 0.15))


def test_batch_normalization_damping_and_retry():
    damping = Damping(0.03, stab_coeff=16.0)
    gamma = types.SimpleNamespace(l2_coef=0.1)
    assert damping.batch_normalization(gamma) == pytest.approx(1.6)
    assert damping.batch_normalization(object()) == pytest.approx(0.48)
    again = damping.times(10)
    assert again.value == pytest.approx(0.3) and damping.value == 0.03
    assert again.stab_coeff == 16.0 and again.pi_type == 'tracenorm'


def test_invalid_pi_type_is_named():
    with pytest.raises(ValueError, match='pi_type'):
        Damping(0.03, pi_type='frobenius')
