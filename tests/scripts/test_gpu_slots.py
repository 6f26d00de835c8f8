"""GPUs per job of run_suite --device cuda (scripts/gpu_slots.py)."""
import argparse

import pytest

from experiments.suite import gpu_slots
from experiments.suite import runner as run_suite


def test_one_gpu_per_rank_when_there_are_enough():
    slots, note = gpu_slots.plan(2, 4, [str(i) for i in range(8)])
    assert slots == ['0,1,2,3', '4,5,6,7'] and 'one GPU per rank' in note


def test_jobs_get_disjoint_gpus_that_their_ranks_share():
    slots, note = gpu_slots.plan(2, 4, ['0', '1', '2', '3'])
    assert slots == ['0,1', '2,3']
    assert 'ranks of a job share GPUs (8 GPUs needed' in note


def test_too_few_gpus_for_the_jobs_says_so():
    slots, note = gpu_slots.plan(3, 1, ['5', '7'])
    assert slots == ['5', '7', '5']
    assert 'jobs share GPUs (use --jobs 2' in note
    with pytest.raises(ValueError, match='no GPU visible'):
        gpu_slots.plan(1, 1, [])


def test_visible_gpus_follow_cuda_visible_devices():
    assert gpu_slots.visible_gpus({'CUDA_VISIBLE_DEVICES': '2, 3'}) == [
        '2', '3']
    assert gpu_slots.visible_gpus({'CUDA_VISIBLE_DEVICES': ''}) == []


def test_run_suite_plans_slots_only_for_cuda(monkeypatch, capsys):
    args = argparse.Namespace(device='cuda', jobs=2, ranks=2,
                              ranks_per_node=None)
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '0,1,2,3')
    assert run_suite._gpu_slots(args) == ['0,1', '2,3']
    assert 'one GPU per rank' in capsys.readouterr().out
    assert run_suite._gpu_slots(argparse.Namespace(
        device='-1', jobs=2, ranks=2, ranks_per_node=None)) == []
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')
    with pytest.raises(SystemExit, match='no GPU visible'):
        run_suite._gpu_slots(args)


def test_multi_node_jobs_plan_gpus_per_node(monkeypatch, capsys):
    # 2 nodes x 8 GPUs, 16 ranks with 8 per node: one GPU per rank on each
    # node, no sharing (only the ranks of one node share its GPUs).
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', ','.join(map(str, range(8))))
    args = argparse.Namespace(device='cuda', jobs=1, ranks=16,
                              ranks_per_node=8)
    assert run_suite._gpu_slots(args) == ['0,1,2,3,4,5,6,7']
    assert 'one GPU per rank' in capsys.readouterr().out
