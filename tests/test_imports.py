"""How chainer_kfac may be imported: after Chainer, and without mpi4py.

Each case runs in a fresh interpreter (the import order is the point)."""
import subprocess
import sys

import numpy as np
import pytest

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


NUMPY2 = int(np.__version__.split('.')[0]) >= 2


def test_chainer_alone_cannot_import_under_numpy2():
    """Chainer 7.8.1 itself fails at import under NumPy 2 (np.sctypes),
    before chainer_kfac can act: only `import chainer_kfac` first works
    there. If this starts passing, Chainer-first became possible."""
    if not NUMPY2:
        pytest.skip('NumPy {} < 2: Chainer imports on its own'.format(
            np.__version__))
    proc = subprocess.run([sys.executable, '-c', 'import chainer'],
                          capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode != 0 and 'sctypes' in proc.stderr


def test_import_chainer_first_then_chainer_kfac():
    if NUMPY2:
        pytest.skip('Chainer 7.8.1 cannot be imported before chainer_kfac '
                    'under NumPy 2 (its own np.sctypes use breaks at '
                    'import); see test_chainer_alone_cannot_import_under_'
                    'numpy2')
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
