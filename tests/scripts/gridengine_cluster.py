"""A throwaway single-node Son of Grid Engine cell for the job tests.

Debian's ``gridengine-master``, ``gridengine-exec`` and
``gridengine-client`` (8.1.9). The cell lives in a temporary folder: an
``SGE_ROOT`` whose ``bin``, ``lib``, ``utilbin`` and ``util`` point at the
package's, a Berkeley DB spool initialised the way the package's
``init_cluster`` does, free ports (``SGE_QMASTER_PORT``,
``SGE_EXECD_PORT``), and ``sge_qmaster`` and ``sge_execd`` in the
foreground (``SGE_ND``) as children of the test. The host gets a queue
``all.q`` of ``slots`` slots with ``/bin/bash`` as its shell, a parallel
environment ``kfac`` (a ``$PE_HOSTFILE`` for the job) and TSUBAME 4.0's
``node_f`` resource, so a job script's ``-l node_f=1`` is accepted.
Needs root (jobs run as root here, so ``min_uid`` is 0).
:class:`GridEngineUnavailable` says why a cell could not be started.
"""
import os
import socket
import time

from tests.scripts.local_scheduler import (LocalScheduler,
                                           SchedulerUnavailable, free_port)

PACKAGE_ROOT = '/var/lib/gridengine'
DEFAULTS = '/usr/share/gridengine'
LIBEXEC = '/usr/lib/gridengine'


class GridEngineUnavailable(SchedulerUnavailable):
    """Grid Engine is not installed, or its daemons did not start."""


def bootstrap(spool):
    return '\n'.join([
        '# Version: 8.1.9', 'admin_user root', 'default_domain none',
        'ignore_fqdn true', 'spooling_method berkeleydb',
        'spooling_lib libspoolb',
        'spooling_params {}/spooldb'.format(spool),
        'binary_path /usr/sbin',
        'qmaster_spool_dir {}/qmaster'.format(spool),
        'security_mode none', 'listener_threads 2', 'worker_threads 2',
        'scheduler_threads 1', ''])


def global_configuration(spool):
    """The package's default configuration, with this cell's execd spool,
    root allowed to run jobs and a fast load report."""
    with open(os.path.join(DEFAULTS, 'default-configuration')) as f:
        lines = f.read().splitlines()
    changes = {'execd_spool_dir': '{}/execd'.format(spool),
               'min_uid': '0', 'min_gid': '0', 'mailer': '/bin/true',
               'load_report_time': '00:00:02'}
    out = []
    for line in lines:
        key = line.split()[0] if line.strip() else ''
        out.append('{:<22} {}'.format(key, changes[key])
                   if key in changes else line)
    return '\n'.join(out) + '\n'


#: TSUBAME 4.0's whole-node resource type, consumed once per job (not per
#: slot)
#: (a line of ``qconf -sc``).
NODE_F = 'node_f node_f INT <= YES JOB 0 0\n'


def queue(host, slots):
    return '\n'.join([
        'qname all.q', 'hostlist {}'.format(host), 'seq_no 0',
        'load_thresholds NONE', 'suspend_thresholds NONE',
        'nsuspend 1', 'suspend_interval 00:05:00', 'priority 0',
        'min_cpu_interval 00:05:00', 'processors UNDEFINED',
        'qtype BATCH INTERACTIVE', 'ckpt_list NONE', 'pe_list kfac',
        'rerun FALSE', 'slots {}'.format(slots), 'tmpdir /tmp',
        'shell /bin/bash', 'prolog NONE', 'epilog NONE',
        'shell_start_mode unix_behavior', 'starter_method NONE',
        'suspend_method NONE', 'resume_method NONE',
        'terminate_method NONE', 'notify 00:00:60', 'owner_list NONE',
        'user_lists NONE', 'xuser_lists NONE', 'subordinate_list NONE',
        'complex_values NONE', 'projects NONE', 'xprojects NONE',
        'calendar NONE', 'initial_state default', 's_rt INFINITY',
        'h_rt INFINITY', 's_cpu INFINITY', 'h_cpu INFINITY',
        's_fsize INFINITY', 'h_fsize INFINITY', 's_data INFINITY',
        'h_data INFINITY', 's_stack INFINITY', 'h_stack INFINITY',
        's_core INFINITY', 'h_core INFINITY', 's_rss INFINITY',
        'h_rss INFINITY', 's_vmem INFINITY', 'h_vmem INFINITY', ''])


def parallel_environment(slots):
    return '\n'.join([
        'pe_name kfac', 'slots {}'.format(slots), 'user_lists NONE',
        'xuser_lists NONE', 'start_proc_args NONE',
        'stop_proc_args NONE', 'allocation_rule $fill_up',
        'control_slaves FALSE', 'job_is_first_task TRUE',
        'urgency_slots min', 'accounting_summary FALSE', 'qsort_args NONE',
        ''])


def exec_host(host):
    return 'hostname {}\nload_scaling NONE\ncomplex_values node_f=1\n' \
        'user_lists NONE\nxuser_lists NONE\nprojects NONE\n' \
        'xprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' \
        .format(host)


class GridEngineCell(LocalScheduler):
    """``with GridEngineCell(folder) as cell: cell.qsub(...)``."""

    NAME = 'Grid Engine'
    DAEMONS = ('sge_qmaster', 'sge_execd')
    CLIENTS = ('qsub', 'qstat', 'qconf', 'qdel')
    INSTALL = 'gridengine-master gridengine-exec gridengine-client'
    PATHS = (PACKAGE_ROOT,)
    Unavailable = GridEngineUnavailable

    def __init__(self, folder, slots=2):
        root = os.path.join(os.path.abspath(str(folder)), 'root')
        super().__init__(folder, {
            'SGE_ROOT': root, 'SGE_CELL': 'kfac',
            'SGE_QMASTER_PORT': str(free_port()),
            'SGE_EXECD_PORT': str(free_port()), 'SGE_ND': 'true'})
        self.slots = slots
        self.host = socket.gethostname()
        self.root = root
        self.spool = os.path.join(self.folder, 'spool')

    def _bring_up(self):
        try:
            socket.gethostbyname(self.host)
        except OSError:
            raise GridEngineUnavailable(
                'the host name {0!r} does not resolve: add "127.0.0.1 {0}" '
                'to /etc/hosts'.format(self.host)) from None
        self._make_cell()
        self.start('sge_qmaster')
        self.wait_until(lambda: self.run('qconf', '-sh', check=False
                                         ).returncode == 0, 'the qmaster')
        self._configure()
        self.start('sge_execd')
        self.wait_until(self._execd_up, 'the execution host')

    def _make_cell(self):
        common = os.path.join(self.root, 'kfac', 'common')
        os.makedirs(common)
        for name in ('bin', 'lib', 'utilbin', 'util'):
            os.symlink(os.path.join(PACKAGE_ROOT, name),
                       os.path.join(self.root, name))
        for sub in ('qmaster/job_scripts', 'spooldb', 'execd'):
            os.makedirs(os.path.join(self.spool, sub))
        files = {'bootstrap': bootstrap(self.spool),
                 'act_qmaster': self.host + '\n',
                 # The host name may resolve to a loopback address whose
                 # reverse lookup is "localhost" (containers, CI): one name.
                 'host_aliases': '{} localhost {}\n'.format(
                     self.host, socket.getfqdn()),
                 'configuration': global_configuration(self.spool)}
        for name, text in files.items():
            with open(os.path.join(common, name), 'w') as f:
                f.write(text)
        resources = os.path.join(DEFAULTS, 'util', 'resources')
        steps = [
            ['spoolinit', 'berkeleydb', 'libspoolb',
             os.path.join(self.spool, 'spooldb'), 'init'],
            ['spooldefaults', 'configuration',
             os.path.join(common, 'configuration')],
            ['spooldefaults', 'complexes', os.path.join(resources, 'centry')],
            ['spooldefaults', 'usersets', os.path.join(resources,
                                                       'usersets')],
            ['spooldefaults', 'managers', 'root']]
        for step in steps:
            self._checked([os.path.join(LIBEXEC, step[0])] + step[1:])

    def _configure(self):
        """Submit host, node_f, the PE, the exec host, the queue (the
        qmaster's host is an admin host already)."""
        self._checked(['qconf', '-as', self.host])
        complexes = self.run('qconf', '-sc').stdout
        for option, name, text in (
                ('-Mc', 'complexes', complexes + NODE_F),
                ('-Ap', 'kfac', parallel_environment(self.slots)),
                ('-Ae', 'host', exec_host(self.host)),
                ('-Aq', 'all.q', queue(self.host, self.slots))):
            path = os.path.join(self.folder, name + '.conf')
            with open(path, 'w') as f:
                f.write(text)
            self._checked(['qconf', option, path])

    def _execd_up(self):
        out = self.run('qstat', '-f', '-q', 'all.q', check=False).stdout
        line = next((w for w in out.splitlines()
                     if w.startswith('all.q@')), '')
        # A state column (au: alarm/unknown) follows the load when down.
        return line != '' and len(line.split()) == 5

    def _checked(self, argv):
        proc = self.run(*argv, check=False)
        if proc.returncode != 0:
            raise GridEngineUnavailable('{} failed ({}): {}{}\n{}'.format(
                ' '.join(argv), proc.returncode, proc.stdout, proc.stderr,
                self.logs()))

    def log_paths(self):
        return [os.path.join(self.folder, n + '.out') for n in self.DAEMONS
                ] + [os.path.join(self.spool, 'qmaster', 'messages'),
                     os.path.join(self.spool, 'execd', self.host,
                                  'messages')]

    def qsub(self, *argv, env=None, cwd=None):
        """Submit; return the job id."""
        return self.run('qsub', '-terse', *argv, env=env,
                        cwd=cwd).stdout.strip()

    def wait(self, job, timeout):
        """Wait until ``job`` left the queue; return ``qacct``'s exit
        status (None when accounting has no record)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.run('qstat', '-j', job, check=False).returncode != 0:
                return self._exit_status(job)
            time.sleep(1)
        self.run('qdel', job, check=False)
        raise TimeoutError('job {} still queued or running after {} s'
                           .format(job, timeout))

    def _exit_status(self, job):
        for _ in range(30):   # the accounting record follows the job
            out = self.run('qacct', '-j', job, check=False).stdout
            for line in out.splitlines():
                if line.startswith('exit_status'):
                    return int(line.split()[1])
            time.sleep(1)
        return None
