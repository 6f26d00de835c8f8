"""experiments/cli.py: one command line for the study. ``--help`` lists
every command with one line; each command's module loads and its ``main``
takes its arguments (``COMMAND --help`` exits 0 with a usage that names
the command); an error of a command is one ``error:`` line and status 1."""
import subprocess
import sys

import pytest

from experiments import cli
from experiments.errors import StudyError, run


def test_help_lists_every_command_with_one_line():
    shown = subprocess.run([sys.executable, '-m', 'experiments', '--help'],
                           capture_output=True, text=True)
    assert shown.returncode == 0
    for name, command in cli.COMMANDS.items():
        line = next(text for text in shown.stdout.splitlines()
                    if text.strip().startswith(name + " "))
        assert command.help[:20] in line


@pytest.mark.parametrize('name', sorted(cli.COMMANDS))
def test_every_command_takes_its_arguments(name, capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main([name, '--help'])
    assert ended.value.code == 0
    assert 'usage:' in capsys.readouterr().out


def test_an_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main(['trian'])
    assert ended.value.code == 2
    assert 'trian' in capsys.readouterr().err


def test_a_study_error_is_one_line_and_status_1(capsys):
    def main(argv):
        raise StudyError('configs/x.yaml: key y: use z')
    assert run(main, []) == 1
    assert capsys.readouterr().err == 'error: configs/x.yaml: key y: use z\n'


def test_the_console_script_is_the_same_command_line():
    import tomllib
    with open(cli.__file__.rsplit('/experiments/', 1)[0] +
              '/pyproject.toml', 'rb') as f:
        scripts = tomllib.load(f)['project']['scripts']
    assert scripts == {'chainer-kfac-study': 'experiments.cli:main'}
