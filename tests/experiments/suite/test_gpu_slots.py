"""GPUs per job of ``python -m experiments suite --device cuda``
(experiments/suite/gpu_slots.py)."""
import pytest

from experiments.errors import StudyError
from experiments.suite import gpu_slots


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
    with pytest.raises(StudyError, match='no GPU visible'):
        gpu_slots.plan(1, 1, [])


def test_visible_gpus_follow_cuda_visible_devices():
    assert gpu_slots.visible_gpus({'CUDA_VISIBLE_DEVICES': '2, 3'}) == [
        '2', '3']
    assert gpu_slots.visible_gpus({'CUDA_VISIBLE_DEVICES': ''}) == []
