"""The steps after the runs: each failure is said and the next step still
runs; a signal's stop is no failure to go past."""
import pytest

from experiments.errors import StudyError
from experiments.suite import after_runs
from experiments.suite.children import Stopped


def steps(monkeypatch, *failures):
    """Three steps; step k raises ``failures[k]`` (None: none)."""
    ran = []

    def step(name, failure):
        def run(suite_out):
            ran.append((name, suite_out))
            if failure is not None:
                raise failure
        return name, run
    monkeypatch.setattr(after_runs, 'STEPS', tuple(
        step(name, failure) for name, failure in zip(
            ('sharpness', 'table', 'report'), failures, strict=True)))
    return ran


def test_every_step_runs_and_failures_are_said(monkeypatch, capsys):
    ran = steps(monkeypatch, StudyError('x.yaml: bad key'),
                ZeroDivisionError('a bug'), None)
    assert after_runs.write_all('OUT') == ['sharpness', 'table']
    assert ran == [('sharpness', 'OUT'), ('table', 'OUT'), ('report', 'OUT')]
    err = capsys.readouterr().err
    assert 'error: x.yaml: bad key\n' in err
    assert 'Traceback' in err and 'ZeroDivisionError: a bug' in err


def test_a_signal_stops_the_steps(monkeypatch):
    ran = steps(monkeypatch, None, Stopped(15), None)
    with pytest.raises(Stopped) as stopped:
        after_runs.write_all('OUT')
    assert stopped.value.exit_status == 143
    assert [name for name, _ in ran] == ['sharpness', 'table']


def test_the_steps_are_sharpness_table_report_in_order():
    assert [name for name, _ in after_runs.STEPS] == [
        'sharpness', 'table', 'report']


def test_no_sharpness_key_measures_nothing(tmp_path, monkeypatch):
    (tmp_path / 'suite.yaml').write_text(
        'target_accuracy: 0.5\nbatch_classes: {SB: 16, LB: 64}\n')
    import experiments.sharpness.measure as measure

    def fail(*args, **kwargs):
        raise AssertionError('measured without the key')
    monkeypatch.setattr(measure, 'write_sharpness', fail)
    dict(after_runs.STEPS)['sharpness'](str(tmp_path))
