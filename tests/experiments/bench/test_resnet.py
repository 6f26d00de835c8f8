"""``python -m experiments bench resnet`` end to end on LeNet-5."""
import json
import subprocess
import sys

import pytest

from experiments.bench import block_phases, resnet
from experiments.folders.repository import ROOT


def test_lenet_run_of_two_kinds(tmp_path):
    """The benchmark end to end on LeNet-5, SGD and every-step K-FAC only:
    the phases of every K-FAC layer are timed, no amortised figure is
    made."""
    out = tmp_path / 'bench.json'
    subprocess.run(
        [sys.executable, '-m', 'experiments', 'bench', 'resnet',
         '--model', 'lenet5', '--input-shape', '3', '32', '32',
         '--classes', '10', '--batches', '2', '--steps', '1', '--kinds',
         'sgd', 'kfac', '--json', str(out)],
        check=True, capture_output=True, text=True, cwd=ROOT)
    result = json.loads(out.read_text())['batches']['2']
    assert set(result['median_seconds']) == {'sgd', 'kfac'}
    assert set(result['ratio_to_sgd']) == {'kfac'}
    layers = result['phases']['kfac']
    assert len(layers) == 5 and all(
        set(row) == set(block_phases.PHASES) | {'layers'}
        for row in layers.values())


def test_kinds_must_start_with_sgd(capsys):
    with pytest.raises(SystemExit) as exit_:
        resnet.main(['--kinds', 'kfac', 'sgd'])
    assert exit_.value.code == 2
    assert 'sgd comes first' in capsys.readouterr().err
