"""``gpu-check breakdown`` on the CPU: every phase timed, the parts add up
to their parent, host == wall."""
import json

import pytest

from experiments.checks import gpu_breakdown


def test_a_tiny_breakdown_on_the_cpu(tmp_path, capsys):
    out = tmp_path / 'breakdown.json'
    assert gpu_breakdown.main(['--batches', '4', '--steps', '1', '--json',
                               str(out)]) == 0
    result = json.loads(out.read_text())
    assert (result['device'], result['steps']) == ('@numpy', 1)
    phases = result['batches']['4']['phases']
    assert list(phases)[:len(gpu_breakdown.PHASES)] == list(
        gpu_breakdown.PHASES)
    for name in gpu_breakdown.PHASES:
        assert phases[name]['wall_ms'] > 0, name
        assert phases[name]['host_ms'] == pytest.approx(
            phases[name]['wall_ms'], rel=0.5, abs=0.5)
    step = sum(phases[n]['wall_ms'] for n in ('forward', 'backward', 'step',
                                               'other (whole step)'))
    assert step == pytest.approx(
        result['batches']['4']['instrumented_step_ms'])
    assert capsys.readouterr().out.startswith('batch 4: plain step ')
