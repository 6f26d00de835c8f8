"""Single-process use with no MPI installed (``pip install -e .``, no
extras): ``import chainer_kfac``, KFAC and a ``python -m experiments train``
run, in a Python where importing mpi4py fails as it does without the
package."""
import json
import os
import subprocess
import sys

from experiments.folders.repository import ROOT

NO_MPI = """
import sys
class NoMPI:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'mpi4py':
            raise ModuleNotFoundError("No module named 'mpi4py'")
sys.meta_path.insert(0, NoMPI())
"""


def python_without_mpi(code, **kwargs):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
               os.environ.get('PYTHONPATH', ''), OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, '-c', NO_MPI + code],
                          capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300, **kwargs)


def test_import_without_mpi():
    proc = python_without_mpi('import chainer_kfac; '
                              "assert 'mpi4py' not in sys.modules")
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_kfac_updates_without_mpi():
    proc = python_without_mpi("""
import chainer_kfac  # first: its compatibility layer
import numpy, chainer.links as L
from chainer_kfac.models import LeNet5
model = L.Classifier(LeNet5())
opt = chainer_kfac.KFAC(lr=0.01)
opt.setup(model)
x = numpy.random.RandomState(0).rand(8, 3, 32, 32).astype('f')
t = numpy.arange(8, dtype='i') % 10
before = model.predictor.fc5.W.array.copy()
opt.update(model, x, t)
assert not numpy.allclose(before, model.predictor.fc5.W.array)
assert 'mpi4py' not in sys.modules
print('updated')
""")
    assert proc.returncode == 0 and 'updated' in proc.stdout, proc.stderr


def test_train_runs_without_mpi(tmp_path):
    out = tmp_path / 'run'
    proc = python_without_mpi("""
import runpy
sys.argv = ['experiments', 'train', '--config',
            'configs/hpml2019/sb_kfac_mixup.yaml',
            '--out', {!r}, '--quiet', '--set', 'dataset=synthetic',
            '--set', 'synthetic_size=[64,32]', '--set', 'epochs=1',
            '--set', 'batch_size=32', '--set', 'test_batch_size=32']
try:
    runpy.run_module('experiments', run_name='__main__', alter_sys=True)
except SystemExit as ended:
    assert ended.code == 0, ended.code
assert 'mpi4py' not in sys.modules
""".format(str(out)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / 'DONE').exists()
    env = json.loads((out / 'env.json').read_text())
    assert env['ranks'] == 1 and 'mpi4py' not in env['versions']
