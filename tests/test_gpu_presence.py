"""tests/gpu skip vs fail decision (tests/gpu/gpu_presence.py), on any
machine."""
from tests.gpu import gpu_presence


def test_absent_usable_broken(monkeypatch):
    monkeypatch.setattr(gpu_presence, 'stack_problem', lambda: 'no CuPy')
    monkeypatch.setattr(gpu_presence, 'nvidia_device_present', lambda: False)
    assert gpu_presence.gpu_state() == 'absent'
    monkeypatch.setattr(gpu_presence, 'nvidia_device_present', lambda: True)
    assert gpu_presence.gpu_state() == 'broken: no CuPy'
    monkeypatch.setattr(gpu_presence, 'stack_problem', lambda: None)
    assert gpu_presence.gpu_state() == 'usable'


def test_this_machine_is_consistent():
    from chainer.backends import cuda
    state = gpu_presence.gpu_state()
    assert (state == 'usable') == (gpu_presence.stack_problem() is None)
    if not cuda.available:
        assert state != 'usable'
