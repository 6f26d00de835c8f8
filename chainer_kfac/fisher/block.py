"""A layer's Fisher block: the adapter between a link and its factors.

A :class:`FisherBlock` knows one layer type (Linear, Convolution2D,
BatchNormalization full or unit-wise, or the factor-less block of a link
K-FAC does not cover). It

- computes the layer's factors from a backward (:meth:`compute_factors`;
  only some of them: :meth:`compute_selected`), summed over the step's
  passes until the optimizer pops their mean (:mod:`.accumulator`);
- keeps one :class:`~chainer_kfac.fisher.factors.Factor` per factor (the
  running average and its damped inverse), in ``factor_names`` order;
- says how the damping splits among its factors (:meth:`invert`: pi for a
  Kronecker pair, ``stab_coeff * max(d, l2_coef)`` for BatchNorm);
- combines the inverses with the gradient (:meth:`precondition`:
  ``p.kfgrad`` from ``p.grad``).

The running averages, the inverses' forms and their snapshot state are the
factors' business (:mod:`.factors`); the damping value is
:class:`~chainer_kfac.preconditioning.damping.Damping`.
"""
import typing

import numpy

import chainer
from chainer import backend

from chainer_kfac.fisher.accumulator import Factors
from chainer_kfac.fisher.accumulator import FactorSums
from chainer_kfac.fisher.factors import Factor
from chainer_kfac.fisher.factors import Shift
from chainer_kfac.preconditioning.damped_inverse import Array
from chainer_kfac.preconditioning.damped_inverse import DampedInverse
from chainer_kfac.preconditioning.damping import Damping


class FisherBlock(object):
    """Base class of a layer's Fisher block.

    Attributes:
        name (str): The link's path in the model (e.g. ``/predictor/fc1``).
        link (chainer.Link): The layer.
        factor_names (tuple of str): Names of the factors (``('A', 'G')``).
        factors (list of Factor or None): The running averages and their
            inverses, in ``factor_names`` order (None before statistics).
    """

    #: Keep the damped full factors as the running averages after an
    #: inversion (the original's in-place damping; see
    #: :meth:`hold_inverses`).
    damping_in_running_average = False

    #: FunctionNode classes whose backward this block reads.
    function_types: typing.Tuple[type, ...] = ()
    factor_names: typing.Tuple[str, ...] = ()

    def __init__(self, name: str, link: chainer.Link) -> None:
        self.name = name
        self.link = link
        self.factors: typing.Optional[typing.List[Factor]] = None
        self._sums = FactorSums(self.factor_names)

    # -- what each layer type declares ----------------------------------------
    def params(self) -> typing.List[chainer.Parameter]:
        """The link's parameters this block preconditions, in order."""
        raise NotImplementedError

    def hooked_input(self) -> typing.Optional[
            typing.Tuple[int, chainer.Parameter]]:
        """``(index, param)``: the backward of a function in
        ``function_types`` whose input ``index`` is ``param`` feeds this
        block's statistics (None: no statistics)."""
        raise NotImplementedError

    def factor_shapes(self) -> typing.List[typing.Tuple[int, ...]]:
        """Shapes of the factors, in ``factor_names`` order, known at setup
        (a 1-D shape is a diagonal factor)."""
        raise NotImplementedError

    def factor_types(self) -> typing.List[typing.Type[Factor]]:
        """The :class:`Factor` subclass of each factor (its form)."""
        raise NotImplementedError

    def compute_factors(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array]) -> typing.List[Array]:
        """This pass's factors from a backward's inputs/out-grads."""
        raise NotImplementedError

    def output_side_factors(self) -> typing.Tuple[bool, ...]:
        """Per factor: True where it is computed from the output gradients
        (G of a Kronecker pair, BatchNorm's F), which the Monte-Carlo
        Fisher takes at sampled labels; False where from the inputs only
        (A)."""
        raise NotImplementedError

    def compute_selected(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array],
            wanted: typing.Sequence[bool]) -> Factors:
        """The factors ``wanted`` says (None for the others); a block
        whose factors are computed together computes them all."""
        factors = self.compute_factors(function, in_data, out_grad)
        return [f if w else None for f, w in zip(factors, wanted,
                                                 strict=True)]

    def invert(self, damping: Damping) -> None:
        """Set the factors' inverses from their damped running averages
        (:meth:`hold_inverses` with this layer's split of ``damping``).

        Raises:
            NotPositiveDefiniteError: a damped factor cannot be inverted
                (the optimizer then retries with more damping).
        """
        raise NotImplementedError

    def arrange(self, arrays: typing.Sequence[Array]) -> Array:
        """Per-parameter arrays (gradients, updates) arranged as the
        factors expect."""
        raise NotImplementedError

    def apply_inverses(self, grad_matrix: Array) -> Array:
        """The preconditioned ``grad_matrix``."""
        raise NotImplementedError

    def apply_curvature(self, matrix: Array) -> Array:
        """The block's curvature (its undamped running averages) times
        ``matrix`` (arranged as :meth:`arrange`)."""
        raise NotImplementedError

    def set_preconditioned(self, matrix: Array) -> None:
        """Write ``matrix`` (shaped as :meth:`grad_matrix`) to kfgrads."""
        raise NotImplementedError

    def vector_factors_in_original(self) -> typing.Tuple[bool, ...]:
        """Per factor: True where Chainer_K-FAC held it as a 1-D vector
        (only a diagonal Linear A; its other diagonal factors were diagonal
        matrices). Used by :meth:`hold_inverses`."""
        return (False,) * len(self.factor_names)

    # -- derived from the declarations ----------------------------------------
    def grad_matrix(self) -> Array:
        """The parameters' gradients arranged as the factors expect."""
        return self.arrange([p.grad for p in self.params()])

    def curvature_form(self, matrix: Array) -> float:
        """``vec(M)^T F vec(M)`` under the block's curvature."""
        xp = backend.get_array_module(matrix)
        return float(xp.sum(self.apply_curvature(matrix) * matrix,
                            dtype=numpy.float64))

    def symmetric_factors(self) -> typing.List[bool]:
        """Per factor: True when it is a symmetric matrix (it then travels
        between ranks as its upper triangle)."""
        return [t.symmetric for t in self.factor_types()]

    def inversion_cost(self) -> float:
        """Flop-proportional cost of :meth:`invert` (for the assignment of
        blocks to ranks): dim^3 per full factor, dim per diagonal."""
        return float(sum(t.inversion_cost(s) for t, s in zip(
            self.factor_types(), self.factor_shapes(), strict=True)))

    @property
    def inverses(self) -> typing.Optional[typing.List[DampedInverse]]:
        """The factors' damped inverses (None until all exist)."""
        if self.factors is None or \
                any(f.inverse is None for f in self.factors):
            return None
        return [f.inverse for f in self.factors if f.inverse is not None]

    def running_averages(self) -> typing.Optional[typing.List[Array]]:
        """The factors' running averages, as arrays (None before the first
        statistics)."""
        if self.factors is None:
            return None
        return [f.value for f in self.factors]

    def held_factors(self) -> typing.List[Factor]:
        """:attr:`factors`, which must exist (statistics were collected)."""
        if self.factors is None:
            raise RuntimeError('layer {!r} has no running averages yet'
                               .format(self.name))
        return self.factors

    def held_inverses(self) -> typing.List[DampedInverse]:
        """:attr:`inverses`, which must exist (:meth:`invert` ran)."""
        inverses = self.inverses
        if inverses is None:
            raise RuntimeError('layer {!r} has no inverses yet'.format(
                self.name))
        return inverses

    # -- running averages and inverses ----------------------------------------
    def update_running_average(
            self, current: typing.Sequence[typing.Optional[Array]],
            cov_ema_decay: float) -> None:
        """``F <- r * current + (1 - r) * F`` for every factor brought
        (None: left as it is)."""
        if self.factors is None:
            self.factors = [t() for t in self.factor_types()]
        for factor, cur in zip(self.factors, current, strict=True):
            if cur is not None:
                factor.update(cur, cov_ema_decay)

    def hold_inverses(self, shifts: typing.Sequence[Shift],
                      use_cholesky: bool) -> None:
        """Invert ``factors[i] + diag(shifts[i])`` and keep the inverses;
        only an inversion that succeeded for every factor changes them.

        With :attr:`damping_in_running_average` the damped factors then
        replace the running averages, as Chainer_K-FAC's ``update_invs``,
        which adds the damping to its stored averages in place: the next
        running average starts from ``F + diag(shift)``, so with
        ``cov_ema_decay < 1`` the damping accumulates; with ``1`` the next
        update replaces it. pi is computed before (from the stored
        averages). The original damps a copy only where it held the factor
        as a vector (``1 / (F + shift)``; see
        :meth:`vector_factors_in_original`): those are left as they are.
        """
        factors = self.held_factors()
        damped = [f.damped(s) for f, s in zip(factors, shifts, strict=True)]
        inverses = [f.inverse_of(x, use_cholesky)
                    for f, x in zip(factors, damped, strict=True)]
        in_place = self.damping_in_running_average
        for factor, x, inverse, vector in zip(
                factors, damped, inverses, self.vector_factors_in_original(),
                strict=True):
            factor.inverse = inverse
            if in_place and not vector:
                factor.value = x

    def precondition(self) -> None:
        """Set ``p.kfgrad`` for every parameter from ``p.grad`` and the
        inverses (nothing when a gradient is missing)."""
        if any(p.grad is None for p in self.params()):
            return
        self.set_preconditioned(self.apply_inverses(self.grad_matrix()))

    # -- statistics -----------------------------------------------------------
    def collect(self, function: typing.Any, in_data: typing.Sequence[Array],
                out_grad: typing.Sequence[Array],
                wanted: typing.Optional[typing.Sequence[bool]] = None
                ) -> None:
        """Add one backward pass's factors (those ``wanted`` says; default:
        all) to the step's sums."""
        if wanted is None or all(wanted):
            factors: Factors = list(self.compute_factors(
                function, in_data, out_grad))
        else:
            factors = self.compute_selected(function, in_data, out_grad,
                                            wanted)
        self._sums.add(factors)

    @property
    def has_statistics(self) -> bool:
        return not self._sums.empty

    def pop_current_factors(self) -> typing.Optional[Factors]:
        """Each factor's mean over the passes that brought it (None where
        none did; None if no pass brought any), and reset the sums."""
        return self._sums.pop()

    # -- persistence ----------------------------------------------------------
    def serialize(self, serializer: typing.Any) -> None:
        """Each factor's state (:meth:`Factor.serialize`: ``<F>``,
        ``<F>_inv``, ``<F>_inv_cholesky``), the accumulated statistics
        (``<F>_acc``) and their count (``acc_count``)."""
        factors = self.factors
        if factors is None:
            factors = [t() for t in self.factor_types()]
        for name, factor in zip(self.factor_names, factors, strict=True):
            factor.serialize(serializer, name, self.to_link_device)
        held = any(f.value is not None for f in factors)
        self.factors = factors if held else None
        self._sums.serialize(serializer, self.to_link_device)

    def to_link_device(self, array: Array) -> Array:
        """``array`` on the device of the layer's parameters."""
        param = next(iter(self.link.params()), None)
        if param is None or param.array is None:
            return array
        return backend.get_device_from_array(param.array).send(array)
