"""setup.py, the shim over pyproject.toml, gives an editable install with a
pip that predates PEP 660 (issue 36, item 5).

pip 21.1.3 (from the package index, into a throwaway venv) installs a copy
of the package's sources editable, console script included; the same copy
without setup.py is refused, so the shim is what makes it work. No
dependency is installed (``--no-deps``): the command line's ``--help``
needs none.
"""
import os
import shutil
import subprocess
import venv

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD_PIP = 'pip==21.1.3'
SOURCES = ('pyproject.toml', 'setup.py', 'README.md', 'chainer_kfac',
           'experiments')


def copy_sources(into, with_shim):
    for name in SOURCES:
        if name == 'setup.py' and not with_shim:
            continue
        source = os.path.join(ROOT, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(into, name),
                            ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copy(source, into)


def pip_install(env, *args):
    pip = os.path.join(env, 'bin', 'pip')
    return subprocess.run([pip, 'install', '-q', '--disable-pip-version-check'
                           ] + list(args), capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope='module')
def old_pip(tmp_path_factory):
    env = str(tmp_path_factory.mktemp('venv'))
    venv.create(env, with_pip=True)
    done = pip_install(env, OLD_PIP, 'setuptools>=64,<70', 'wheel')
    assert done.returncode == 0, done.stderr
    return env


@pytest.mark.slow
def test_an_old_pip_installs_the_package_editable_through_the_shim(
        old_pip, tmp_path):
    copy_sources(str(tmp_path), with_shim=True)
    done = pip_install(old_pip, '--no-deps', '--no-build-isolation', '-e',
                       str(tmp_path))
    assert done.returncode == 0, done.stderr
    script = os.path.join(old_pip, 'bin', 'chainer-kfac-study')
    shown = subprocess.run([script, '--help'], capture_output=True,
                           text=True, cwd=str(tmp_path.parent))
    assert shown.returncode == 0, shown.stderr
    assert 'tune' in shown.stdout or 'suite' in shown.stdout
    where = subprocess.run(
        [os.path.join(old_pip, 'bin', 'python'), '-c',
         'import experiments.cli; print(experiments.cli.__file__)'],
        capture_output=True, text=True, cwd='/')
    assert where.stdout.strip() == str(tmp_path / 'experiments' / 'cli.py')


@pytest.mark.slow
def test_without_the_shim_the_old_pip_refuses(old_pip, tmp_path):
    copy_sources(str(tmp_path), with_shim=False)
    done = pip_install(old_pip, '--no-deps', '--no-build-isolation', '-e',
                       str(tmp_path))
    assert done.returncode != 0
    assert 'setup.py' in done.stderr


def test_the_shim_declares_nothing_itself():
    # Everything lives in pyproject.toml: the shim only calls setup().
    with open(os.path.join(ROOT, 'setup.py')) as f:
        code = f.read()
    assert 'setup()' in code and 'setup(' not in code.replace('setup()', '')
