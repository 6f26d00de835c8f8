"""Device specifiers, rank -> GPU mapping, communicator choice and the GPU
stack report (no GPU needed: counts are passed in, CuPy is absent)."""
import json
import os
import sys

import pytest

from chainer_kfac.distributed.nccl_check import NcclUnavailableError
from experiments.train import comm_setup
from experiments.train import config as config_module
from experiments.train import devices
from experiments.train import gpu_info
from experiments.train import cli as train
from tests.experiments.train.test_cli import config

CPU, PER_RANK = devices.DeviceSpec('cpu', None), devices.DeviceSpec(
    'per_rank', None)


@pytest.mark.parametrize('value, spec', [
    (-1, CPU), ('-1', CPU), ('@numpy', CPU), ('cuda', PER_RANK),
    (0, devices.DeviceSpec('gpu', 0)), (3, devices.DeviceSpec('gpu', 3)),
    ('2', devices.DeviceSpec('gpu', 2)),
    ('@cupy:1', devices.DeviceSpec('gpu', 1))])
def test_accepted_specifiers(value, spec):
    assert devices.parse(value) == spec


@pytest.mark.parametrize('value', [-2, 'gpu', '@cupy', '@cupy:-1', 'cuda:0',
                                   '@intel64', True, 1.0, 'cpu '])
def test_other_specifiers_are_refused_with_the_accepted_list(value):
    with pytest.raises(devices.DeviceError, match="'@numpy'.*'cuda'"):
        devices.parse(value)


def test_ranks_share_gpus_round_robin():
    assert [devices.gpu_for_rank(r, 1) for r in range(3)] == [0, 0, 0]
    assert [devices.gpu_for_rank(r, 4) for r in range(6)] == [0, 1, 2, 3,
                                                              0, 1]
    names = [devices.chainer_name(PER_RANK, r, 2) for r in range(4)]
    assert names == ['@cupy:0', '@cupy:1', '@cupy:0', '@cupy:1']
    with pytest.raises(devices.DeviceError, match='no GPU visible'):
        devices.gpu_for_rank(0, 0)


def test_named_gpu_must_exist():
    assert devices.chainer_name(devices.parse('@cupy:1'), 0, 2) == '@cupy:1'
    with pytest.raises(devices.DeviceError, match='GPU 2 does not exist'):
        devices.chainer_name(devices.parse(2), 0, 2)
    assert devices.chainer_name(CPU, 5, 0) == '@numpy'


def test_gpu_without_cupy_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, 'cupy', None)
    with pytest.raises(devices.DeviceError, match='needs CuPy'):
        devices.check_available('cuda')
    assert str(devices.get_device(-1)) == '@numpy'


def test_config_rejects_a_bad_device_naming_file_and_key(tmp_path):
    path = tmp_path / 'c.yaml'
    path.write_text('device: gpu0\n')
    with pytest.raises(config_module.ConfigError,
                       match=r'c\.yaml: `device`: .*gpu0'):
        config_module.load_config(str(path))
    assert config_module.load_config(str(path), ['device=@cupy:0'])[
        'device'] == '@cupy:0'


def test_train_exits_before_writing_output(tmp_path, monkeypatch):
    out = tmp_path / 'out'
    with pytest.raises(config_module.ConfigError) as e:
        train.main(['--config', config('sb_kfac_mixup'), '--set',
                    'device=gpu', '--out', str(out)])
    assert "device 'gpu'" in str(e.value) and not out.exists()
    monkeypatch.setitem(sys.modules, 'cupy', None)
    with pytest.raises(devices.DeviceError) as e:
        train.main(['--config', config('sb_kfac_mixup'), '--set',
                    'device=cuda', '--out', str(out)])
    assert 'needs CuPy' in str(e.value) and not out.exists()


def test_communicator_choice():
    base = config_module.load_config(config('sb_kfac_mixup'))
    assert base['communicator'] == 'mpi'
    assert comm_setup.make_communicator(base, in_mpi_launch=False) is None
    nccl_cpu = dict(base, communicator='pure_nccl', device=-1)
    with pytest.raises(NcclUnavailableError, match='needs a GPU device'):
        comm_setup.make_communicator(nccl_cpu, in_mpi_launch=True)
    with pytest.raises(config_module.ConfigError, match='pure_nccl'):
        config_module.load_config(config('sb_kfac_mixup'),
                                  ['communicator=nccl'])


def test_gpu_stack_report_without_a_gpu(tmp_path):
    from chainer.backends import cuda
    info = gpu_info.gpu_stack()
    assert info['cuda_available'] == bool(cuda.available)
    if not cuda.available:
        assert info['cudnn_enabled'] is False
    assert gpu_info.describe('@numpy') == '@numpy'
    from experiments.train import extensions
    path = str(tmp_path / 'env.json')
    extensions.write_env(path, None, '@numpy', {}, 'c.yaml', ['x'])
    with open(path) as f:
        assert json.load(f)['gpu_stack'] == json.loads(json.dumps(info))


def test_first_line_says_whether_cudnn_is_on(monkeypatch):
    monkeypatch.setenv('NVIDIA_TF32_OVERRIDE', '0')
    monkeypatch.setattr(gpu_info, 'gpu_stack', lambda: {
        'cudnn_enabled': False, 'cudnn_missing': "ImportError('libcudnn')",
        'NVIDIA_TF32_OVERRIDE': os.environ['NVIDIA_TF32_OVERRIDE']})
    assert gpu_info.describe('@cupy:0') == (
        "@cupy:0 (cuDNN OFF: ImportError('libcudnn'); "
        'NVIDIA_TF32_OVERRIDE=0)')
    monkeypatch.setattr(gpu_info, 'gpu_stack', lambda: {
        'cudnn_enabled': True, 'cudnn_version': 8907,
        'NVIDIA_TF32_OVERRIDE': None})
    assert gpu_info.describe('@cupy:1') == (
        '@cupy:1 (cuDNN 8907 on; NVIDIA_TF32_OVERRIDE=unset)')
