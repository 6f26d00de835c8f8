"""The ResNet benchmarks' summary: ratios and the amortised figures."""
from experiments.bench import resnet_summary


def test_upper_bound_of_the_amortised_cost_without_factor_only_steps():
    """Without kfac_cov timed, the 10 factor steps of 100 count as full
    steps: an upper bound, since a factor-only step does less."""
    times = {'sgd': [2.0], 'kfac': [10.0], 'kfac_pre': [1.0]}
    ratios = resnet_summary.summarize(times, {}, 1)['ratio_to_sgd']
    assert 'amortised 10/100' not in ratios
    bound = ratios['amortised 10/100, upper bound']
    assert bound == (10 * 10.0 + 90 * 1.0) / 100 / 2.0
    full = dict(times, kfac_cov=[4.0])
    exact = resnet_summary.summarize(full, {}, 1)['ratio_to_sgd']
    assert exact['amortised 10/100'] < bound
    assert exact['amortised 1/10'] == (10 + 9 * 4.0) / 10 / 2.0
    assert list(exact)[:3] == ['kfac', 'kfac_pre', 'kfac_cov']
