"""An error every rank finds alike (experiments/train/failure.py): rank 0
raises it as a StudyError (the command prints it once), every other rank
ends with status 1 and no message; under MPI a StudyError on a rank is
its ``error:`` line and the job's abort."""
import pytest

from experiments.errors import StudyError
from experiments.train import cli as train
from experiments.train import failure
from experiments.train.config import ConfigError
from tests.experiments.train.test_cli import config


@pytest.fixture
def other_rank(monkeypatch):
    """This process is rank 1 of an mpiexec launch, before MPI is set up."""
    monkeypatch.setattr(failure, 'launch_rank', lambda: 1)
    monkeypatch.setattr(failure, 'QUIET_PAUSE_S', 0.0)


def test_rank_0_raises_a_study_error_as_it_is():
    error = ConfigError('c.yaml: `epochs` must be ...')
    with pytest.raises(ConfigError) as e:
        failure.raise_on_every_rank(error)
    assert e.value is error


def test_rank_0_raises_a_message_or_other_error_as_start_refused():
    with pytest.raises(failure.StartRefused, match='^cannot resume: x$'):
        failure.raise_on_every_rank('cannot resume: x')
    cause = RuntimeError('NCCL is missing')
    with pytest.raises(failure.StartRefused, match='^NCCL is missing$') as e:
        failure.raise_on_every_rank(cause)
    assert e.value.__cause__ is cause
    assert issubclass(failure.StartRefused, StudyError)


def test_other_ranks_end_quietly(other_rank):
    with pytest.raises(failure.QuietExit):
        failure.raise_on_every_rank(ConfigError('shown by rank 0'))
    assert issubclass(failure.QuietExit, StudyError)


def test_train_on_another_rank_returns_1_without_a_message(other_rank,
                                                           tmp_path, capsys):
    assert train.main(['--config', config('sb_kfac_mixup'), '--set',
                       'optimizer.lrr=1', '--out', str(tmp_path)]) == 1
    assert capsys.readouterr().err == ''


class FakeComm:
    rank, size = 0, 2
    aborted = None

    def dup(self):
        return self

    def all_reach(self, timeout_s):
        return True

    def abort(self, code):
        FakeComm.aborted = code
        raise RuntimeError('aborted')     # MPI_Abort never returns


def test_a_study_error_under_mpi_is_its_line_and_the_abort(capsys):
    with pytest.raises(RuntimeError, match='aborted'):
        with failure.end_all_ranks_on_failure(FakeComm()):
            raise ConfigError('c.yaml: `mixup.enabled` needs ...')
    assert FakeComm.aborted == 1
    assert capsys.readouterr().err == \
        'error: c.yaml: `mixup.enabled` needs ... (rank 0 of 2)\n'
