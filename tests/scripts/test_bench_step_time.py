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
    rss = result['peak_rss_bytes']['8']
    assert set(rss) == set(KINDS) and all(v > 2 ** 20 for v in rss.values())


def test_quick_mode_opt_outs(tmp_path):
    stdout, result = run_quick(tmp_path, '--blas-threads', '2',
                               '--kfac-blas-threads', 'process',
                               '--no-malloc-tuning', '--no-memory')
    assert "opted out: glibc's defaults" in stdout
    assert "K-FAC's own work: the same" in stdout
    assert set(result['environment']['blas']['threads'].values()) == {2}
    assert 'peak_rss_bytes' not in result
