"""``gpu-check suite``: packing runs so a later window continues them,
their status, and the rehearsal's data slice."""
import os
import shutil
import tarfile

import numpy as np

from experiments.checks import gpu_suite
from experiments.data import datasets
from experiments.train import resume
from tests.experiments.data.test_datasets import make_fashion


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


def test_kept_files_of_a_run(tmp_path):
    run = str(tmp_path)
    for name in ('snapshot_epoch_1', 'snapshot_epoch_1.complete',
                 'snapshot_epoch_2.rank0', 'snapshot_epoch_2.rank1',
                 'snapshot_epoch_2.complete', 'snapshot_epoch_3.rank0'):
        (tmp_path / name).write_text('x')
    assert gpu_suite.newest_epoch(run) == 2
    kept = [n for n in sorted(os.listdir(run)) if gpu_suite.kept(run, n)]
    assert kept == ['snapshot_epoch_2.complete', 'snapshot_epoch_2.rank0',
                    'snapshot_epoch_2.rank1']
    assert gpu_suite.kept(run, 'log') and gpu_suite.kept(run, 'DONE')
    assert not gpu_suite.kept(run, 'snapshot_error_iter_7.rank0')
    assert not gpu_suite.kept(run, 'tmpsnapshot_epoch_3.rank1')
    (tmp_path / 'empty').mkdir()
    assert gpu_suite.newest_epoch(str(tmp_path / 'empty')) is None


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
