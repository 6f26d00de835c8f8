"""A Kronecker factor's running average and its damped inverse.

A :class:`Factor` is one running average F of a layer's statistics (A or G
of a Kronecker pair, BatchNorm's F) with the damped inverse last computed
from it. Running average, in Chainer_K-FAC's convention (the reverse of
most K-FAC libraries, where the decay multiplies the *old* value)::

    F <- r * F_cur + (1 - r) * F,   r = cov_ema_decay

so the default ``r = 0.99`` keeps 99% of the *current* statistics; the
first update takes F_cur as it is. Inverting adds a shift Lambda (a scalar
or one value per diagonal entry, from :mod:`..preconditioning.damping`) to
a copy of F's diagonal and inverts F_d = F + Lambda in its form
(:mod:`..preconditioning.damped_inverse`). One subclass per way a factor is
held:

- :class:`DenseFactor`: a symmetric d x d matrix; F_d^-1 a
  :class:`CholeskyInverse` on the CPU with ``use_cholesky``, else an
  :class:`ExplicitInverse`;
- :class:`DiagonalFactor` (``diagonalize``): the 1-D array of F's diagonal;
- :class:`UnitWiseFactor` (BatchNorm, ``bn_fisher='unit_wise'``): (C, k, k),
  one block per channel, Lambda added to each block's diagonal.

A snapshot holds F under ``<F>``, F_d^-1 under ``<F>_inv`` and
``<F>_inv_cholesky`` (:class:`~..preconditioning.damped_inverse.
InverseState`). Snapshots written before ``<F>_inv_cholesky`` existed load
with the explicit inverse.
"""
import abc
import typing

import numpy

import chainer
from chainer import backend

from chainer_kfac.preconditioning.damped_inverse import Array
from chainer_kfac.preconditioning.damped_inverse import CholeskyInverse
from chainer_kfac.preconditioning.damped_inverse import DampedInverse
from chainer_kfac.preconditioning.damped_inverse import DiagonalInverse
from chainer_kfac.preconditioning.damped_inverse import ExplicitInverse
from chainer_kfac.preconditioning.damped_inverse import InverseState
from chainer_kfac.preconditioning.damped_inverse import UnitWiseInverse

#: A scalar, or one value per diagonal entry (per block row: unit-wise).
Shift = typing.Union[float, typing.Sequence[float], Array]

#: Moves a loaded array to the layer's device.
Send = typing.Callable[[Array], Array]


class Factor(abc.ABC):
    """A running average F and its damped inverse.

    Attributes:
        value: F (None before the first statistics).
        inverse: The damped inverse last computed (None before).
    """

    #: F travels between ranks as its upper triangle.
    symmetric: typing.ClassVar[bool] = False

    def __init__(self, value: Array = None) -> None:
        self.value = value
        self.inverse: typing.Optional[DampedInverse] = None

    @staticmethod
    @abc.abstractmethod
    def inversion_cost(shape: typing.Sequence[int]) -> float:
        """Flop-proportional cost of inverting a factor of ``shape``."""

    @abc.abstractmethod
    def damped(self, shift: Shift) -> Array:
        """F + Lambda as a new array (F is not modified)."""

    @abc.abstractmethod
    def inverse_of(self, damped: Array, use_cholesky: bool = True
                   ) -> DampedInverse:
        """The inverse of ``damped`` (F + Lambda) in this factor's form.

        Raises:
            NotPositiveDefiniteError: ``damped`` cannot be inverted.
        """

    @abc.abstractmethod
    def restore_inverse(self, state: InverseState) -> DampedInverse:
        """The inverse a snapshot's ``state`` holds."""

    @abc.abstractmethod
    def mean_diagonal(self) -> float:
        """``tr F / dim F`` (for pi)."""

    @abc.abstractmethod
    def as_operator(self) -> DampedInverse:
        """F itself (undamped) as an operator in this factor's form: its
        ``left``/``right`` multiply by F (the curvature form of adaptive
        damping)."""

    def update(self, current: Array, decay: float) -> None:
        """``F <- r * current + (1 - r) * F`` (first: a copy of current)."""
        if self.value is None:
            self.value = current.copy()
            return
        ema = self.value
        ema *= ema.dtype.type(1 - decay)
        ema += ema.dtype.type(decay) * current

    def invert(self, shift: Shift, use_cholesky: bool = True
               ) -> DampedInverse:
        """``(F + Lambda)^-1``, not kept (see :attr:`inverse`)."""
        return self.inverse_of(self.damped(shift), use_cholesky)

    def serialize(self, serializer: typing.Any, name: str,
                  send: Send) -> None:
        """F, F_d^-1 and its Cholesky factor under ``name``, ``name_inv``,
        ``name_inv_cholesky``."""
        self.value = serialize_array(serializer, name, self.value, send)
        if not isinstance(serializer, chainer.serializer.Deserializer):
            held = self.inverse
            state = InverseState(None, None) if held is None else held.state()
            serializer(name + '_inv', state.inverse)
            serializer(name + '_inv_cholesky', state.cholesky_upper)
            return
        inverse = serialize_array(serializer, name + '_inv', None, send)
        try:
            upper = serialize_array(serializer, name + '_inv_cholesky', None,
                                    send)
        except KeyError:
            upper = None  # a snapshot written before the Cholesky keys
        self.inverse = None if inverse is None else self.restore_inverse(
            InverseState(inverse, numpy.zeros(0) if upper is None else upper))


class DenseFactor(Factor):
    """A symmetric matrix factor."""

    symmetric = True

    @staticmethod
    def inversion_cost(shape: typing.Sequence[int]) -> float:
        return float(shape[0] ** 3)

    def damped(self, shift: Shift) -> Array:
        factor = self.value
        xp = backend.get_array_module(factor)
        out = factor.copy()
        n = factor.shape[0]
        out.reshape(-1)[::n + 1] += xp.asarray(shift, dtype=factor.dtype)
        return out

    def inverse_of(self, damped: Array, use_cholesky: bool = True
                   ) -> DampedInverse:
        if use_cholesky and backend.get_array_module(damped) is numpy:
            return CholeskyInverse.of(damped)
        return ExplicitInverse.of(damped, use_cholesky)

    def mean_diagonal(self) -> float:
        xp = backend.get_array_module(self.value)
        return float(xp.diagonal(self.value).sum()) / self.value.shape[0]

    def as_operator(self) -> DampedInverse:
        return ExplicitInverse(self.value)

    def restore_inverse(self, state: InverseState) -> DampedInverse:
        upper = state.cholesky_upper
        if upper.size and backend.get_array_module(upper) is numpy:
            return CholeskyInverse(upper)
        return ExplicitInverse(state.inverse)


class DiagonalFactor(Factor):
    """A diagonal factor held by its diagonal (a 1-D array)."""

    @staticmethod
    def inversion_cost(shape: typing.Sequence[int]) -> float:
        return float(shape[0])

    def damped(self, shift: Shift) -> Array:
        factor = self.value
        xp = backend.get_array_module(factor)
        return factor + xp.asarray(shift, dtype=factor.dtype)

    def inverse_of(self, damped: Array, use_cholesky: bool = True
                   ) -> DampedInverse:
        return DiagonalInverse.of(damped)

    def restore_inverse(self, state: InverseState) -> DampedInverse:
        return DiagonalInverse(state.inverse)

    def mean_diagonal(self) -> float:
        return float(self.value.sum()) / self.value.shape[0]

    def as_operator(self) -> DampedInverse:
        return DiagonalInverse(self.value)


class UnitWiseFactor(Factor):
    """(C, k, k): one k x k block per channel; the shift has k values."""

    @staticmethod
    def inversion_cost(shape: typing.Sequence[int]) -> float:
        channels, k, _ = shape
        return float(channels * k ** 3)

    def damped(self, shift: Shift) -> Array:
        blocks = self.value
        xp = backend.get_array_module(blocks)
        k = blocks.shape[1]
        lam = xp.broadcast_to(xp.asarray(shift, dtype=blocks.dtype), (k,))
        out = blocks.copy()
        for i in range(k):
            out[:, i, i] += lam[i]
        return out

    def inverse_of(self, damped: Array, use_cholesky: bool = True
                   ) -> DampedInverse:
        return UnitWiseInverse.of(damped)

    def restore_inverse(self, state: InverseState) -> DampedInverse:
        return UnitWiseInverse(state.inverse)

    def mean_diagonal(self) -> float:
        xp = backend.get_array_module(self.value)
        diagonals = xp.diagonal(self.value, axis1=1, axis2=2)
        return float(diagonals.sum()) / diagonals.size

    def as_operator(self) -> DampedInverse:
        return UnitWiseInverse(self.value)


def serialize_array(serializer: typing.Any, key: str, value: Array,
                    send: Send) -> Array:
    """``serializer(key, value)``; a newly loaded array goes through
    ``send`` (to the layer's device)."""
    loaded = serializer(key, value)
    if loaded is not None and loaded is not value:
        loaded = send(numpy.asarray(loaded))
    return loaded
