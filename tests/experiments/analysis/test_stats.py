import math

import numpy as np
import pytest

from experiments.analysis import stats as study_stats


def test_summarize_against_numpy():
    values = [0.81, 0.84, 0.86, 0.90]
    s = study_stats.summarize(values)
    assert s.n == 4
    assert s.mean == pytest.approx(np.mean(values))
    assert s.sd == pytest.approx(np.std(values, ddof=1))
    one = study_stats.summarize([0.5])
    assert (one.mean, one.sd, one.n) == (0.5, None, 1)
    assert study_stats.summarize([]) is None


def test_first_reach_is_the_first_logged_iteration_at_or_above():
    points = [(100, 0.5), (200, 0.8), (300, 0.79), (400, 0.9)]
    assert study_stats.first_reach(points, 0.8) == 200
    assert study_stats.first_reach(points, 0.85) == 400
    assert study_stats.first_reach(points, 0.95) == math.inf


def test_resampled_means_single_seed_and_determinism():
    cells = {'a': [1.0, 2.0, 4.0], 'b': [3.0]}
    first = study_stats.resample_means(cells, n_resamples=2000, seed=1)
    again = study_stats.resample_means(cells, n_resamples=2000, seed=1)
    np.testing.assert_array_equal(first['a'], again['a'])
    assert (first['b'] == 3.0).all()          # one seed: no spread
    # Every resampled mean is a mean of 3 draws from {1, 2, 4}.
    possible = {round((x + y + z) / 3, 12) for x in (1, 2, 4)
                for y in (1, 2, 4) for z in (1, 2, 4)}
    assert {round(v, 12) for v in first['a']} <= possible
    assert first['a'].mean() == pytest.approx(7 / 3, abs=0.05)
    assert first['a'].min() == 1.0 and first['a'].max() == 4.0


def test_interval_percentiles_inf_and_nan():
    samples = np.arange(1, 1001, dtype=float)      # 1..1000
    lo, hi = study_stats.interval(samples)
    assert lo == 25.0 and hi == 976.0                # outward, no interp.
    with_inf = np.concatenate([np.arange(100.0), [np.inf] * 100])
    assert study_stats.interval(with_inf) == (4.0, np.inf)  # index 4.975
    assert study_stats.interval([1.0, np.nan]) is None
    assert math.isnan(study_stats.difference(np.inf, np.inf))
    assert study_stats.ratio(1.0, 0.0) == np.inf


def test_band_uses_the_iterations_every_seed_has():
    quarter = [(1, 0.2), (2, 0.4), (3, 0.6), (4, 0.8)]
    whole = [(2, 0.6), (4, 1.0)]
    xs, mean, sd = study_stats.band([quarter, whole])
    np.testing.assert_array_equal(xs, [2, 4])
    np.testing.assert_allclose(mean, [0.5, 0.9])
    np.testing.assert_allclose(sd, [np.std([0.4, 0.6], ddof=1)] * 2)
    xs, mean, sd = study_stats.band([quarter])
    assert len(xs) == 4 and not sd.any()


@pytest.mark.parametrize('counts,text', [
    ((3, 3), '3 seeds'), ((2, 5), '2-5 seeds'), ((1,), '1 seed'),
    ((1, 1, 1), '1 seed'), ((1, 3), '1-3 seeds')])
def test_seeds_text(counts, text):
    assert study_stats.seeds_text(counts) == text
