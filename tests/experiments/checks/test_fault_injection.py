"""``python -m experiments fault-injection``'s options and its restart of a
finished run (the whole check hurts real runs for minutes: by hand,
docs/robustness.md)."""
import pytest

from experiments.checks import fault_injection, faulty_run
from experiments.errors import StudyError


def test_kinds_are_checked(capsys):
    args = fault_injection.parse_args(['--kinds', 'kill,foreign'])
    assert args.kinds == ['kill', 'foreign'] and args.ranks == 1
    for bad in (['--kinds', 'kill,boom'], ['--kinds', 'exit0']):
        with pytest.raises(SystemExit) as exit_:
            fault_injection.parse_args(bad)
        assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert '--kinds: boom' in err and '--kinds: exit0 (exit0 needs' in err
    assert fault_injection.parse_args(['--kinds', 'exit0', '--ranks',
                                       '2']).kinds == ['exit0']


def test_restart_from_scratch_drops_the_marker_and_the_checkpoints(tmp_path):
    for name in ('DONE', 'snapshot_epoch_1', 'snapshot_epoch_1.complete',
                 'snapshot_error_iter_3.rank0', 'log', 'config.yaml'):
        (tmp_path / name).write_text('x')
    fault_injection.restart_from_scratch(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ['config.yaml',
                                                          'log']


def test_a_failed_reference_run_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(fault_injection, 'run_to_end',
                        lambda out, ranks, resume, hang_s: 1)
    with pytest.raises(fault_injection.ReferenceRunError,
                       match='the reference run failed; see .*reference'):
        fault_injection.main(['--work', str(tmp_path)])
    assert issubclass(fault_injection.ReferenceRunError, StudyError)
    assert faulty_run.read_log(str(tmp_path / 'reference')) is None
