"""What a throwaway single-node batch scheduler for the job tests needs,
whichever it is (tests/scripts/slurm_cluster.py,
tests/scripts/gridengine_cluster.py): its daemons in the foreground as
children of the test, logging into the cell's folder, polled until they
serve and stopped when the test ends; its clients run with the cell's
environment. A subclass names its daemons and clients, the exception that
says why a cell could not start (for ``pytest.skip``), how to start it and
which logs explain a failure.
"""
import abc
import os
import shutil
import socket
import subprocess
import time
import typing


class SchedulerUnavailable(RuntimeError):
    """The scheduler is not installed, or its daemons did not start."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class LocalScheduler(abc.ABC):
    """``with Subclass(folder) as cell: cell.run('qstat')``."""

    NAME = ''
    DAEMONS: typing.Tuple[str, ...] = ()
    CLIENTS: typing.Tuple[str, ...] = ()
    #: Files or folders of the package that must exist besides the programs.
    PATHS: typing.Tuple[str, ...] = ()
    INSTALL = ''
    Unavailable: typing.Type[SchedulerUnavailable] = SchedulerUnavailable

    def __init__(self, folder: str, env: typing.Dict[str, str]) -> None:
        self.folder = os.path.abspath(str(folder))
        self.env = dict(os.environ, **env)
        self.procs: typing.List[tuple] = []

    @abc.abstractmethod
    def _bring_up(self) -> None:
        """Write the cell's files, start its daemons, wait until it serves."""

    @abc.abstractmethod
    def log_paths(self) -> typing.List[str]:
        """The files whose tails explain a failure."""

    def __enter__(self):
        missing = [p for p in self.DAEMONS + self.CLIENTS
                   if shutil.which(p) is None]
        missing += [p for p in self.PATHS if not os.path.exists(p)]
        if missing:
            raise self.Unavailable('{} is not installed (missing {}): '
                                   'apt-get install {}'.format(
                                       self.NAME, ', '.join(missing),
                                       self.INSTALL))
        if os.geteuid() != 0:
            raise self.Unavailable('{} must run as root to start jobs'
                                   .format(self.DAEMONS[-1]))
        try:
            self._bring_up()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start(self, name: str, args: typing.Sequence[str] = ()) -> None:
        log = open(os.path.join(self.folder, name + '.out'), 'w')
        self.procs.append((name, subprocess.Popen(
            [shutil.which(name)] + list(args), stdout=log,
            stderr=subprocess.STDOUT, env=self.env, cwd=self.folder), log))

    def wait_until(self, predicate: typing.Callable[[], bool], what: str,
                   timeout: float = 60) -> None:
        """Poll ``predicate``; a daemon that exits or a timeout raises
        :attr:`Unavailable` with the logs."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for name, proc, _ in self.procs:
                if proc.poll() is not None:
                    raise self.Unavailable('{} exited ({}): {}'.format(
                        name, proc.returncode, self.logs()))
            if predicate():
                return
            time.sleep(0.5)
        raise self.Unavailable('{} did not come up in {} s: {}'.format(
            what, timeout, self.logs()))

    def logs(self, tail: int = 3000) -> str:
        text = []
        for path in self.log_paths():
            if os.path.exists(path):
                with open(path, errors='replace') as f:
                    text.append('--- {}\n{}'.format(path, f.read()[-tail:]))
        return '\n'.join(text)

    def run(self, *argv: str, check: bool = True,
            env: typing.Optional[typing.Dict[str, str]] = None,
            cwd: typing.Optional[str] = None) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), capture_output=True, text=True,
                              env=dict(self.env, **(env or {})),
                              check=check, timeout=60, cwd=cwd)

    def __exit__(self, *exc) -> None:
        for _name, proc, log in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
        self.procs = []
