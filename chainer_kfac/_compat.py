"""Compatibility layer: Chainer 7.8.1 on NumPy 2, Python 3.12 and CuPy 13/14.

Chainer's last release predates NumPy 2 and Python 3.12. Four places in it
break there, each only where the running stack needs it; nothing is patched
globally (``numpy`` itself is never given back removed aliases). Two kinds:

- *import-time* breakage (``chainer._environment_check``, ``as_strided``:
  module-level code fails): a meta-path finder rewrites those lines of the
  module's source while it is imported. If the module is already imported,
  it imported fine, so nothing is needed;
- *call-time* breakage (``resize_images``, ChainerMN's ``unpack_params``):
  the function is replaced in its module after the module is imported (now,
  if it already is), so ``import chainer`` may come before
  ``import chainer_kfac``.

``applied()`` lists the patches in effect, for logs and tests.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from importlib.machinery import ModuleSpec
from typing import (Any, Callable, Dict, Mapping, Optional, Sequence,
                    Tuple)

import numpy

#: A call-time fix: replaces functions in the imported (Chainer) module.
Fix = Callable[[Any], None]

_NUMPY2 = int(numpy.__version__.split('.')[0]) >= 2


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _numpy_float_alias_removed() -> bool:
    # NumPy >= 1.24 removed the ``numpy.float`` alias of the builtin float.
    return not isinstance(getattr(numpy, '__dict__', {}).get('float'), type)


# Import-time patches:
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
]


def _cupy_major() -> int:
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

    def __init__(self, fullname: str, path: str,
                 replacements: Sequence[Tuple[str, str]]) -> None:
        super().__init__(fullname, path)
        self._replacements = replacements

    def get_data(self, path: str) -> bytes:
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

    def get_code(self, fullname: str) -> types.CodeType:
        # Never use (or write) the cached bytecode of the unpatched source.
        source = self.get_data(self.get_filename(fullname))
        return compile(source, self.get_filename(fullname), 'exec',
                       dont_inherit=True)


class _AfterImportLoader(importlib.abc.Loader):
    """Runs a module's own loader, then replaces functions in it."""

    def __init__(self, loader: Any, fix: Fix) -> None:
        self._loader = loader
        self._fix = fix

    def create_module(self, spec: ModuleSpec) -> Optional[types.ModuleType]:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        self._fix(module)


class _PatchingFinder(importlib.abc.MetaPathFinder):

    def __init__(self, sources: Mapping[str, Sequence[Tuple[str, str]]],
                 fixes: Mapping[str, Fix]) -> None:
        self._sources = sources
        self._fixes = fixes

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None,
                  target: Optional[types.ModuleType] = None
                  ) -> Optional[ModuleSpec]:
        if fullname not in self._sources and fullname not in self._fixes:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin:
            return None
        if fullname in self._sources:
            spec.loader = _PatchingLoader(fullname, spec.origin,
                                          self._sources[fullname])
        else:
            spec.loader = _AfterImportLoader(spec.loader,
                                             self._fixes[fullname])
        return spec


# -- call-time patches: functions replaced after import --------------------
class _NumpyWithFloatAlias(types.ModuleType):
    """``numpy`` with the removed ``numpy.float`` (= builtin float), seen only
    by the one function given it as its global ``numpy``."""

    float = float

    def __getattr__(self, name: str) -> Any:
        return getattr(numpy, name)


def _fix_resize_images(module: Any) -> None:
    original = module.compute_indices_and_weights
    if getattr(original, '_chainer_kfac_compat', False):
        return
    fixed = types.FunctionType(
        original.__code__,
        dict(original.__globals__, numpy=_NumpyWithFloatAlias('numpy')),
        original.__name__, original.__defaults__, original.__closure__)
    # A marker on the function object: this one is the patched one.
    fixed._chainer_kfac_compat = True  # type: ignore[attr-defined]
    module.compute_indices_and_weights = fixed


def _unpack_params(params: Sequence[Any], attr_name: str, buffer: Any,
                   transfer_dtype: Any, zero_fill: bool,
                   stream: Any = None) -> None:
    """ChainerMN's ``unpack_params``, converting with ``astype(copy=False)``
    where it called ``xp.array(copy=False)`` (which raises under NumPy 2
    and CuPy 14 when a copy is needed)."""
    offset = 0
    itemsize = numpy.dtype(transfer_dtype).itemsize
    for param in params:
        v = getattr(param, attr_name)
        if attr_name == 'grad' and v is None and zero_fill:
            v = param.xp.empty_like(param.data)
            setattr(param, attr_name, v)
        own_dtype = v.dtype
        if own_dtype != transfer_dtype:
            v = v.astype(transfer_dtype, copy=False)
        buffer.to_device(v, v.size * itemsize, offset, stream)
        offset += v.size * itemsize
        if own_dtype != transfer_dtype:
            getattr(param, attr_name)[...] = v.astype(own_dtype)


# A marker on the function object, as in _fix_resize_images.
_unpack_params._chainer_kfac_compat = True  # type: ignore[attr-defined]


def _fix_memory_utility(module: Any) -> None:
    module.unpack_params = _unpack_params


# (module, reason, fix(module), needed?)
_CALL_PATCHES = [
    ('chainer.functions.array.resize_images',
     'the numpy.float alias was removed in NumPy 1.24',
     _fix_resize_images, _numpy_float_alias_removed),
    ('chainermn.communicators._memory_utility',
     'xp.array(copy=False) raises when a copy is needed under NumPy 2 '
     'and CuPy 14',
     _fix_memory_utility, lambda: _NUMPY2 or _cupy_major() >= 14),
]

#: {patched module: why}, and '__done__' once install() ran.
_installed: Dict[str, str] = {}


def install() -> None:
    """Install the patches this stack needs; idempotent. Works whether or
    not Chainer is already imported (see the module docstring)."""
    if _installed:
        return
    sources, fixes = {}, {}
    for name, reason, replacements, needed in _PATCHES:
        if needed() and name not in sys.modules:
            sources[name] = replacements
            _installed[name] = reason
    for name, reason, fix, needed in _CALL_PATCHES:
        if not needed():
            continue
        _installed[name] = reason
        if name in sys.modules:
            fix(sys.modules[name])
        else:
            fixes[name] = fix
    if sources or fixes:
        sys.meta_path.insert(0, _PatchingFinder(sources, fixes))
    _installed.setdefault('__done__', '')


def applied() -> Dict[str, str]:
    """Return ``{module: reason}`` for the patches in effect."""
    return {k: v for k, v in _installed.items() if k != '__done__'}
