"""A throwaway single-node Slurm (slurmctld + slurmd) for the job tests.

Debian's ``slurm-wlm``; ``AuthType=auth/none`` (no munged needed), config,
state, spool and logs in one temporary folder, both daemons in the
foreground (``-D``) as children of the test, ended when it finishes. Needs
root (slurmd starts jobs as their user). :class:`SlurmUnavailable` says why
a cluster could not be started, for ``pytest.skip``.
"""
import os
import shutil
import socket
import subprocess
import time

DAEMONS = ('slurmctld', 'slurmd')
CLIENTS = ('sbatch', 'sinfo', 'scontrol', 'scancel')


class SlurmUnavailable(RuntimeError):
    """Slurm is not installed, or its daemons did not start (message)."""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def slurm_conf(folder, host, cpus):
    """The text of a minimal slurm.conf for one node with ``cpus`` CPUs."""
    return '\n'.join([
        'ClusterName=kfactest',
        'SlurmctldHost={}'.format(host),
        'AuthType=auth/none', 'CredType=cred/none',
        'SlurmUser=root', 'SlurmdUser=root',
        'SlurmctldPort={}'.format(free_port()),
        'SlurmdPort={}'.format(free_port()),
        'StateSaveLocation={}/state'.format(folder),
        'SlurmdSpoolDir={}/spool'.format(folder),
        'SlurmctldPidFile={}/slurmctld.pid'.format(folder),
        'SlurmdPidFile={}/slurmd.pid'.format(folder),
        'SlurmctldLogFile={}/slurmctld.log'.format(folder),
        'SlurmdLogFile={}/slurmd.log'.format(folder),
        'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'SelectType=select/cons_tres', 'SelectTypeParameters=CR_CPU',
        'MpiDefault=none', 'ReturnToService=2', 'SlurmdTimeout=60',
        'NodeName={} CPUs={} State=UNKNOWN'.format(host, cpus),
        'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE '
        'State=UP OverSubscribe=YES', ''])


class SlurmCluster:
    """``with SlurmCluster(folder) as cluster: cluster.sbatch(...)``."""

    def __init__(self, folder, cpus=None):
        self.folder = str(folder)
        self.cpus = cpus or os.cpu_count() or 1
        self.procs = []
        self.conf = os.path.join(self.folder, 'slurm.conf')
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def __enter__(self):
        missing = [p for p in DAEMONS + CLIENTS if shutil.which(p) is None]
        if missing:
            raise SlurmUnavailable(
                'Slurm is not installed (missing {}): apt-get install '
                'slurm-wlm'.format(', '.join(missing)))
        if os.geteuid() != 0:
            raise SlurmUnavailable('slurmd must run as root to start jobs')
        for sub in ('state', 'spool'):
            os.makedirs(os.path.join(self.folder, sub), exist_ok=True)
        with open(self.conf, 'w') as f:
            f.write(slurm_conf(self.folder, socket.gethostname().split(
                '.')[0], self.cpus))
        try:
            self._start('slurmctld', ['-D', '-i', '-f', self.conf])
            self._start('slurmd', ['-D', '-f', self.conf])
            self._wait_idle(timeout=60)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self, name, args):
        log = open(os.path.join(self.folder, name + '.out'), 'w')
        self.procs.append((name, subprocess.Popen(
            [shutil.which(name)] + args, stdout=log,
            stderr=subprocess.STDOUT, env=self.env), log))

    def _wait_idle(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for name, proc, _ in self.procs:
                if proc.poll() is not None:
                    raise SlurmUnavailable('{} exited ({}): {}'.format(
                        name, proc.returncode, self.logs()))
            out = self.run('sinfo', '-h', '-o', '%T', check=False).stdout
            if out.strip() in ('idle', 'mixed', 'allocated'):
                return
            time.sleep(0.5)
        raise SlurmUnavailable('the node did not become idle in {} s: '
                               '{}'.format(timeout, self.logs()))

    def logs(self, tail=3000):
        text = []
        for name in DAEMONS:
            for suffix in ('.log', '.out'):
                path = os.path.join(self.folder, name + suffix)
                if os.path.exists(path):
                    with open(path, errors='replace') as f:
                        text.append('--- {}\n{}'.format(
                            path, f.read()[-tail:]))
        return '\n'.join(text)

    def run(self, *argv, check=True, env=None):
        return subprocess.run(list(argv), capture_output=True, text=True,
                              env=dict(self.env, **(env or {})),
                              check=check, timeout=60)

    def sbatch(self, *argv, env=None):
        """Submit; return the job id."""
        out = self.run('sbatch', '--parsable', *argv, env=env).stdout
        return out.strip().split(';')[0]

    def wait(self, job, timeout):
        """Wait until ``job`` left the queue; return its final state."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = self.run('scontrol', '-o', 'show', 'job', job,
                           check=False).stdout
            state = next((w.split('=', 1)[1] for w in out.split()
                          if w.startswith('JobState=')), None)
            if state not in (None, 'PENDING', 'RUNNING', 'CONFIGURING',
                             'COMPLETING'):
                return state
            time.sleep(1)
        self.run('scancel', job, check=False)
        raise TimeoutError('job {} still running after {} s'.format(
            job, timeout))

    def __exit__(self, *exc):
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
