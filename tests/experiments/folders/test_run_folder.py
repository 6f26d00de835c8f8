"""experiments/run_folder.py: what a run folder is and when it is finished.

The marker's file name is written out here ('DONE') on purpose: it is the
on-disk format that committed results (docs/results) already carry."""
import os
import subprocess
import sys

from experiments.folders import run_folder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def make_run(path, finished):
    os.makedirs(path)
    open(os.path.join(path, 'config.yaml'), 'w').close()
    if finished:
        with open(os.path.join(path, 'DONE'), 'w') as f:
            f.write('finished at iteration 3\n')


def test_mark_and_clear(tmp_path):
    run = str(tmp_path / 'run')
    make_run(run, finished=False)
    assert not run_folder.is_finished(run)
    run_folder.mark_finished(run, 117)
    assert run_folder.is_finished(run)
    with open(os.path.join(run, 'DONE')) as f:
        assert f.read() == 'finished at iteration 117\n'
    run_folder.clear_finished(run)
    assert not run_folder.is_finished(run)
    run_folder.clear_finished(run)  # a second clear is harmless


def test_finished_and_run_folders(tmp_path):
    make_run(str(tmp_path / 'seed_1' / 'sb'), finished=True)
    make_run(str(tmp_path / 'seed_0' / 'lb'), finished=True)
    make_run(str(tmp_path / 'seed_0' / 'sb'), finished=False)
    # a folder inside a run is not a run of its own
    make_run(str(tmp_path / 'seed_0' / 'sb' / 'inner'), finished=True)
    assert run_folder.run_folders(str(tmp_path)) == [
        str(tmp_path / 'seed_0' / 'lb'), str(tmp_path / 'seed_0' / 'sb'),
        str(tmp_path / 'seed_1' / 'sb')]
    run = str(tmp_path / 'seed_1' / 'sb')
    assert run_folder.run_folders(run) == [run]
    assert run_folder.finished_runs(str(tmp_path)) == [
        'seed_0/lb', 'seed_0/sb/inner', 'seed_1/sb']


def test_unfinished_needs_a_config():
    assert run_folder.unfinished(['config.yaml', 'log'])
    assert not run_folder.unfinished(['config.yaml', 'DONE'])
    assert not run_folder.unfinished(['suite.yaml', 'report.md'])


def test_imports_nothing_outside_the_standard_library():
    code = ('import sys; import experiments.folders.run_folder; '
            'print(sorted(m for m in ("numpy", "yaml", "chainer") '
            'if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == '[]'
