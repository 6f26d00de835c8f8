"""Load a user's checkout of the original Chainer_K-FAC for a CPU run.

The original (github tyohei/chainerkfac) imports ``cupy`` at module level
although its CPU path never calls it. :func:`load` imports it from a
checkout with a stand-in ``cupy`` module placed in ``sys.modules`` for the
duration of the import only (nothing in the checkout is edited; a real
CuPy, if installed, is put back afterwards). Any attribute of the stand-in
that the original *uses* raises, so a GPU-only path cannot run silently.

:func:`damping_kept_out_of_running_average` runs the original with its
``FisherBlock.update_invs`` damping a copy of the running averages instead
of the averages themselves (its in-place damping removed), which is what
the port does by default.
"""
import contextlib
import importlib
import os
import sys
import types
from collections.abc import Iterator
from typing import Any

import chainer_kfac  # noqa: F401  (the compatibility layer before chainer)
from experiments.errors import StudyError

CUPY_MODULES = ('cupy', 'cupy.cuda', 'cupy.cuda.cublas',
                'cupy.cuda.cusolver', 'cupy.cuda.device')


class NotACheckoutError(StudyError):
    """The path given is not a checkout of the original."""


class _Unavailable(types.ModuleType):
    """A module whose every attribute access raises (CPU-only stand-in)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith('__'):
            raise AttributeError(name)
        raise RuntimeError(
            'compare_original: the original used {}.{} -- a GPU path; this '
            'comparison runs on the CPU only'.format(self.__name__, name))


def stand_in_cupy() -> dict[str, types.ModuleType]:
    """Return ``{name: module}`` for :data:`CUPY_MODULES` (linked as
    package attributes, so ``from cupy.cuda import cublas`` works)."""
    modules: dict[str, types.ModuleType] = {
        name: _Unavailable(name) for name in CUPY_MODULES}
    for name, module in modules.items():
        parent, _, child = name.rpartition('.')
        if parent:
            # set through the type: __getattr__ is only a fallback
            object.__setattr__(modules[parent], child, module)
    return modules


@contextlib.contextmanager
def cupy_stand_in() -> Iterator[None]:
    """``sys.modules`` holds the stand-in ``cupy`` inside the block only."""
    saved = {name: sys.modules.get(name) for name in CUPY_MODULES}
    sys.modules.update(stand_in_cupy())
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def load(checkout: str) -> types.ModuleType:
    """Import the original's ``chainerkfac`` package from ``checkout`` (the
    repository root, holding ``chainerkfac/``) and return it."""
    package = os.path.join(checkout, 'chainerkfac', 'optimizers', 'kfac.py')
    if not os.path.isfile(package):
        raise NotACheckoutError(
            'compare_original: {} is not a checkout of tyohei/chainerkfac '
            '(no chainerkfac/optimizers/kfac.py); clone it and pass its '
            'root'.format(checkout))
    if 'chainerkfac' in sys.modules:
        return sys.modules['chainerkfac']
    sys.path.insert(0, os.path.abspath(checkout))
    try:
        with cupy_stand_in():
            return importlib.import_module('chainerkfac')
    finally:
        sys.path.remove(os.path.abspath(checkout))


@contextlib.contextmanager
def damping_kept_out_of_running_average(original: types.ModuleType
                                        ) -> Iterator[None]:
    """Within the block the original damps a copy of its running averages
    (``cov_emas``) when inverting, as the port does by default."""
    # the user's checkout, importable only after load(): no stubs to find
    from chainerkfac.optimizers import fisher_block  # type: ignore[import-not-found]  # NOQA: E501
    in_place = fisher_block.FisherBlock.update_invs

    def update_invs_on_copies(self: Any) -> None:
        kept = self.cov_emas
        self.cov_emas = [c.copy() for c in kept]
        try:
            in_place(self)
        finally:
            self.cov_emas = kept

    fisher_block.FisherBlock.update_invs = update_invs_on_copies
    try:
        yield
    finally:
        fisher_block.FisherBlock.update_invs = in_place
