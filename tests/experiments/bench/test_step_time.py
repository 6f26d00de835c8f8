"""The step-time benchmark's quick mode runs in a bare environment and says
what it ran under (``python -m experiments bench step-time``, as the
Makefile and the GPU check start it)."""
import json
import os
import subprocess
import sys

from experiments.folders.repository import ROOT

KINDS = ('sgd', 'kfac', 'kfac_freq')


def run_quick(tmp_path, *extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS')
           and not k.startswith('MALLOC_')}
    out = tmp_path / 'bench.json'
    proc = subprocess.run(
        [sys.executable, '-m', 'experiments', 'bench', 'step-time', '--quick',
         '--json', str(out)] + list(extra),
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
    # the record's fields, in the order the benchmark has always written them
    assert list(result) == ['environment', 'step_seconds', 'model',
                            'input_shape', 'paired_ratio', 'round_seconds',
                            'peak_rss_bytes']
    assert [len(v) for v in result['round_seconds']['8'].values()] == [2] * 3


def test_quick_mode_opt_outs(tmp_path):
    stdout, result = run_quick(tmp_path, '--blas-threads', '2',
                               '--kfac-blas-threads', 'process',
                               '--no-malloc-tuning', '--no-memory')
    assert "opted out: glibc's defaults" in stdout
    assert "K-FAC's own work: the same" in stdout
    assert set(result['environment']['blas']['threads'].values()) == {2}
    assert 'peak_rss_bytes' not in result


def test_input_shape_reaches_the_model_and_the_memory_child(tmp_path):
    """Fashion-MNIST's 1x28x28 (LeNet-5's fc3 then takes 16*4*4 = 256)."""
    stdout, result = run_quick(tmp_path, '--input-shape', '1', '28', '28')
    assert result['input_shape'] == [1, 28, 28]
    assert all(v > 0 for v in result['step_seconds']['8'].values())
    assert result['peak_rss_bytes']['8']['kfac'] > 0
