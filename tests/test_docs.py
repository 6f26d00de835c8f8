"""The documentation names only things that exist.

README.md, docs/*.md and docs/results/README.md are read as Markdown; what
they write as code (inline backticks, fenced and indented blocks) and
their relative links are checked against the checkout:

* a *repository path* is a word of code whose first part is one of the
  repository's folders (:data:`FOLDERS`: ``chainer_kfac/``, ``experiments/``,
  ``scripts/``, ``configs/``, ``docs/``, ``tests/``) or which is one of its
  top-level files (:data:`TOP_FILES`). It must exist. ``path:123`` and
  ``path::test`` name ``path``; ``{a,b}`` stands for both names. Anything
  else is not a repository path and is not checked: run outputs
  (``results/...``, ``OUT/...``), words with a placeholder (``$VAR``,
  ``<name>``, ``...``, an all-capitals part such as ``SUITE`` or ``DIR``,
  a one-letter capital as in ``seed_N`` or ``runN``) and globs (``*``,
  ``?``, ``[...]``);
* a relative link (``[text](target)``) must exist, read from the
  Markdown file's folder;
* ``python -m MODULE`` with MODULE in ``chainer_kfac`` or ``experiments``
  must name a module of the checkout;
* ``python -m experiments COMMAND`` (and ``chainer-kfac-study COMMAND``)
  must name a command of experiments/cli.py (the second word of ``bench``
  and ``gpu-check`` one of experiments/bench/cli.py or
  experiments/checks/cli.py), and ``make TARGET`` a target of the
  Makefile.

A failure lists every missing name with its file and line.
"""
import pathlib
import re
from collections.abc import Container, Iterator
from typing import NamedTuple

import pytest

from experiments.bench.cli import BENCHMARKS
from experiments.checks.cli import PARTS
from experiments.cli import COMMANDS

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = ('chainer_kfac', 'experiments', 'scripts', 'configs', 'docs',
           'tests')
TOP_FILES = ('Makefile', 'pyproject.toml', 'setup.py', 'README.md')
PACKAGES = ('chainer_kfac', 'experiments')

FENCE = re.compile(r'^ *(```|~~~)[^\n]*\n(.*?)^ *\1 *$', re.M | re.S)
INLINE = re.compile(r'(`+)(.+?)\1', re.S)
LINK = re.compile(r'\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
#: a word of code: what lies between separators (space , ; = ( ) ' " ` |),
#: a ``{a,b}`` group kept whole
WORD = re.compile(r'(?:\{[^{}\s]*\}|[^\s,;=()\'"`|{])+')
PLACEHOLDER = re.compile(r'[$<>*?\[\]]|\.\.\.')
CAPITALS = re.compile(r'^[A-Z][A-Z0-9_]*$')
#: a one-letter capital placeholder inside a name: ``seed_N``, ``runN``
LETTER = re.compile(r'(?:^|[_.-]|[a-z])[A-Z](?:$|[_.-])')
INDENTED = re.compile(r'^ {4,}\S')
BRACES = re.compile(r'\{([^{}]*)\}')
MODULE = re.compile(r'(?:^|\s)-m\s+([\w.]+)')
COMMAND = re.compile(
    r'(?:-m\s+experiments|chainer-kfac-study)\s+(-*[\w-]+)(?:\s+(-*[\w-]+))?')
#: the second word of the commands that take one, and where it is listed
SECOND_WORDS: dict[str, tuple[Container[str], str]] = {
    'bench': (BENCHMARKS, 'experiments/bench/cli.py'),
    'gpu-check': (PARTS, 'experiments/checks/cli.py')}
MAKE = re.compile(r'(?:^|[\s(`;&|])make\s+([^\s`]+)')


def documents() -> list[pathlib.Path]:
    """The Markdown files this test reads."""
    return [ROOT / 'README.md', *sorted((ROOT / 'docs').glob('*.md')),
            ROOT / 'docs' / 'results' / 'README.md']


class Code(NamedTuple):
    """A piece of a Markdown file's code (or prose), with its first
    line."""
    text: str
    line: int


def line_of(markdown: str, offset: int) -> int:
    return markdown.count('\n', 0, offset) + 1


def blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` turned to spaces (lines kept)."""
    return text[:start] + re.sub(r'[^\n]', ' ', text[start:end]) + text[end:]


def indented_blocks(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each indented code block: lines of 4 or more
    leading spaces after a blank line."""
    blocks: list[tuple[int, int]] = []
    offset, previous_blank, inside = 0, True, False
    for line in text.splitlines(keepends=True):
        code = INDENTED.match(line) is not None and (previous_blank or inside)
        if code and inside:
            blocks[-1] = (blocks[-1][0], offset + len(line))
        elif code:
            blocks.append((offset, offset + len(line)))
        inside = code or (inside and not line.strip())
        previous_blank = not line.strip()
        offset += len(line)
    return blocks


def split(markdown: str) -> tuple[list[Code], list[Code]]:
    """``(code, prose)``: the fenced and indented blocks and the inline
    spans, and the text between them (where the links are)."""
    code, rest = [], markdown
    for found in FENCE.finditer(markdown):
        code.append(Code(found.group(2), line_of(markdown, found.start(2))))
        rest = blank(rest, *found.span())
    for start, end in indented_blocks(rest):
        code.append(Code(rest[start:end], line_of(markdown, start)))
        rest = blank(rest, start, end)
    for found in INLINE.finditer(rest):
        code.append(Code(found.group(2), line_of(markdown, found.start())))
        rest = blank(rest, *found.span())
    return code, [Code(rest, 1)]


def expand(word: str) -> list[str]:
    """``a/{b,c}.py`` -> ``a/b.py``, ``a/c.py`` (one brace at a time)."""
    found = BRACES.search(word)
    if found is None:
        return [word]
    return [name for choice in found.group(1).split(',')
            for name in expand(word[:found.start()] + choice
                               + word[found.end():])]


def repository_path(word: str) -> str | None:
    """The repository path ``word`` names, or None when it names none
    (see the module docstring for the rule)."""
    word = word.split(':', 1)[0].rstrip('.,;')
    if not word or PLACEHOLDER.search(word):
        return None
    parts = word.rstrip('/').split('/')
    if any(CAPITALS.match(part) or LETTER.search(part) for part in parts) \
            and word not in TOP_FILES:
        return None
    if parts[0] in FOLDERS and len(parts) > 1 or word in TOP_FILES:
        return word
    return None


def module_exists(root: pathlib.Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split('.'))
    return path.with_suffix('.py').is_file() or \
        (path / '__init__.py').is_file()


def makefile_targets(root: pathlib.Path) -> set[str]:
    makefile = root / 'Makefile'
    if not makefile.exists():
        return set()
    rules = re.findall(r'^([\w.%-][\w.%\s-]*?)\s*:(?!=)', makefile.read_text(),
                       re.M)
    return {name for rule in rules for name in rule.split()}


#: what a check finds in a piece of code: (offset, name, what is wrong)
Finding = tuple[int, str, str]


def missing_paths(text: str, root: pathlib.Path) -> Iterator[Finding]:
    for word in WORD.finditer(text):
        for name in expand(word.group(0)):
            named = repository_path(name)
            if named is not None and not (root / named).exists():
                yield word.start(), named, 'no such path'


def missing_modules(text: str, root: pathlib.Path) -> Iterator[Finding]:
    for match in MODULE.finditer(text):
        module = match.group(1).rstrip('.')
        if module.split('.')[0] in PACKAGES and \
                not module_exists(root, module):
            yield match.start(1), module, 'no such module'


def is_name(word: str | None) -> bool:
    """A word that names something (not an option or a placeholder)."""
    return word is not None and not word.startswith('-') and \
        not CAPITALS.match(word)


def missing_commands(text: str, root: pathlib.Path) -> Iterator[Finding]:
    for match in COMMAND.finditer(text):
        command, second = match.group(1), match.group(2)
        if is_name(command) and command not in COMMANDS:
            yield (match.start(1), command,
                   'no such command in experiments/cli.py')
        elif command in SECOND_WORDS and is_name(second):
            known, where = SECOND_WORDS[command]
            if second not in known:
                yield (match.start(2), '{} {}'.format(command, second),
                       'not in {}'.format(where))


def missing_targets(text: str, root: pathlib.Path) -> Iterator[Finding]:
    targets = makefile_targets(root)
    for match in MAKE.finditer(text):
        target = match.group(1)
        if '=' not in target and not target.startswith('-') and \
                not CAPITALS.match(target) and target not in targets:
            yield match.start(1), 'make ' + target, 'no such Makefile target'


def broken_links(text: str, folder: pathlib.Path) -> Iterator[Finding]:
    for match in LINK.finditer(text):
        target = match.group(1).split('#', 1)[0]
        if target and not re.match(r'^[a-z]+:', target) and \
                not (folder / target).exists():
            yield match.start(1), target, 'broken link'


CODE_CHECKS = (missing_paths, missing_modules, missing_commands,
               missing_targets)


def missing_in(path: pathlib.Path, root: pathlib.Path = ROOT) -> list[str]:
    """``'FILE:LINE: NAME (what)'`` for every name in the Markdown file
    ``path`` that does not exist under ``root``, in line order."""
    code, prose = split(path.read_text())
    where = path.relative_to(root) if path.is_relative_to(root) else path
    found = [(piece, finding) for piece in code for check in CODE_CHECKS
             for finding in check(piece.text, root)]
    found += [(piece, finding) for piece in prose
              for finding in broken_links(piece.text, path.parent)]
    lines = sorted((piece.line + piece.text.count('\n', 0, offset),
                    name, what) for piece, (offset, name, what) in found)
    return ['{}:{}: {} ({})'.format(where, line, name, what)
            for line, name, what in lines]


def test_the_documents_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in documents()}
    assert {'README.md', 'docs/design.md',
            'docs/results/README.md'} <= names
    assert all(p.exists() for p in documents())


@pytest.mark.parametrize('document', documents(),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_name_in_the_documents_exists(document: pathlib.Path) -> None:
    missing = missing_in(document)
    assert not missing, 'named in the documentation but missing:\n' + \
        '\n'.join(missing)


PROBE = """# Probe

Read `chainer_kfac/optimizers/kfac.py:12` and `tests/test_docs.py::test_x`,
then `chainer_kfac/no_such_module.py` and `docs/gone.md`.
Not checked: `results/quick/report.md`, `OUT/SUITE/RUN`, `configs/SUITE/`,
`$REPO/scripts/x.sh`, `tests/*.py`, `docs/<name>.md`, `configs/...`.
Both of `chainer_kfac/{fisher,nowhere}/` are named.
A [link](nowhere.md), a [web page](https://example.org/x) and
[this file](probe.md#probe).

```sh
python -m experiments train --config configs/hpml2019/missing.yaml
python -m experiments no-such-command
python -m experiments bench no-such-benchmark --steps 3
python -m experiments bench WHICH && python -m experiments gpu-check stack
python -m experiments.nowhere.module --help
python -m pytest -q tests
make quick
make no-such-target DATA_DIR=DIR
```

An indented block:

    .venv/bin/python -m experiments report docs/results/nowhere
"""


def test_the_checker_lists_what_is_missing(tmp_path: pathlib.Path) -> None:
    probe = tmp_path / 'probe.md'
    probe.write_text(PROBE)
    missing = missing_in(probe)
    assert missing == [
        '{}:4: chainer_kfac/no_such_module.py (no such path)'.format(probe),
        '{}:4: docs/gone.md (no such path)'.format(probe),
        '{}:7: chainer_kfac/nowhere/ (no such path)'.format(probe),
        '{}:8: nowhere.md (broken link)'.format(probe),
        '{}:12: configs/hpml2019/missing.yaml (no such path)'.format(probe),
        '{}:13: no-such-command (no such command in experiments/cli.py)'
        .format(probe),
        '{}:14: bench no-such-benchmark (not in experiments/bench/cli.py)'
        .format(probe),
        '{}:16: experiments.nowhere.module (no such module)'.format(probe),
        '{}:19: make no-such-target (no such Makefile target)'.format(
            probe),
        '{}:24: docs/results/nowhere (no such path)'.format(probe)]


def test_a_path_is_a_repository_path_by_its_first_folder() -> None:
    assert repository_path('experiments/train/cli.py:12') == \
        'experiments/train/cli.py'
    assert repository_path('Makefile') == 'Makefile'
    assert repository_path('docs/results/README.md') == \
        'docs/results/README.md'
    assert repository_path('docs/results/README.md,') == \
        'docs/results/README.md'
    for word in ('results/quick', 'OUT/SUITE', 'DIR', 'tests/*.py',
                 'docs/results/x/seed_N/', 'docs/x_runN.json',
                 '$VENV/bin/python', 'configs/SUITE/_suite.yaml',
                 'docs/<x>.md', 'fisher/block.py', 'experiments'):
        assert repository_path(word) is None, word
    assert expand('a/{b,c}/{d,e}.py') == ['a/b/d.py', 'a/b/e.py',
                                          'a/c/d.py', 'a/c/e.py']
