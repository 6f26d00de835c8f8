"""The benchmarks' timed steps: the figure a target is judged by (total
time over SGD's on the same rounds) and the synchronised timing of a
device's queued work."""
import time
import types

import numpy as np

from experiments.bench import timed_steps


def test_paired_ratio_is_the_total_time_ratio_over_the_same_rounds():
    """The figure is K-FAC's summed step time over SGD's on the same rounds
    (so a schedule's periodic expensive step counts, where a median would
    drop it), and its interval comes from resampling rounds: a constant
    per-round ratio gives a point interval."""
    sgd = [0.10, 0.20, 0.10, 0.15, 0.30]
    times = {'sgd': sgd, 'kfac': [1.2 * s for s in sgd],
             'kfac_freq': [0.10, 0.20, 0.10, 0.15, 0.60]}
    ratio, (lo, hi) = timed_steps.paired_ratio(times, 'kfac')
    assert abs(ratio - 1.2) < 1e-12 and abs(lo - 1.2) < 1e-12 \
        and abs(hi - 1.2) < 1e-12
    ratio, (lo, hi) = timed_steps.paired_ratio(times, 'kfac_freq')
    assert abs(ratio - 1.15 / 0.85) < 1e-12  # the one slow round counts
    assert 1.0 - 1e-12 <= lo < ratio < hi <= 2.0 + 1e-12


def test_a_timed_step_includes_the_devices_queued_work():
    """On a GPU the step returns before its kernels finish: the timing
    synchronises after the step (a fake device whose synchronisation takes
    50 ms), and before it (two synchronisations per step)."""
    calls = []

    def synchronize():
        calls.append(time.perf_counter())
        if len(calls) == 2:
            time.sleep(0.05)

    xp = types.SimpleNamespace(cuda=types.SimpleNamespace(
        runtime=types.SimpleNamespace(deviceSynchronize=synchronize)))
    device = types.SimpleNamespace(xp=xp)
    model, opt = timed_steps.make('sgd')
    x, t = timed_steps.fresh_batch(np.random.RandomState(0), 4)
    elapsed = timed_steps.timed_step(model, opt, x, t, device=device)
    assert len(calls) == 2 and elapsed >= 0.05
    timed_steps.synchronize(None)  # the CPU: nothing to wait for


def test_every_kind_starts_from_the_same_weights():
    links = [timed_steps.make(kind)[0] for kind in timed_steps.KINDS]
    for (name, a), (_, b) in zip(sorted(links[0].namedparams()),
                                 sorted(links[1].namedparams()), strict=True):
        np.testing.assert_array_equal(a.array, b.array, err_msg=name)
    assert {type(opt).__name__ for _, opt in map(
        timed_steps.make, timed_steps.KINDS)} == {'MomentumSGD', 'KFAC'}
