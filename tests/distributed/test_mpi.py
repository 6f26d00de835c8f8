"""The distributed code under a real ``mpiexec`` with 2 and 3 ranks."""
import time

import pytest

from tests.distributed.mpi_helper import run_mpi

pytestmark = pytest.mark.mpi


@pytest.mark.parametrize('n', [2, 3])
def test_distributed_kfac_equals_single_process_kfac(n):
    out = run_mpi(n, 'equivalence.py').stdout
    assert 'equivalence OK on {} ranks'.format(n) in out


@pytest.mark.parametrize('n', [2, 3])
def test_each_refinement_on_n_ranks_equals_one_process(n):
    out = run_mpi(n, 'refinements.py').stdout
    assert 'refinements OK on {} ranks'.format(n) in out


@pytest.mark.parametrize('n', [2, 3])
def test_blocks_sorted_by_name_and_split_as_the_original(n):
    assert 'block order OK on {} ranks'.format(n) in run_mpi(
        n, 'block_order.py').stdout


@pytest.mark.parametrize('n', [2, 3])
def test_collectives_match_numpy_reference(n):
    assert 'collectives OK on {} ranks'.format(n) in run_mpi(
        n, 'collectives.py').stdout


@pytest.mark.parametrize('n', [2, 3])
def test_multi_node_momentum_sgd_equals_single_process(n):
    assert 'multi-node SGD OK' in run_mpi(n, 'multi_node_sgd.py').stdout


@pytest.mark.parametrize('n', [2, 3])
def test_multi_node_optimizer_updates_at_its_first_step(n):
    assert 'first step OK' in run_mpi(n, 'multi_node_first_step.py').stdout


def test_bad_use_gives_clear_errors():
    assert 'bad use OK' in run_mpi(2, 'bad_use.py').stdout


def test_a_raising_rank_ends_the_whole_job_within_30s():
    start = time.monotonic()
    proc = run_mpi(2, 'rank_raises.py', timeout=60, check=False)
    elapsed = time.monotonic() - start
    assert proc.returncode != 0
    assert 'deliberate failure on rank 1' in proc.stderr + proc.stdout
    assert elapsed < 30, elapsed


@pytest.mark.parametrize('n', [2, 3])
def test_first_call_updates_and_uncovered_links_stay_in_sync(n):
    assert 'semantics OK on {} ranks'.format(n) in run_mpi(
        n, 'semantics.py').stdout


@pytest.mark.parametrize('n', [2, 3])
def test_gpu_arrays_are_staged_through_host(n):
    assert 'host staging OK on {} ranks'.format(n) in run_mpi(
        n, 'host_staging.py').stdout


@pytest.mark.parametrize('n', [2, 3])
def test_float16_with_static_and_dynamic_loss_scaling(n):
    assert 'mixed precision OK on {} ranks'.format(n) in run_mpi(
        n, 'mixed_precision.py').stdout
