"""A parameter's preconditioned gradient, its *kfgrad*.

For a Kronecker-factored layer ``kfgrad = G_d^-1 [grad W | grad b] A_d^-1``
(:mod:`chainer_kfac.fisher.kronecker`); for batch normalization
``F_d^-1 [grad gamma | grad beta]``. The optimizer's momentum step reads it in
place of ``grad`` (:class:`~chainer_kfac.optimizers.kfac_rule.KFACUpdateRule`).

It lives on the :class:`chainer.Parameter` as the attribute ``kfgrad`` from the
step that computes it until the next step clears it, so that ``param.kfgrad``
can be inspected after ``update()``. Chainer's Parameter does not declare that
attribute; this module does, and is the only code that reads, writes or clears
it. A parameter without one (a link K-FAC does not cover, a non-owner rank's
copy) is updated with its plain ``grad``.

Its dtype (:func:`dtype_for`) is float32 for a float16 parameter, else the
parameter's: a kfgrad carries the loss scale s like the gradient, and
``G^-1 M A^-1`` can leave float16's range where the gradient did not.
"""
import typing

import numpy

import chainer

#: The attribute of :class:`chainer.Parameter` that holds the kfgrad.
ATTRIBUTE = 'kfgrad'


def dtype_for(dtype: typing.Any) -> numpy.dtype:
    """The kfgrad dtype of a parameter of ``dtype`` (float16 -> float32)."""
    if numpy.dtype(dtype) == numpy.float16:
        return numpy.dtype(numpy.float32)
    return numpy.dtype(dtype)


def get(param: chainer.Parameter) -> typing.Any:
    """``param``'s kfgrad, or None where it has none this step."""
    return getattr(param, ATTRIBUTE, None)


def store(param: chainer.Parameter, values: typing.Any) -> None:
    """Give ``param`` a kfgrad: a copy of ``values`` (a view into a larger
    matrix is fine) in :func:`dtype_for` ``param.dtype``."""
    setattr(param, ATTRIBUTE,
            values.astype(dtype_for(param.dtype), copy=True))


def replace(param: chainer.Parameter, array: typing.Any) -> None:
    """Give ``param`` the kfgrad ``array`` itself (no copy): a buffer a
    transfer fills, or an array the caller just made. ``array`` must
    already have :func:`dtype_for` ``param.dtype``."""
    wanted = dtype_for(param.dtype)
    if array.dtype != wanted:
        raise TypeError(
            'kfgrad of parameter {!r}: got dtype {}, need {} (use '
            'kfgrad.store to convert)'.format(param.name, array.dtype, wanted))
    setattr(param, ATTRIBUTE, array)


def clear(param: chainer.Parameter) -> None:
    """Drop ``param``'s kfgrad (``param.kfgrad`` reads None): until a
    block stores a new one, its update uses ``grad``."""
    if get(param) is not None:
        setattr(param, ATTRIBUTE, None)
