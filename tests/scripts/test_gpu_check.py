"""The Python parts of the GPU check (scripts/gpu_check.sh; the whole check
is rehearsed by `make gpu-rehearse`): packing runs so a later window
continues them, the rehearsal's data slice, the parity comparisons, and the
benchmark's synchronised timing."""
import json
import os
import shutil
import tarfile
import time
import types

import numpy as np

from experiments.bench import step_time as bench_step_time
from experiments.checks import gpu_parity
from experiments.checks import gpu_suite
from experiments.data import datasets
from experiments.train import resume
from tests.experiments.test_datasets import make_fashion


def test_pack_keeps_each_runs_newest_checkpoint_only(suite_dir, tmp_path):
    suite = tmp_path / 'fmnist_e150'
    shutil.copytree(str(suite_dir), str(suite))
    for junk in ('snapshot_error_iter_3', 'tmpsnapshot_epoch_3'):
        (suite / 'sb_kfac_mixup' / junk).write_text('x')
    dest = tmp_path / 'out'
    dest.mkdir()
    assert gpu_suite.main(['pack', str(suite), str(dest)]) == 0
    assert sorted(os.listdir(str(dest))) == ['suite-lb.tar.gz',
                                             'suite-sb.tar.gz']
    back = tmp_path / 'back'
    for name in os.listdir(str(dest)):
        with tarfile.open(str(dest / name)) as tar:
            for member in tar.getnames():
                run = member.split('/')[1]
                assert member.startswith('fmnist_e150/')
                assert run == 'suite.yaml' or \
                    run.startswith(name[6:8] + '_'), (name, member)
            tar.extractall(str(back))
    for run in os.listdir(str(suite)):
        if not (suite / run).is_dir():
            continue
        files = os.listdir(str(back / 'fmnist_e150' / run))
        snapshots = sorted(f for f in files if 'snapshot' in f)
        assert snapshots == ['snapshot_epoch_2', 'snapshot_epoch_2.complete']
        # what --resume auto reads: the packed checkpoint, epoch 2
        assert resume.agreed_epoch(str(back / 'fmnist_e150' / run)) == 2
        assert 'config.yaml' in files and 'log' in files
    assert (back / 'fmnist_e150' / 'suite.yaml').exists()


def test_status_names_each_runs_checkpoint(suite_dir, capsys):
    assert gpu_suite.main(['status', str(suite_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == '8 runs, 7 done; newest checkpoints at epochs {}'.format(
        [2] * 8)
    line = next(x for x in out if x.startswith('lb_kfac_mixup '))
    assert 'checkpoint epoch 2' in line and 'DONE' not in line


def test_tiny_data_is_the_first_images_of_the_source(tmp_path):
    src, dst = tmp_path / 'src', tmp_path / 'dst'
    src.mkdir()
    expected = make_fashion(str(src), n_train=6, n_test=3)
    assert gpu_suite.main(['tiny-data', str(src), str(dst), '4', '2']) == 0
    train, test, _ = datasets.load('fashion-mnist', str(dst))
    assert len(train) == 4 and len(test) == 2
    for i in range(4):
        x, t = train[i]
        np.testing.assert_allclose(x[0], expected['train'][0][i] / 255.,
                                   rtol=1e-6)
        assert t == expected['train'][1][i]
    assert test[1][1] == expected['t10k'][1][1]


def write_log(path, entries):
    path.write_text(json.dumps(entries))
    return str(path)


def test_logs_compare_entry_by_entry(tmp_path):
    ref = [{'iteration': 10, 'epoch': 0, 'main/loss': 2.0,
            'validation/main/accuracy': 0.5, 'elapsed_time': 1.0}]
    near = [dict(ref[0], **{'main/loss': 2.01, 'elapsed_time': 9.0})]
    far = [dict(ref[0], **{'main/loss': 2.2})]
    other_iteration = [dict(ref[0], iteration=11)]
    a = write_log(tmp_path / 'a', ref)
    for entries, rtol, expected in ((near, 0.02, 0), (near, 1e-3, 1),
                                    (far, 0.02, 1), (other_iteration, 1, 1)):
        b = write_log(tmp_path / 'b', entries)
        assert gpu_parity.main(['logs', a, b, '--rtol', str(rtol),
                                '--atol', '0']) == expected


def test_finite_fails_on_nan_and_on_an_empty_log(tmp_path):
    good = write_log(tmp_path / 'g', [{'iteration': 1, 'main/loss': 1.0}])
    bad = write_log(tmp_path / 'b', [{'iteration': 1,
                                      'main/loss': float('nan')}])
    assert gpu_parity.main(['finite', good]) == 0
    assert gpu_parity.main(['finite', bad]) == 1
    empty = write_log(tmp_path / 'e', [])
    try:
        gpu_parity.main(['finite', empty])
    except SystemExit as e:
        assert 'no entry' in str(e)
    else:
        raise AssertionError('an empty log passed')


def test_steps_parity_on_the_cpu_is_exact():
    assert gpu_parity.main(['steps', '--device', '@numpy', '--steps',
                            '1']) == 0


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
    model, opt = bench_step_time.make('sgd')
    x, t = bench_step_time.fresh_batch(np.random.RandomState(0), 4)
    elapsed = bench_step_time.timed_step(model, opt, x, t, device=device)
    assert len(calls) == 2 and elapsed >= 0.05
    bench_step_time.synchronize(None)  # the CPU: nothing to wait for
