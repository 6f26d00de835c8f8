"""How chainer_kfac may be imported: after Chainer, and without mpi4py.

Each case runs in a fresh interpreter (the import order is the point)."""
import subprocess
import sys

import numpy as np

from chainer_kfac import _compat
from tests.distributed.mpi_helper import ROOT

ONE_KFAC_STEP = '''
import numpy as np
import chainer.links as L
model = L.Classifier(L.Linear(3, 2))
opt = chainer_kfac.KFAC(lr=0.1).setup(model)
opt.update(model, np.ones((4, 3), np.float32), np.array([0, 1, 0, 1], 'i'))
assert opt.t == 1 and np.isfinite(float(model.loss.array))
'''


def _run(code):
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_import_chainer_first_then_chainer_kfac():
    out = _run('''
import chainer
import chainer.functions as F
import chainermn.communicators._memory_utility as mu
import chainer_kfac
from chainer_kfac import _compat
''' + ONE_KFAC_STEP + '''
x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
y = F.resize_images(x, (7, 7))
assert y.shape == (1, 1, 7, 7) and y.array[0, 0, -1, -1] == 15
print(sorted(_compat.applied()))
print(getattr(mu.unpack_params, '_chainer_kfac_compat', False))
''')
    applied, unpack_patched = out.strip().splitlines()
    want = sorted(name for name, _, _, needed in _compat._CALL_PATCHES
                  if needed())
    assert applied == str(want)
    assert unpack_patched == str(
        'chainermn.communicators._memory_utility' in want)


def test_import_chainer_kfac_first():
    _run('import chainer_kfac\nimport chainer.functions as F\n'
         + ONE_KFAC_STEP)


def test_single_process_kfac_without_mpi4py():
    out = _run('''
import sys
sys.modules['mpi4py'] = None      # "import mpi4py" raises ImportError
import chainer_kfac
''' + ONE_KFAC_STEP + '''
assert not any(m.startswith('chainermn.communicators') for m in sys.modules)
try:
    chainer_kfac.create_communicator('mpi')
except ImportError as e:
    print(e)
''')
    assert 'create_communicator needs mpi4py' in out


def test_unpack_params_replacement_converts_dtype():
    class Buffer(object):
        def to_device(self, v, size, offset, stream):
            assert v.dtype == np.float16 and size == v.size * 2
            v[...] = 2.5

    import chainer
    param = chainer.Parameter(np.zeros(3, dtype=np.float32))
    param.grad = np.zeros(3, dtype=np.float32)
    _compat._unpack_params([param], 'grad', Buffer(), np.float16,
                           zero_fill=False)
    assert param.grad.dtype == np.float32
    np.testing.assert_array_equal(param.grad, [2.5, 2.5, 2.5])
