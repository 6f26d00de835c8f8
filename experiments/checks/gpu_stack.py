"""Print the stack a run on ``--device`` gets, as ``env.json`` records it.

    python -m experiments gpu-check stack [--device @cupy:0] [--json OUT]

The record is the one a training run writes (experiments.train.extensions
.write_env: versions, gpu_stack, git, runtime), plus what env.json does not
hold: the GPU's name and memory, the driver's and the CUDA runtime's
versions, NCCL's version, and the file each package was imported from (on
the GPU machine Chainer, mpi4py and Open MPI come from the carried wheels,
everything else from the image). The JSON file gets the whole record; the
screen the lines that tell a stack apart.
"""
import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import chainer_kfac  # NOQA: F401  (the compatibility layer before Chainer)
import chainer

from experiments.train import devices
from experiments.train import extensions

MODULES = ('numpy', 'chainer', 'cupy', 'mpi4py', 'scipy', 'yaml', 'pytest')


def env_record(device: Any) -> dict[str, Any]:
    """env.json as a training run writes it for ``device`` (no dataset)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'env.json')
        extensions.write_env(path, None, device, {'dataset': 'none'},
                             'none', sys.argv)
        with open(path) as f:
            record: dict[str, Any] = json.load(f)
    record.pop('starts', None)
    return record


def cuda_record() -> dict[str, Any]:
    """GPU, driver, CUDA runtime and NCCL as CuPy reports them."""
    import cupy
    runtime = cupy.cuda.runtime
    props = runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props['name']
    info = {'gpu': name.decode() if isinstance(name, bytes) else name,
            'gpu_memory_gib': round(props['totalGlobalMem'] / 2 ** 30, 1),
            'compute_capability': '{}.{}'.format(props['major'],
                                                 props['minor']),
            'driver': runtime.driverGetVersion(),
            'cuda_runtime': runtime.runtimeGetVersion()}
    try:
        from cupy.cuda import nccl
        info['nccl'] = nccl.get_version()
    except Exception as e:  # ImportError or the library missing
        info['nccl'] = 'unavailable: {!r}'.format(e)
    return info


def origins() -> dict[str, str | None]:
    """{module: the file it is imported from, or why not}."""
    found: dict[str, str | None] = {}
    for name in MODULES:
        try:
            found[name] = __import__(name).__file__
        except Exception as e:  # an ImportError, or a broken install
            found[name] = 'not importable: {!r}'.format(e)
    found['mpiexec'] = os.environ.get('MPIEXEC')
    found['MPI4PY_LIBMPI'] = os.environ.get('MPI4PY_LIBMPI')
    return found


def mpi_library() -> str:
    """The MPI library's version line, or why there is none."""
    try:
        from mpi4py import MPI
        line: str = MPI.Get_library_version().strip('\x00').splitlines()[0]
        return line
    except Exception as e:  # no MPI library: said, not hidden
        return 'unavailable: {!r}'.format(e)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments gpu-check stack',
        description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='@numpy')
    parser.add_argument('--json', help='write the whole record here')
    args = parser.parse_args(argv)
    device = devices.get_device(args.device)
    record = env_record(device)
    if str(device) != '@numpy':
        record['cuda'] = cuda_record()
    record['imported_from'] = origins()
    record['mpi_library'] = mpi_library()
    for key in ('device', 'versions', 'gpu_stack', 'cuda', 'mpi_library',
                'compat_patches', 'git', 'imported_from'):
        if key in record:
            print('{}: {}'.format(key, json.dumps(record[key])))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(record, f, indent=1)
    print('stack of {} recorded (chainer {})'.format(
        device, chainer.__version__))
    return 0
