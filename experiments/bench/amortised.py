"""The amortised cost of K-FAC's update intervals from timed medians.

Intervals (cov c, inv i), c dividing i, cost per i steps one ``kfac`` step
(factors and inverses), i/c - 1 ``kfac_cov`` steps (factors and running
averages, no inversion) and i - i/c ``kfac_pre`` steps (only the solves
with held inverses): computed from each kind's median step, not measured
over a cycle (a cycle of 100 steps of ResNet-50-D takes hours on a CPU).
Without ``kfac_cov`` (to save memory) an upper bound is given instead: the
factor steps counted as full ``kfac`` steps.
"""
from collections.abc import Mapping

#: an interval that never comes: the step of a kind that skips the work
NEVER = 10 ** 9


def amortised(med: Mapping[str, float], cov: int, inv: int) -> float:
    """Mean seconds per step of intervals (cov, inv) from the medians."""
    factor_steps = inv // cov
    return (med['kfac'] + (factor_steps - 1) * med['kfac_cov']
            + (inv - factor_steps) * med['kfac_pre']) / inv


def amortised_ratio(med: Mapping[str, float], cov: int = 10,
                    inv: int = 100) -> tuple[float, bool] | None:
    """(ratio to SGD of intervals (cov, inv), exact) from the medians, or
    None without ``kfac`` and ``kfac_pre``. Without ``kfac_cov`` (not timed,
    to save memory) the factor steps count as full ``kfac`` steps: an upper
    bound, ``exact`` False."""
    if not {'kfac', 'kfac_pre'} <= set(med):
        return None
    exact = 'kfac_cov' in med
    full = dict(med) if exact else dict(med, kfac_cov=med['kfac'])
    return amortised(full, cov, inv) / med['sgd'], exact
