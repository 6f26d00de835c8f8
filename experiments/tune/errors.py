"""The errors of tuning, each a :class:`~experiments.errors.StudyError`
(reported as one line by the command)."""
from experiments.errors import StudyError


class TuneFileError(StudyError, ValueError):
    """``_tune.yaml`` is wrong; the message names the file, key and fix."""


class StorageError(StudyError, RuntimeError):
    """The study storage cannot be opened; the message says why and how."""
