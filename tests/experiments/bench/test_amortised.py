"""The amortised cost of K-FAC's intervals from the medians."""
from experiments.bench import amortised


def test_amortised_counts_one_full_step_per_inverse_interval():
    med = {'kfac': 10.0, 'kfac_cov': 4.0, 'kfac_pre': 1.0}
    # 10/100: 1 full step, 9 factor-only steps, 90 solve-only steps.
    assert amortised.amortised(med, 10, 100) == (10 + 9 * 4 + 90) / 100
    assert amortised.amortised(med, 1, 1) == 10.0
    assert amortised.amortised(med, 1, 10) == (10 + 9 * 4) / 10


def test_ratio_is_exact_with_factor_only_steps_else_a_bound():
    med = {'sgd': 2.0, 'kfac': 10.0, 'kfac_cov': 4.0, 'kfac_pre': 1.0}
    assert amortised.amortised_ratio(med) == (
        (10 + 9 * 4 + 90) / 100 / 2.0, True)
    del med['kfac_cov']
    assert amortised.amortised_ratio(med) == (
        (10 * 10 + 90) / 100 / 2.0, False)
    assert amortised.amortised_ratio({'sgd': 1.0, 'kfac': 2.0}) is None
