"""The one error every dataset loader raises (experiments/datasets.py and
the per-dataset modules it dispatches to): a missing, truncated, corrupt or
mismatched file. Its message names the file and says how to provide it."""

from experiments.errors import StudyError


class DatasetError(StudyError, RuntimeError):
    """The dataset is missing or unreadable (the message says how to fix)."""
