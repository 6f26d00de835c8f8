"""Short modules and functions (issue 20, item 5): no function or method in
chainer_kfac/ or experiments/ longer than 50 lines, no file longer than 300.

A function's length is counted from its ``def`` line (decorators not
included) to its last line, docstring and comments included, as a reader
sees it; a nested function counts in its parent too. Split a function that
fails (one home per step), or a file (one module per idea).
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ('chainer_kfac', 'experiments')
MAX_FUNCTION_LINES = 50
MAX_FILE_LINES = 300


def sources():
    return sorted(p for package in PACKAGES
                  for p in (ROOT / package).rglob('*.py'))


def long_functions(path, limit=MAX_FUNCTION_LINES):
    """(qualified name, lines) of every function in ``path`` over
    ``limit`` lines."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef)):
                name = prefix + child.name + '.'
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = child.end_lineno - child.lineno + 1
                if lines > limit:
                    found.append((prefix + child.name, lines))
            visit(child, name)

    visit(ast.parse(path.read_text(), str(path)), '')
    return found


def test_the_sources_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in sources()}
    assert 'chainer_kfac/optimizers/kfac.py' in names
    assert 'experiments/train/cli.py' in names


def test_long_functions_are_found(tmp_path):
    # The check itself: a 51-line method fails, a 50-line function passes.
    body = ''.join('    x = {}\n'.format(i) for i in range(49))
    probe = tmp_path / 'probe.py'
    probe.write_text('def f():\n' + body + '\n\nclass C:\n'
                     '    def g(self):\n' + '    ' + body.replace(
                         '\n    ', '\n        ') + '        y = 1\n')
    assert long_functions(probe) == [('C.g', 51)]


@pytest.mark.parametrize('path', sources(),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_function_over_50_lines(path):
    found = long_functions(path)
    assert not found, '{}: {} over {} lines: split them'.format(
        path.relative_to(ROOT), ', '.join(
            '{} ({} lines)'.format(n, k) for n, k in found),
        MAX_FUNCTION_LINES)


@pytest.mark.parametrize('path', sources(),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_file_over_300_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_FILE_LINES, (
        '{}: {} lines, over {}: split the module'.format(
            path.relative_to(ROOT), lines, MAX_FILE_LINES))
