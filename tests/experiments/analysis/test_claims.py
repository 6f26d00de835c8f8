"""Verdicts at their boundaries, and comparisons on cells whose bootstrap
interval can be worked out by hand."""
import pytest

from experiments.analysis import claims

SEEDS = (3, 3)


@pytest.mark.parametrize('interval,above,verdict', [
    ((0.1, 0.2), True, 'supported'),
    ((-0.2, -0.1), True, 'contradicted'),
    ((0.0, 0.2), True, 'inconclusive at 3 seeds'),     # touches 0
    ((-0.1, 0.0), True, 'inconclusive at 3 seeds'),
    ((1e-12, 0.2), True, 'supported'),
])
def test_decide_above_zero(interval, above, verdict):
    assert claims.decide(interval, 0.0, above, SEEDS) == verdict


@pytest.mark.parametrize('interval,verdict', [
    ((0.2, 0.49), 'supported'),
    ((0.2, 0.5), 'inconclusive at 3 seeds'),          # whole interval < 0.5
    ((0.5, 0.9), 'inconclusive at 3 seeds'),          # entirely > 0.5
    ((0.5000001, 0.9), 'contradicted'),
    ((-5.0, 5.0), 'inconclusive at 3 seeds'),
])
def test_decide_claim3_below_half(interval, verdict):
    assert claims.decide(interval, 0.5, False, (3, 3, 3, 3)) == verdict


def test_decide_needs_min_seeds_and_an_interval():
    assert claims.MIN_SEEDS == 3
    assert claims.decide((0.1, 0.2), 0.0, True, (2, 5)).startswith(
        'inconclusive at 2-5 seeds (fewer than 3')
    assert claims.decide((0.1, 0.2), 0.0, True, (1, 1)).startswith(
        'inconclusive at 1 seed (')
    assert claims.decide(None, 0.0, True, (5, 5)).startswith(
        'inconclusive at 5 seeds (undefined')


def kfac_cells(lb_mixup):
    """K-FAC cells: gap(no mixup) = 0.1 exactly; gap(mixup) = 0.9 - the
    resampled mean of ``lb_mixup``."""
    return {('kfac', 'SB', False): [0.9] * 3, ('kfac', 'LB', False): [0.8] * 3,
            ('kfac', 'SB', True): [0.9] * 3, ('kfac', 'LB', True): lb_mixup}


def ratio_row(final):
    rows = claims.gap_comparisons({'final': final})
    return [r for r in rows if r.claim == 3][0]


def test_ratio_interval_and_verdicts_by_hand():
    # The mean of 3 draws from {a, b, c} is a with probability 1/27 > 2.5 %:
    # the interval of LB mixup's mean is [min, max], so the ratio's is
    # [(0.9 - max) / 0.1, (0.9 - min) / 0.1].
    row = ratio_row(kfac_cells([0.86, 0.87, 0.88]))
    assert row.estimate == pytest.approx(0.3)
    assert row.interval == pytest.approx((0.2, 0.4))
    assert row.seeds == (3, 3, 3, 3)
    assert row.verdict == 'supported'
    row = ratio_row(kfac_cells([0.82, 0.83, 0.84]))
    assert row.interval == pytest.approx((0.6, 0.8))
    assert row.verdict == 'contradicted'
    row = ratio_row(kfac_cells([0.80, 0.86, 0.88]))
    assert row.interval == pytest.approx((0.2, 1.0))
    assert row.verdict == 'inconclusive at 3 seeds'


def test_missing_cell_and_single_seed():
    final = kfac_cells([0.86, 0.87, 0.88])
    del final[('kfac', 'LB', True)]
    final[('momentum_sgd', 'SB', False)] = [0.85]
    final[('momentum_sgd', 'LB', False)] = [0.80, 0.79, 0.81]
    rows = {r.what: r for r in claims.gap_comparisons({'final': final})}
    missing = rows['ratio gap(mixup) / gap(no mixup), K-FAC']
    assert missing.estimate is None and missing.verdict == \
        'not assessed: no finished runs of K-FAC LB mixup'
    single = rows['gap SB - LB, SGD no mixup']
    assert single.estimate == pytest.approx(0.05)
    assert single.seeds == (1, 3)
    assert single.verdict.startswith('inconclusive at 1-3 seeds')
    assert rows['ratio gap(mixup) / gap(no mixup), SGD'].verdict.startswith(
        'not assessed')


def test_iterations_unreached_counts_as_infinite():
    iters = {('momentum_sgd', 'LB', False): [float('inf'), 500.0, 600.0],
             ('kfac', 'LB', False): [100.0, 120.0, 110.0]}
    rows = claims.iteration_comparisons({'iters': iters}, 0.8)
    row = [r for r in rows if r.what.endswith('LB no mixup')][0]
    assert row.estimate == float('inf')
    assert row.interval[0] > 0 and row.verdict == 'supported'
    both = dict(iters)
    both[('kfac', 'LB', False)] = [float('inf'), 100.0, 100.0]
    rows = claims.iteration_comparisons({'iters': both}, 0.8)
    row = [r for r in rows if r.what.endswith('LB no mixup')][0]
    assert row.interval is None                     # inf - inf in resamples
    assert row.verdict == 'inconclusive at 3 seeds (undefined in some ' \
        'resamples)'


def premise_cells(sb_no_mixup, lb_no_mixup, lb_mixup):
    """K-FAC cells with SB mixup at 0.9 and the other three given."""
    return {('kfac', 'SB', False): sb_no_mixup,
            ('kfac', 'LB', False): lb_no_mixup,
            ('kfac', 'SB', True): [0.9] * 3, ('kfac', 'LB', True): lb_mixup}


def test_claim3_is_not_reproduced_when_lb_loses_nothing():
    # Both gaps negative: no mixup -0.1 exactly, mixup -0.02 exactly. The
    # ratio 0.2 lies below 0.5, yet there is no LB loss for Mixup to cut.
    row = ratio_row(premise_cells([0.8] * 3, [0.9] * 3, [0.92] * 3))
    assert row.estimate == pytest.approx(0.2)
    assert row.interval == pytest.approx((0.2, 0.2))
    assert row.verdict.startswith('not reproduced: without Mixup K-FAC LB '
                                  'does not lose test accuracy')


def test_claim3_waits_for_an_established_no_mixup_gap():
    # No-mixup gap 0.9 - mean(LB): its interval [-0.02, 0.04] straddles 0.
    row = ratio_row(premise_cells([0.9] * 3, [0.86, 0.89, 0.92],
                                  [0.9] * 3))
    assert row.estimate == pytest.approx(0.0)
    assert row.verdict == ('inconclusive at 3 seeds (no SB - LB loss '
                           'without Mixup established)')


def test_claim3_premise_leaves_too_few_seeds_and_missing_cells_alone():
    few = ratio_row(premise_cells([0.8] * 2, [0.9] * 3, [0.92] * 3))
    assert few.verdict.startswith('inconclusive at 2-3 seeds (fewer than')
    final = premise_cells([0.8] * 3, [0.9] * 3, [0.92] * 3)
    del final[('kfac', 'LB', True)]
    assert ratio_row(final).verdict.startswith('not assessed')
