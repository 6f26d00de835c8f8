"""Sharpness of finished runs' final models (``suite_dir``: tiny real runs,
one of them unfinished, tests/experiments/conftest.py), written into a
copy of the runs so that the shared runs stay as they are; which runs are
measured, and the command line's defaults (the suite file's)."""
import json
import os

import pytest

from experiments.analysis import results
from experiments.errors import StudyError
from experiments.folders import suite_file
from experiments.folders.snapshots import snapshot_name
from experiments.sharpness import cli
from experiments.sharpness import measure
from experiments.suite import collect


@pytest.fixture
def copy(suite_dir, tmp_path):
    """The finished runs of ``suite_dir`` without their snapshots."""
    dst = tmp_path / 'copy'
    collect.collect(str(suite_dir), str(dst))
    return dst


def test_only_wanted_finished_runs_are_measured(suite_dir, copy, capsys):
    written = measure.write_sharpness(
        str(suite_dir), 5, 16, into=str(copy),
        wants=lambda optimizer: optimizer == 'kfac')
    assert sorted(os.path.relpath(p, str(copy)) for p in written) == [
        os.path.join(run, 'sharpness.json') for run in (
            'lb_kfac_nomixup', 'sb_kfac_mixup', 'sb_kfac_nomixup')]
    out = capsys.readouterr().out
    assert '[skip] {}: in progress'.format(
        os.path.join(str(suite_dir), 'lb_kfac_mixup')) in out
    assert 'sgd' not in out
    with open(written[0]) as f:
        data = json.load(f)
    assert data['n_train'] == 16 and data['alphas'] == measure.ALPHAS
    assert data['snapshot'] == snapshot_name(2)
    for kind, _ in measure.KINDS:
        assert data['kinds'][kind]['direction_seeds'] == [0, 1, 2, 3, 4]
    assert not [r for r in results.find_runs([str(suite_dir)])
                if r.landscape is not None], 'wrote into the shared runs'

    # Once there, it is kept.
    assert measure.write_sharpness(str(suite_dir), 5, 16, into=str(copy),
                                   wants=lambda o: o == 'kfac') == []
    assert '[have] {}'.format(written[0]) in capsys.readouterr().out


def test_into_a_folder_without_the_run_names_both(suite_dir, tmp_path):
    with pytest.raises(StudyError, match='is not a copy of .* copy the run '
                                         'there first'):
        measure.write_sharpness(str(suite_dir), 5, 16,
                                into=str(tmp_path / 'empty'))


def test_final_snapshot_of_one_process_or_of_rank_0(tmp_path, suite_dir):
    run = results.load_run(os.path.join(str(suite_dir), 'sb_kfac_mixup'))
    assert measure.final_snapshot(run) == os.path.join(run.path,
                                                       snapshot_name(2))
    mpi = tmp_path / 'mpi'
    mpi.mkdir()
    (mpi / snapshot_name(2, 0, 2)).write_text('')
    moved = results.Run(str(mpi), 'mpi', run.config, (), True, None)
    assert measure.final_snapshot(moved) == str(mpi / snapshot_name(2, 0, 2))
    (mpi / snapshot_name(2, 0, 2)).unlink()
    assert measure.final_snapshot(moved) is None


def test_the_command_line_defaults_are_the_suite_files(monkeypatch):
    called = {}

    def capture(results_dir, directions, n_train, into, force):
        called.update(directions=directions, n_train=n_train)
        return []
    monkeypatch.setattr(measure, 'write_sharpness', capture)
    assert cli.main(['somewhere']) == 0
    assert called == {'directions': suite_file.SHARPNESS_DIRECTIONS,
                      'n_train': suite_file.SHARPNESS_N_TRAIN} == {
        'directions': 5, 'n_train': 3000}
    with pytest.raises(SystemExit):          # argparse's usage error
        cli.main(['somewhere', '--directions', '4'])
