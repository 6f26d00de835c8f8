"""What a benchmark ran under, recorded with its results and printed first:
the machine, the versions, the exported tuning variables, the BLAS threads
and malloc settings in force (chainer_kfac.runtime) and the device with its
GPU stack (experiments/train/gpu_info.py)."""
import os
import platform
from typing import Any, NotRequired, TypedDict

import chainer_kfac  # NOQA: F401  (the compatibility layer before Chainer)
import chainer
import numpy

from chainer_kfac import runtime
from experiments.train import gpu_info

#: the runtime settings chainer_kfac.runtime.apply_process_defaults returns
Settings = dict[str, dict[str, Any]]


class Environment(TypedDict):
    """The record's ``environment`` (the keys of the JSON file)."""
    machine: str
    cores: int
    python: str
    numpy: str
    chainer: str
    exported: dict[str, str]
    blas: dict[str, Any]
    malloc: dict[str, Any]
    device: str
    ranks: NotRequired[int]


def environment(settings: Settings, device: Any) -> Environment:
    """What this run ran under: machine, versions, threads, malloc, and
    the device (with its GPU stack, experiments/train/gpu_info.py)."""
    exported = {k: v for k, v in os.environ.items()
                if k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS',
                         'OPENBLAS_CORETYPE')
                or k.startswith('MALLOC_')}
    return {'machine': platform.processor() or platform.machine(),
            'cores': runtime.blas.usable_cores(),
            'python': platform.python_version(), 'numpy': numpy.__version__,
            'chainer': chainer.__version__, 'exported': exported,
            'blas': settings['blas'], 'malloc': settings['malloc'],
            'device': gpu_info.describe(device)}


def print_environment(env: Environment) -> None:
    print('machine: {} ({} usable cores), python {}, numpy {}, chainer {}'
          .format(env['machine'], env['cores'], env['python'], env['numpy'],
                  env['chainer']))
    print('device: {}'.format(env['device']))
    print('exported variables: {}'.format(env['exported'] or 'none'))
    print('BLAS threads: {} [{}]; K-FAC\'s own work: {}'.format(
        env['blas']['threads'], env['blas']['source'],
        env['blas']['kfac_work_threads'] or 'the same'))
    malloc = env['malloc']
    print('malloc: {} [{}]{}'.format(
        malloc.get('applied') or malloc.get('env') or 'glibc defaults',
        malloc['source'], ' ' + malloc['note'] if 'note' in malloc else ''))
