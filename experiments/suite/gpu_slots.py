"""GPUs for the concurrent jobs of ``python -m experiments suite --device
cuda``.

Each of J concurrent jobs of R ranks gets its own GPUs through
CUDA_VISIBLE_DEVICES (inside a job, rank r uses visible GPU
``intra_rank % count``, experiments/train/devices.py):

- J*R <= G GPUs: one GPU per rank, no sharing;
- J <= G < J*R: each job gets G // J GPUs, which its ranks share;
- G < J: jobs must share GPUs; job slots go round-robin over the GPUs, and
  the note says so (pure_nccl cannot run like that).
"""
import os
from collections.abc import Mapping, Sequence

from experiments.errors import StudyError


class NoGpu(StudyError, ValueError):
    """``--device cuda`` with no GPU visible."""


def visible_gpus(environ: Mapping[str, str] | None = None) -> list[str]:
    """The GPU ids this process may hand out: CUDA_VISIBLE_DEVICES if set,
    else 0..N-1 with N from CuPy (0 without CuPy)."""
    environ = os.environ if environ is None else environ
    listed = environ.get('CUDA_VISIBLE_DEVICES')
    if listed is not None:
        return [g.strip() for g in listed.split(',') if g.strip()]
    try:
        import cupy
        return [str(i) for i in range(cupy.cuda.runtime.getDeviceCount())]
    except Exception:
        return []


def plan(jobs: int, ranks: int,
         gpus: Sequence[str]) -> tuple[list[str], str]:
    """``(slots, note)``: ``slots[k]`` is the CUDA_VISIBLE_DEVICES value of
    job slot k (k < jobs); ``note`` says how GPUs are shared."""
    if not gpus:
        raise NoGpu('--device cuda: no GPU visible (nvidia-smi, '
                    'CUDA_VISIBLE_DEVICES, CuPy installed?)')
    if len(gpus) < jobs:
        slots = [gpus[k % len(gpus)] for k in range(jobs)]
        return slots, ('only {} GPU(s) for {} concurrent jobs: jobs share '
                       'GPUs (use --jobs {} to give each its own)'.format(
                           len(gpus), jobs, len(gpus)))
    per_job = min(ranks, len(gpus) // jobs)
    slots = [','.join(gpus[k * per_job:(k + 1) * per_job])
             for k in range(jobs)]
    if per_job < ranks:
        return slots, ('{} GPU(s) per job for {} ranks: ranks of a job share '
                       'GPUs ({} GPUs needed for one each)'.format(
                           per_job, ranks, jobs * ranks))
    return slots, 'one GPU per rank ({} of {} GPUs used)'.format(
        jobs * ranks, len(gpus))
