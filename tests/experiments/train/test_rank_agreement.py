"""Per-rank snapshots that disagree in state the ranks share are refused
before any rank enters a collective (issue 39, item 3): the rules of
experiments/train/rank_agreement.py on real 2-rank snapshots, and a resume
under a real ``mpiexec -n 2`` from files where rank 0's trigger state is
one step back (without the check the job hangs)."""
import os
import shutil
import time

import numpy as np
import pytest

from experiments.folders.safe_files import SafeNpz
from experiments.train import rank_agreement
from tests.distributed.mpi_helper import run_mpi_argv
from tests.experiments.train.test_cli import COMMON
from tests.experiments.train.test_cli import TRAIN as MODULE
from tests.experiments.train.test_cli import config
from tests.experiments.train.test_robust_signals import FAULTY
from tests.experiments.train.test_robust_signals import TRAIN

TRIGGER = 'extension_triggers/ConsistentSnapshot'
STEP = 16                       # epoch 2's end (8 iterations an epoch)


def rewrite(path, change):
    """Rewrite the snapshot ``path`` with ``change(entries)`` applied."""
    with SafeNpz(path) as data:
        entries = {k: data[k] for k in data}
    change(entries)
    np.savez_compressed(path + '.tmp.npz', **entries)
    os.replace(path + '.tmp.npz', path)


def one_step_back(entries, name=TRIGGER):
    entries[name + '/previous_iteration'] -= 1
    entries[name + '/previous_epoch_detail'] -= 1 / 8


@pytest.fixture(scope='module')
def stopped(tmp_path_factory):
    """A 2-rank run stopped by SIGTERM at iteration 16: error snapshots
    and the committed checkpoints of epochs 1 and 2."""
    out = str(tmp_path_factory.mktemp('stopped'))
    os.environ['FAULTS'] = 'sigterm:0:{},sigterm:1:{}'.format(STEP,
                                                             STEP + 1)
    try:
        proc = run_mpi_argv(2, FAULTY + ['--out', out], check=False,
                            timeout=400)
    finally:
        del os.environ['FAULTS']
    assert proc.returncode != 0
    assert os.path.isfile(os.path.join(
        out, 'snapshot_error_iter_{}.rank1'.format(STEP)))
    return out


def pair(folder, name):
    return [rank_agreement.digests(os.path.join(
        folder, '{}.rank{}'.format(name, r))) for r in (0, 1)]


@pytest.mark.mpi
def test_real_two_rank_snapshots_differ_only_in_per_rank_entries(stopped):
    for name in ('snapshot_error_iter_{}'.format(STEP), 'snapshot_epoch_1',
                 'snapshot_epoch_2'):
        everyone = pair(stopped, name)
        differing = [e for e in set(everyone[0]) & set(everyone[1])
                     if everyone[0][e] != everyone[1][e]]
        assert 'updater/iterator:main/order' in differing     # per rank
        assert any('/kfac/blocks/' in e for e in differing)
        assert rank_agreement.suspects(everyone) == [], name


@pytest.mark.mpi
def test_snapshots_with_k_fac_refinements_differ_only_per_rank(tmp_path):
    """Stale statistics keep a factor's last estimates on its owner."""
    out = str(tmp_path)
    run_mpi_argv(2, MODULE + ['--config', config('sb_kfac_nomixup')] +
                 COMMON + ['--set', 'epochs=2', '--out', out] + [
                     a for k in ('stale_tolerance=0.1', 'fisher=mc',
                                 'damping_adaptation_interval=5',
                                 'kl_clip=0.001')
                     for a in ('--set', 'kfac.' + k)], timeout=400)
    for name in ('snapshot_epoch_1', 'snapshot_epoch_2'):
        everyone = pair(out, name)
        assert any('/kfac/stale/' in e and everyone[0][e] != everyone[1][e]
                   for e in everyone[0])
        assert rank_agreement.suspects(everyone) == [], name


@pytest.mark.mpi
@pytest.mark.parametrize('resume', ['error', 'auto'])
def test_rank_0_trigger_one_step_back_is_refused_within_seconds(
        tmp_path, stopped, resume):
    out = str(tmp_path / 'out')
    shutil.copytree(stopped, out)
    name = 'snapshot_error_iter_{}'.format(STEP) if resume == 'error' \
        else 'snapshot_epoch_2'
    rewrite(os.path.join(out, name + '.rank0'), one_step_back)
    before = sorted(os.listdir(out))
    start = time.time()
    proc = run_mpi_argv(2, TRAIN + ['--out', out, '--resume', os.path.join(
        out, name) if resume == 'error' else 'auto'], check=False,
        timeout=120)
    took = time.time() - start
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and took < 60, (took, text[-2000:])
    assert text.count('cannot resume') == 1 and 'Traceback' not in text
    line = next(x for x in text.splitlines() if 'cannot resume' in x)
    assert os.path.join(out, name) in line
    assert '`{}/previous_iteration` is {} on rank 0, {} on rank 1'.format(
        TRIGGER, STEP - 1, STEP) in line
    assert '`{}/previous_epoch_detail` is 1.875 on rank 0, 2.0 on ' \
        'rank 1'.format(TRIGGER) in line
    assert 'resumed from' not in text
    assert sorted(os.listdir(out)) == before


def test_per_rank_rules():
    params = {'predictor/conv1/W', 'predictor/bn/avg_mean'}
    own = ['_snapshot_elapsed_time', 'updater/iterator:main/order',
           'updater/iterator:main/rng_keys', 'updater/model:main/mixup/'
           'rng_pos', 'updater/model:main/mixup/prior_x',
           'updater/optimizer:main/kfac/blocks/predictor/conv1/A_inv',
           'updater/optimizer:main/kfac/accumulated_grads/predictor/conv1/W',
           'updater/optimizer:main/kfac/stale/predictor/conv1/A_last',
           'updater/optimizer:main/kfac/stale/predictor/fc3/G_before_last',
           'updater/model:main/predictor/bn/avg_var',
           'updater/optimizer:main/predictor/conv1/W/t',
           'extensions/normalize_weight_state/predictor/conv1/W/t_next']
    shared = ['updater/iteration', 'stop_trigger/previous_iteration',
              TRIGGER + '/previous_epoch_detail',
              'updater/iterator:main/current_position',
              'updater/optimizer:main/t', 'updater/optimizer:main/kfac/'
              'skipped_steps', 'updater/optimizer:main/kfac/blocks/'
              'predictor/conv1/acc_count', 'updater/model:main/predictor/'
              'conv1/W', 'updater/optimizer:main/kfac/loss_scale',
              'updater/optimizer:main/kfac/stale/predictor/conv1/A_schedule',
              'updater/optimizer:main/kfac/damping']
    assert [e for e in own if not rank_agreement.per_rank(e, params)] == []
    assert [e for e in shared if rank_agreement.per_rank(e, params)] == []


def test_suspects_skip_entries_missing_on_a_rank_and_equal_ones():
    a = {'updater/iteration': (1, 8), 'extensions/LogReport/_log': (2, 8),
         'updater/iterator:main/order': (3, 8)}
    b = {'updater/iteration': (1, 8), 'updater/iterator:main/order': (4, 8)}
    assert rank_agreement.suspects([a, b]) == []
    b['updater/iteration'] = (5, 8)
    assert rank_agreement.suspects([a, b]) == ['updater/iteration']


def test_same_values_in_another_layout_are_no_disagreement(tmp_path):
    values = np.arange(6.).reshape(2, 3)
    paths = [str(tmp_path / n) for n in ('c.npz', 'f.npz')]
    np.savez(paths[0], w=values, step=np.int64(3))
    np.savez(paths[1], w=np.asfortranarray(values), step=np.int64(3))
    everyone = [rank_agreement.digests(p) for p in paths]
    assert rank_agreement.suspects(everyone) == ['w']   # header differs
    described = [rank_agreement.described(p, ['w', 'step']) for p in paths]
    assert described[0] == described[1]
    assert described[0]['step'][1] == '3'
    message = rank_agreement.refusal('S', ['a', 'b', 'c', 'd'], [
        {k: ('x', '1') for k in 'abcd'}, {k: ('y', '2') for k in 'abcd'}])
    assert '\n' not in message and '`a` is 1 on rank 0, 2 on rank 1' in \
        message and 'and 1 more' in message
