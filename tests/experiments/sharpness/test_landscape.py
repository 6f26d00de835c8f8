"""The 1-D loss landscape along a random direction of trained snapshots
(``suite_dir``: tiny real runs, tests/experiments/conftest.py)."""
import json
import os

import numpy as np
import pytest

from experiments.errors import StudyError
from experiments.folders.snapshots import snapshot_name
from experiments.sharpness import landscape as plot_landscape


def test_f0_is_the_snapshot_loss_and_sharpness_uses_the_curve(suite_dir):
    snap = os.path.join(str(suite_dir), 'sb_kfac_mixup', snapshot_name(2))
    model, config, train, test = plot_landscape.load_snapshot(snap)
    x, t = plot_landscape.as_arrays(test, 64)
    loss0, acc0 = plot_landscape.evaluate(model, x, t)
    before = {n: p.array.copy() for n, p in model.namedparams()}
    alphas = [-0.5, -0.25, 0.0, 0.25, 0.5, 1.0]
    delta = plot_landscape.gaussian_direction(model, seed=0)
    curves = plot_landscape.landscape(model, delta, alphas, {'test': (x, t)})
    assert curves['test']['loss'][2] == pytest.approx(loss0, rel=1e-6)
    assert curves['test']['accuracy'][2] == pytest.approx(acc0)
    f = curves['test']['loss']
    assert plot_landscape.sharpness(alphas, f) == pytest.approx(
        (f[0] + f[4]) / 2 - f[2])
    assert f[0] != f[2]              # the direction moves the loss
    for n, p in model.namedparams():  # parameters restored
        assert np.array_equal(p.array, before[n])


def test_filter_normalized_direction():
    import chainer.links as L
    from chainer_kfac.models import LeNet5
    model = L.Classifier(LeNet5(1, 28))
    delta = plot_landscape.gaussian_direction(model, 0, filter_normalize=True)
    W = model.predictor.conv1.W.array.reshape(6, -1)
    d = delta['/predictor/conv1/W'].reshape(6, -1)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1),
                               np.linalg.norm(W, axis=1), rtol=1e-4)
    assert not delta['/predictor/conv1/b'].any()


def test_cli_writes_json_and_figure(suite_dir, tmp_path):
    snaps = [os.path.join(str(suite_dir), r, snapshot_name(2))
             for r in ('sb_kfac_mixup', 'sb_kfac_nomixup')]
    out = str(tmp_path / 'land')
    assert plot_landscape.main(snaps + [
        '--points', '5', '--n-train', '32', '--n-test', '32',
        '--out', out]) == 0
    assert os.path.getsize(out + '.png') > 5000
    data = json.load(open(os.path.join(os.path.dirname(snaps[0]),
                                       'landscape_gaussian.json')))
    assert data['sharpness'] == pytest.approx(plot_landscape.sharpness(
        data['alphas'], data['curves']['train']['loss']))


def test_errors_name_the_snapshot_and_the_labels(suite_dir, tmp_path):
    lone = tmp_path / snapshot_name(2)
    lone.write_text('')
    with pytest.raises(StudyError, match='has no config.yaml beside it'):
        plot_landscape.load_snapshot(str(lone))
    snap = os.path.join(str(suite_dir), 'sb_kfac_mixup', snapshot_name(2))
    with pytest.raises(StudyError, match='--labels: 2 labels for 1 '):
        plot_landscape.main([snap, '--labels', 'a', 'b',
                             '--out', str(tmp_path / 'x')])
