"""The step-time benchmark's quick mode runs in a bare environment and says
what it ran under."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'scripts', 'bench_step_time.py')
KINDS = ('sgd', 'kfac', 'kfac_freq')


def run_quick(tmp_path, *extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS')
           and not k.startswith('MALLOC_')}
    out = tmp_path / 'bench.json'
    proc = subprocess.run(
        [sys.executable, SCRIPT, '--quick', '--json', str(out)] + list(extra),
        env=env, check=True, capture_output=True, text=True, cwd=str(ROOT))
    return proc.stdout, json.loads(out.read_text())


def test_quick_mode_in_the_default_environment(tmp_path):
    stdout, result = run_quick(tmp_path)
    assert 'exported variables: none' in stdout
    assert 'BLAS threads: ' in stdout and 'default: 1 per process' in stdout
    assert "K-FAC's own work: 1" in stdout
    assert 'malloc: ' in stdout
    env = result['environment']
    assert set(env['blas']['threads'].values()) == {1}
    times = result['step_seconds']['8']
    assert set(times) == set(KINDS) and all(v > 0 for v in times.values())
    ratios = result["paired_ratio"]["8"]
    assert set(ratios) == {"kfac", "kfac_freq"}
    for r in ratios.values():
        lo, hi = r["interval95"]
        assert lo <= r["total_time_ratio"] <= hi
    rss = result["peak_rss_bytes"]["8"]
    assert set(rss) == set(KINDS) and all(v > 2 ** 20 for v in rss.values())


def test_quick_mode_opt_outs(tmp_path):
    stdout, result = run_quick(tmp_path, '--blas-threads', '2',
                               '--kfac-blas-threads', 'process',
                               '--no-malloc-tuning', '--no-memory')
    assert "opted out: glibc's defaults" in stdout
    assert "K-FAC's own work: the same" in stdout
    assert set(result['environment']['blas']['threads'].values()) == {2}
    assert 'peak_rss_bytes' not in result


def load_bench():
    import importlib.util
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    spec = importlib.util.spec_from_file_location('bench_step_time', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_paired_ratio_is_the_total_time_ratio_over_the_same_rounds():
    """The figure is K-FAC's summed step time over SGD's on the same rounds
    (so a schedule's periodic expensive step counts, where a median would
    drop it), and its interval comes from resampling rounds: a constant
    per-round ratio gives a point interval."""
    bench = load_bench()
    sgd = [0.10, 0.20, 0.10, 0.15, 0.30]
    times = {'sgd': sgd, 'kfac': [1.2 * s for s in sgd],
             'kfac_freq': [0.10, 0.20, 0.10, 0.15, 0.60]}
    ratio, (lo, hi) = bench.paired_ratio(times, 'kfac')
    assert abs(ratio - 1.2) < 1e-12 and abs(lo - 1.2) < 1e-12 \
        and abs(hi - 1.2) < 1e-12
    ratio, (lo, hi) = bench.paired_ratio(times, 'kfac_freq')
    assert abs(ratio - 1.15 / 0.85) < 1e-12  # the one slow round counts
    assert 1.0 - 1e-12 <= lo < ratio < hi <= 2.0 + 1e-12


def test_input_shape_reaches_the_model_and_the_memory_child(tmp_path):
    """Fashion-MNIST's 1x28x28 (LeNet-5's fc3 then takes 16*4*4 = 256)."""
    stdout, result = run_quick(tmp_path, '--input-shape', '1', '28', '28')
    assert result['input_shape'] == [1, 28, 28]
    assert all(v > 0 for v in result['step_seconds']['8'].values())
    assert result['peak_rss_bytes']['8']['kfac'] > 0
