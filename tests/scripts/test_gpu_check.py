"""The GPU check's shell scripts (scripts/gpu_check.sh, gpu_check_steps.sh,
gpu_carry.sh) and the Makefile's recipes start the study's commands as
``python -m experiments COMMAND [PART]``: every such command exists, none
runs a Python file by its path, and the scripts parse. (The whole check is
rehearsed on the CPU by ``make gpu-rehearse``; its Python parts are tested
in tests/experiments/checks/.)"""
import os
import re
import subprocess
import sys

import pytest

from experiments import cli
from experiments.bench import cli as bench_cli
from experiments.checks import cli as checks_cli
from experiments.folders.repository import ROOT

SCRIPTS = ('scripts/gpu_check.sh', 'scripts/gpu_check_steps.sh',
           'scripts/gpu_carry.sh')
#: the Makefile's targets whose recipes start the study's commands
TARGETS = ('fashion-mnist', 'demo', 'bench', 'bench-comm', 'bench-resnet',
           'gpu-carry', 'gpu-check', 'gpu-rehearse', 'gpu-continue')
SECOND_WORD = {'bench': bench_cli.BENCHMARKS, 'gpu-check': checks_cli.PARTS}
COMMAND = re.compile(
    r'-m experiments ([a-z][-a-z0-9]*)(?: ([a-z][-a-z0-9]*))?')
#: a Python file run by its path (``python scripts/x.py``, ``$PY x/y.py``)
FILE_RUN = re.compile(r'(?:python3?|\$PY"?|\$\(BIN\)/python) +[\w./-]+\.py\b')


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def recipes():
    """{target: its recipe lines} of :data:`TARGETS` in the Makefile."""
    found, target = {}, None
    for line in read('Makefile').splitlines():
        head = re.match(r'^([a-z][-a-z0-9]*):', line)
        if head:
            target = head.group(1) if head.group(1) in TARGETS else None
            if target:
                found[target] = []
        elif target and line.startswith('\t'):
            found[target].append(line)
        elif not line.startswith((' ', '\t')):
            target = None
    return found


def texts():
    """(where, text) of each script and each recipe."""
    yield from ((path, read(path)) for path in SCRIPTS)
    yield from (('Makefile ' + t, '\n'.join(lines))
                for t, lines in recipes().items())


def commands():
    """{(command, second word or None): where} of every command named."""
    found = {}
    for where, text in texts():
        for match in COMMAND.finditer(text):
            command, word = match.groups()
            found.setdefault((command, word if command in SECOND_WORD
                              else None), where)
    return found


def test_every_target_has_its_recipe():
    assert set(recipes()) == set(TARGETS)


def test_every_command_named_exists():
    named = commands()
    assert {c for c, _ in named} >= {'train', 'suite', 'bench', 'gpu-check',
                                     'fetch-data', 'demo'}
    for (command, word), where in named.items():
        assert command in cli.COMMANDS, (where, command)
        if command in SECOND_WORD:
            assert word in SECOND_WORD[command], (where, command, word)
    assert {w for c, w in named if c == 'gpu-check'} == set(checks_cli.PARTS)


def test_no_python_file_is_run_by_its_path():
    for where, text in texts():
        assert not FILE_RUN.findall(text), where


@pytest.mark.parametrize('path', SCRIPTS)
def test_the_scripts_parse(path):
    subprocess.run(['bash', '-n', os.path.join(ROOT, path)], check=True)


def test_the_check_needs_an_output_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'OUT'}
    proc = subprocess.run(['bash', 'scripts/gpu_check.sh'], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'no output folder: $OUT is unset' in proc.stderr
    proc = subprocess.run(['bash', 'scripts/gpu_check.sh', '--bogus'],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith('usage: ')


@pytest.mark.parametrize('command', sorted(
    ' '.join(w for w in key if w) for key in commands()))
def test_each_command_starts_from_the_tree(command):
    """As on the GPU machine: the package from the repository's root
    (PYTHONPATH, no install), each command's own help."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run(
        [sys.executable, '-m', 'experiments'] + command.split()
        + ['--help'], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith('usage: ')
