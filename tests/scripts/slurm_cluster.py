"""A throwaway single-node Slurm (slurmctld + slurmd) for the job tests.

Debian's ``slurm-wlm``; ``AuthType=auth/none`` (no munged needed), config,
state, spool and logs in one temporary folder, both daemons in the
foreground (``-D``) as children of the test, ended when it finishes. Needs
root (slurmd starts jobs as their user). :class:`SlurmUnavailable` says why
a cluster could not be started, for ``pytest.skip``.
"""
import os
import socket
import time

from tests.scripts.local_scheduler import (LocalScheduler,
                                           SchedulerUnavailable, free_port)


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


class SlurmUnavailable(SchedulerUnavailable):
    """Slurm is not installed, or its daemons did not start (message)."""


class SlurmCluster(LocalScheduler):
    """``with SlurmCluster(folder) as cluster: cluster.sbatch(...)``."""

    NAME = 'Slurm'
    DAEMONS = ('slurmctld', 'slurmd')
    CLIENTS = ('sbatch', 'sinfo', 'scontrol', 'scancel')
    INSTALL = 'slurm-wlm'
    Unavailable = SlurmUnavailable

    def __init__(self, folder, cpus=None):
        self.conf = os.path.join(os.path.abspath(str(folder)), 'slurm.conf')
        super().__init__(folder, {'SLURM_CONF': self.conf})
        self.cpus = cpus or os.cpu_count() or 1

    def _bring_up(self):
        for sub in ('state', 'spool'):
            os.makedirs(os.path.join(self.folder, sub), exist_ok=True)
        with open(self.conf, 'w') as f:
            f.write(slurm_conf(self.folder, socket.gethostname().split(
                '.')[0], self.cpus))
        self.start('slurmctld', ['-D', '-i', '-f', self.conf])
        self.start('slurmd', ['-D', '-f', self.conf])
        self.wait_until(self._node_idle, 'the node')

    def _node_idle(self):
        out = self.run('sinfo', '-h', '-o', '%T', check=False).stdout
        return out.strip() in ('idle', 'mixed', 'allocated')

    def log_paths(self):
        return [os.path.join(self.folder, name + suffix)
                for name in self.DAEMONS for suffix in ('.log', '.out')]

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
