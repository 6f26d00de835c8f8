"""A running trial's heartbeat: a daemon thread that records it in the
storage every ``interval_s`` seconds while the trial trains
(experiments/tune/storage.py says how a missing heartbeat is acted on).
A heartbeat that cannot be written (a full disk, a database gone) stops
the beating and is raised in the trial's thread when the trial ends, as
the worker's one-line error, not as a thread's traceback."""
import contextlib
import threading
from collections.abc import Iterator

from optuna.storages import BaseStorage
from optuna.storages._heartbeat import BaseHeartbeat


@contextlib.contextmanager
def beating(storage: BaseStorage, trial_id: int,
            interval_s: float) -> Iterator[None]:
    """Within: ``storage.record_heartbeat(trial_id)`` now and then every
    ``interval_s`` (nothing for a storage without heartbeats)."""
    if not isinstance(storage, BaseHeartbeat):
        yield
        return
    beat = storage
    stop = threading.Event()
    failed: list[Exception] = []

    def loop() -> None:
        while True:
            try:
                beat.record_heartbeat(trial_id)
            except Exception as error:     # raised below, in the trial's
                failed.append(error)
                return
            if stop.wait(interval_s):
                return

    thread = threading.Thread(target=loop, name='trial-heartbeat',
                              daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    if failed:
        raise failed[0]
