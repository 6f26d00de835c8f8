"""Imports run only downward (issue 36, item 4), read with ``ast``.

The study package's sub-packages stand in layers (experiments/__init__.py):
a module may import its own sub-package or one on a lower layer, never one
on its own layer or above; nothing in ``chainer_kfac`` imports
``experiments``. Imports inside functions count too (the command line's
lazy imports are the top layer's).
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: layer of each part of experiments/ (a sub-package or a top module)
LAYERS = {
    'errors': 0, 'folders': 1, 'commands': 1,
    'data': 2, 'analysis': 2,
    'train': 3,
    'sharpness': 4, 'bench': 4,
    'suite': 5,
    'checks': 6, 'tune': 6,
    'cli': 7, '__main__': 8, '__init__': 8,
}


def imported_modules(path):
    """(line, dotted name) of every absolute import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found += [(node.lineno, '{}.{}'.format(node.module, alias.name))
                      for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError('{}:{}: relative import; write it '
                                 'absolute'.format(path, node.lineno))
    return found


def part_of(dotted):
    """The part of experiments/ a dotted name lies in, or None."""
    names = dotted.split('.')
    if names[0] != 'experiments' or len(names) < 2:
        return None
    return names[1]


def upward_imports(root=ROOT):
    """'file:line imports X (layer a -> b)' for every import that is not
    strictly downward (or within the same part)."""
    bad = []
    for path in sorted((root / 'experiments').rglob('*.py')):
        relative = path.relative_to(root / 'experiments')
        own = relative.parts[0].removesuffix('.py')
        for line, dotted in imported_modules(path):
            other = part_of(dotted)
            if other is None or other == own:
                continue
            if other not in LAYERS or LAYERS[other] >= LAYERS[own]:
                bad.append('{}:{} imports {} (layer {} -> {})'.format(
                    path.relative_to(root), line, dotted, LAYERS[own],
                    LAYERS.get(other, '?')))
    return bad


def test_the_study_package_imports_only_downward():
    bad = upward_imports()
    assert not bad, (
        'imports that run up or sideways (experiments/__init__.py lists the '
        'layers; move the shared code down into the lower part, or the '
        'caller up):\n  ' + '\n  '.join(bad))


def test_every_part_has_a_layer():
    parts = {p.name.removesuffix('.py')
             for p in (ROOT / 'experiments').iterdir()
             if p.suffix == '.py' or (p / '__init__.py').exists()}
    assert parts <= set(LAYERS), sorted(parts - set(LAYERS))


def test_the_library_never_imports_the_study_package():
    bad = ['{}:{}'.format(path.relative_to(ROOT), line)
           for path in sorted((ROOT / 'chainer_kfac').rglob('*.py'))
           for line, dotted in imported_modules(path)
           if dotted.split('.')[0] == 'experiments']
    assert not bad, bad


def test_an_upward_import_is_caught(tmp_path):
    (tmp_path / 'experiments' / 'analysis').mkdir(parents=True)
    (tmp_path / 'experiments' / 'train').mkdir()
    (tmp_path / 'experiments' / 'analysis' / 'probe.py').write_text(
        'def f():\n    from experiments.train import config\n')
    (tmp_path / 'experiments' / 'train' / 'ok.py').write_text(
        'from experiments.analysis import stats\n'
        'from experiments.train import config\n')
    assert upward_imports(tmp_path) == [
        'experiments/analysis/probe.py:2 imports experiments.train.config '
        '(layer 2 -> 3)']


def test_a_sideways_import_is_caught(tmp_path):
    (tmp_path / 'experiments' / 'data').mkdir(parents=True)
    (tmp_path / 'experiments' / 'data' / 'probe.py').write_text(
        'import experiments.analysis.stats\n')
    assert len(upward_imports(tmp_path)) == 1
