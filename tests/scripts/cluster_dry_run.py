"""Read a job script's directives, and run its body outside a scheduler.

:func:`directives` returns the scheduler options of ``#PBS``, ``#$`` or
``#SBATCH`` lines as ``{option: [values]}``. :func:`dry_run` runs the script
with bash and the variables a scheduler would set, where ``mpirun`` is a
recorder on PATH (the site's), ``module`` a logger and the venv a stand-in
whose ``python`` is this one (a symlink with its own ``pyvenv.cfg``, so
that launch.py sees the stand-in as this environment) and whose ``mpirun``
(a PyPI Open MPI's) refuses to run; it returns what ``mpirun`` was asked to
run.
"""
import json
import os
import shutil
import shlex
import subprocess
import sys

PREFIXES = ('#PBS', '#$', '#SBATCH')

RECORDER = """#!{python}
import json, os, sys
argv = sys.argv[1:]
hostfile = argv[argv.index('--hostfile') + 1] if '--hostfile' in argv \\
    else None
with open(os.environ['MPIRUN_RECORD'], 'a') as f:
    f.write(json.dumps({{'prog': sys.argv[0], 'argv': argv,
                        'cwd': os.getcwd(),
                        'hosts': open(hostfile).read().split('\\n')
                        if hostfile else None}}) + '\\n')
"""


def directives(path):
    """``{option: [value, ...]}`` of the directive lines before the first
    command (schedulers ignore later ones); ``-l a=1,b=2`` keeps its
    value whole."""
    found = {}
    with open(path) as f:
        for line in f:
            stripped = line.strip()
            if stripped and not stripped.startswith('#'):
                break
            prefix = next((p for p in PREFIXES
                           if stripped.startswith(p + ' ')), None)
            if prefix is None:
                continue
            words = shlex.split(stripped[len(prefix):])
            option = words[0].split('=', 1)
            value = option[1] if len(option) == 2 else ' '.join(words[1:])
            found.setdefault(option[0], []).append(value)
    return found


WHEEL_MPIRUN = """#!/bin/sh
echo "the venv's mpirun (PyPI Open MPI) was used in a job" >&2
exit 99
"""


def fake_venv(venv):
    """``venv/bin/python``: this Python under the venv's own name."""
    (venv / 'bin').mkdir(parents=True)
    os.symlink(sys.executable, str(venv / 'bin' / 'python'))
    if sys.prefix != sys.base_prefix:       # this Python is a venv's
        shutil.copy(os.path.join(sys.prefix, 'pyvenv.cfg'),
                    str(venv / 'pyvenv.cfg'))
        os.symlink(os.path.join(sys.prefix, 'lib'), str(venv / 'lib'))
    else:
        (venv / 'pyvenv.cfg').write_text(
            'home = {}\ninclude-system-site-packages = true\n'.format(
                os.path.dirname(os.path.realpath(sys.executable))))
    (venv / 'bin' / 'activate').write_text(
        'export VIRTUAL_ENV={0}\nexport PATH={0}/bin:$PATH\n'.format(venv))
    (venv / 'bin' / 'mpirun').write_text(WHEEL_MPIRUN)
    (venv / 'bin' / 'mpirun').chmod(0o755)


def fake_environment(tmp):
    """Recorder ``mpirun``, module init and venv stand-ins under ``tmp``."""
    bin_dir = tmp / 'bin'
    bin_dir.mkdir()
    fake_venv(tmp / 'venv')
    for name in ('mpirun', 'srun'):
        (bin_dir / name).write_text(RECORDER.format(python=sys.executable))
        (bin_dir / name).chmod(0o755)
    (tmp / 'modules.sh').write_text(
        'module() {{ echo "module $*" >> {}; }}\n'.format(
            tmp / 'modules.log'))
    return {'PATH': str(bin_dir) + os.pathsep + os.environ['PATH'],
            'VENV': str(tmp / 'venv'),
            'MODULES_INIT': str(tmp / 'modules.sh'),
            'MPIRUN_RECORD': str(tmp / 'mpirun.jsonl'), 'TMPDIR': str(tmp)}


def dry_run(script, tmp, scheduler_env, cwd, timeout=300):
    """Run ``script``; return ``(records, modules_log, output)``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('PBS_', 'SLURM_', 'PE_', 'OMPI_', 'SGE_'))
           and k not in ('JOB_ID', 'VIRTUAL_ENV')}
    env.pop('MPIEXEC', None)
    env.update(fake_environment(tmp))
    env.update(scheduler_env)
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    env['PYTHONPATH'] = root + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.run(['bash', str(script)], capture_output=True,
                          text=True, env=env, cwd=str(cwd), timeout=timeout)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError('{} failed ({}):\n{}'.format(
            script, proc.returncode, output[-4000:]))
    record = tmp / 'mpirun.jsonl'
    records = [json.loads(line) for line in record.read_text().splitlines()
               ] if record.exists() else []
    log = tmp / 'modules.log'
    return records, log.read_text() if log.exists() else '', output
