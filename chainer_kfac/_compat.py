"""Compatibility layer: Chainer 7.8.1 on NumPy 2, Python 3.12 and CuPy 13/14.

Chainer's last release predates NumPy 2 and Python 3.12. Four places in it
break there; each is answered below by a *source patch* applied while the
module is imported (a meta-path finder rewrites one line of that module's
source), and only when the running stack actually needs it. Nothing is
patched globally: ``numpy`` itself is never given back removed aliases.

This module must be imported before Chainer; ``chainer_kfac/__init__.py``
does so. Importing it after Chainer is too late for the patches that act at
import time, so :func:`install` raises in that case unless every needed
patch is already in effect.

``applied()`` lists the patches that were installed, for logs and tests.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys

import numpy

_NUMPY2 = int(numpy.__version__.split('.')[0]) >= 2


def _has_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _numpy_float_alias_removed():
    # NumPy >= 1.24 removed the ``numpy.float`` alias of the builtin float.
    return not isinstance(getattr(numpy, '__dict__', {}).get('float'), type)


# (module, reason, [(old source text, new source text), ...], needed?)
_PATCHES = [
    (
        'chainer._environment_check',
        'numpy.distutils is gone in NumPy 2 and on Python 3.12; '
        'pkg_resources is gone without setuptools',
        [
            ('import numpy.distutils.system_info\n',
             'try:\n'
             '    import numpy.distutils.system_info\n'
             'except ImportError:  # chainer_kfac._compat: NumPy 2 / Py3.12\n'
             '    pass\n'),
            ('import pkg_resources\n',
             'try:\n'
             '    import pkg_resources\n'
             'except ImportError:  # chainer_kfac._compat: no setuptools\n'
             '    pkg_resources = None\n'),
            # The macOS BLAS check reads numpy.distutils; skip it without.
            ("    blas_opt_info = numpy.distutils.system_info.get_info("
             "'blas_opt')\n",
             "    if not hasattr(numpy, 'distutils'):\n"
             "        return\n"
             "    blas_opt_info = numpy.distutils.system_info.get_info("
             "'blas_opt')\n"),
            ('    _check_optional_dependencies()\n',
             '    if pkg_resources is not None:\n'
             '        _check_optional_dependencies()\n'),
        ],
        lambda: (not _has_module('numpy.distutils')
                 or not _has_module('pkg_resources')),
    ),
    (
        'chainer.functions.array.as_strided',
        'np.sctypes was removed in NumPy 2',
        [
            ("{t().itemsize: t for t in np.sctypes['int']}",
             "{t().itemsize: t for t in "
             "(np.int8, np.int16, np.int32, np.int64)}"),
            ("if gy.dtype not in np.sctypes['float']:",
             "if gy.dtype not in "
             "(np.float16, np.float32, np.float64, np.longdouble):"),
        ],
        lambda: not hasattr(numpy, 'sctypes'),
    ),
    (
        'chainer.functions.array.resize_images',
        'the numpy.float alias was removed in NumPy 1.24',
        [('dtype=numpy.float)', 'dtype=numpy.float64)')],
        _numpy_float_alias_removed,
    ),
    (
        'chainermn.communicators._memory_utility',
        'xp.array(copy=False) raises when a copy is needed under NumPy 2 '
        'and CuPy 14',
        [('v = xp.array(v, copy=False, dtype=transfer_dtype)',
          'v = v.astype(transfer_dtype, copy=False)')],
        lambda: _NUMPY2 or _cupy_major() >= 14,
    ),
]


def _cupy_major():
    # Read the installed CuPy's version without importing CuPy (importing it
    # initialises CUDA, which a CPU-only run must not do).
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover
        return 0
    for dist in ('cupy', 'cupy-cuda12x', 'cupy-cuda13x', 'cupy-cuda11x'):
        try:
            return int(metadata.version(dist).split('.')[0])
        except Exception:
            continue
    return 0


class _PatchingLoader(importlib.machinery.SourceFileLoader):
    """Loads a module's source with fixed text replacements applied."""

    def __init__(self, fullname, path, replacements):
        super().__init__(fullname, path)
        self._replacements = replacements

    def get_data(self, path):
        data = super().get_data(path)
        if not path.endswith('.py'):
            return data
        source = data.decode('utf-8')
        for old, new in self._replacements:
            if old not in source:
                raise ImportError(
                    'chainer_kfac._compat: expected text {!r} not found in '
                    '{}; this layer targets Chainer 7.8.1 (pip install '
                    'chainer==7.8.1)'.format(old, path))
            source = source.replace(old, new)
        return source.encode('utf-8')

    def get_code(self, fullname):
        # Never use (or write) the cached bytecode of the unpatched source.
        source = self.get_data(self.get_filename(fullname))
        return compile(source, self.get_filename(fullname), 'exec',
                       dont_inherit=True)


class _PatchingFinder(importlib.abc.MetaPathFinder):

    def __init__(self, patches):
        self._patches = patches

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._patches:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin:
            return None
        spec.loader = _PatchingLoader(fullname, spec.origin,
                                      self._patches[fullname])
        return spec


_installed = {}


def install():
    """Install the patches this stack needs; idempotent."""
    if _installed:
        return
    needed = {name: repl for name, _, repl, need in _PATCHES if need()}
    late = [name for name in needed if name in sys.modules]
    if late:
        raise ImportError(
            'chainer_kfac must be imported before {} so that its '
            'compatibility patches apply; put `import chainer_kfac` before '
            '`import chainer`'.format(', '.join(late)))
    if needed:
        sys.meta_path.insert(0, _PatchingFinder(needed))
    _installed.update({name: reason for name, reason, _, _ in _PATCHES
                       if name in needed})
    _installed.setdefault('__done__', '')


def applied():
    """Return ``{module: reason}`` for the patches in effect."""
    return {k: v for k, v in _installed.items() if k != '__done__'}
