"""The peak-RSS child: the command line that measures one optimizer in a
fresh process carries the benchmark's options, and names the module (the
child itself runs in test_step_time.py's quick mode)."""
import argparse
import sys

from experiments.bench import memory


def options(**changes):
    args = argparse.Namespace(blas_threads='auto', kfac_blas_threads=None,
                              model='lenet5', classes=10,
                              input_shape=[1, 28, 28], no_malloc_tuning=True)
    for key, value in changes.items():
        setattr(args, key, value)
    return memory.child_options(args)


def test_the_child_runs_the_module_with_the_benchmarks_options():
    cmd = memory.child_command('kfac', 8, 1, options())
    assert cmd[:3] == [sys.executable, '-m', 'experiments.bench.step_time']
    assert cmd[3:] == ['--rss-child', 'kfac', '--batches', '8', '--steps',
                       '1', '--blas-threads', 'auto', '--kfac-blas-threads',
                       'process', '--model', 'lenet5', '--classes', '10',
                       '--input-shape', '1', '28', '28', '--no-malloc-tuning']
    kept = memory.child_command('sgd', 8, 1, options(
        kfac_blas_threads=1, no_malloc_tuning=False, blas_threads=2))
    assert kept[kept.index('--kfac-blas-threads') + 1] == '1'
    assert kept[kept.index('--blas-threads') + 1] == '2'
    assert '--no-malloc-tuning' not in kept

