"""Per-layer Fisher state: current statistics, running averages, inverses.

A :class:`FisherBlock` owns what K-FAC keeps about one layer: the factors
computed in the current step (summed over ``acc_iters`` passes), their
running averages, and the damped inverses computed from them, and it owns
the two operations on them: :meth:`FisherBlock.invert` (damp and invert the
running averages) and :meth:`FisherBlock.precondition` (``p.kfgrad`` from
``p.grad``). What the factors *are* is defined by subclasses, one per layer
type (Linear, Convolution2D, BatchNormalization full or unit-wise, and the
factor-less block of a link K-FAC does not cover); the linear algebra they
call lives in :mod:`chainer_kfac.preconditioning`. A factor stored as a 1-D
array is a diagonal matrix held by its diagonal (``diagonalize=True``).

Running average, in Chainer_K-FAC's convention (the reverse of most K-FAC
libraries, where the decay multiplies the *old* value)::

    new = r * current + (1 - r) * previous,   r = cov_ema_decay

so the default ``r = 0.99`` keeps 99% of the *current* statistics. The first
update takes the current factors as they are.
"""
import numpy

import chainer
from chainer import backend

from chainer_kfac.preconditioning.cholesky_inverse import CholeskyInverse
from chainer_kfac.preconditioning.damped import add_to_diagonal
from chainer_kfac.preconditioning.damped import invert


class FisherBlock(object):
    """Base class of a layer's Fisher block.

    Attributes:
        name (str): The link's path in the model (e.g. ``/predictor/fc1``).
        link (chainer.Link): The layer.
        factor_names (tuple of str): Names of the factors (``('A', 'G')``).
        factors (list or None): Running averages, in ``factor_names`` order.
        inverses (list or None): Damped inverses of ``factors``.
        pi (float or None): Trace-norm pi used for the last inversion.
    """

    #: Keep the damped full factors as the running averages after an
    #: inversion (the original's in-place damping; see :meth:`invert_damped`).
    damping_in_running_average = False

    #: FunctionNode classes whose backward this block reads.
    function_types = ()
    factor_names = ()

    def __init__(self, name, link):
        self.name = name
        self.link = link
        self.factors = None
        self.inverses = None
        self._acc = None
        self._acc_count = 0

    # -- the interface every block declares -----------------------------------
    def params(self):
        """The link's parameters this block preconditions, in order."""
        raise NotImplementedError

    def hooked_input(self):
        """``(index, param)``: the backward of a function in
        ``function_types`` whose input ``index`` is ``param`` feeds this
        block's statistics."""
        raise NotImplementedError

    def factor_shapes(self):
        """Shapes of the factors, in ``factor_names`` order, known at setup
        (a 1-D shape is a diagonal factor)."""
        raise NotImplementedError

    def symmetric_factors(self):
        """Per factor: True when it is a symmetric matrix (it then travels
        between ranks as its upper triangle)."""
        raise NotImplementedError

    def inversion_cost(self):
        """Flop-proportional cost of :meth:`invert` (for the assignment of
        blocks to ranks)."""
        raise NotImplementedError

    def compute_factors(self, function, in_data, out_grad):
        """Return this pass's factors from a backward's inputs/out-grads."""
        raise NotImplementedError

    def invert(self, damping, *, pi_type, use_cholesky, stab_coeff):
        """Set ``self.inverses`` from the damped running averages.

        Args:
            damping (float): Tikhonov damping d (each block raises it to the
                ``l2_coef`` of its parameters where larger, as the original).
            pi_type: ``'tracenorm'`` or None (Kronecker blocks).
            use_cholesky (bool): Cholesky inverse, else LU.
            stab_coeff (float): Damping multiplier of BatchNorm blocks.

        Raises:
            NotPositiveDefiniteError: a damped factor cannot be inverted (the
                optimizer then retries with more damping).
        """
        raise NotImplementedError

    def vector_factors_in_original(self):
        """Per factor: True where Chainer_K-FAC held it as a 1-D vector
        (only a diagonal Linear A; its other diagonal factors were diagonal
        matrices). Used by :meth:`invert_damped`."""
        return (False,) * len(self.factor_names)

    def invert_damped(self, values, use_cholesky):
        """Return the inverses of ``factors[i] + diag(values[i])``, each in
        the form :func:`chainer_kfac.preconditioning.damped.invert` gives
        (on the CPU with Cholesky a full factor's is a CholeskyInverse).

        With :attr:`damping_in_running_average` the damped factors then
        replace the running averages, as Chainer_K-FAC's ``update_invs``,
        which adds the damping to its stored averages in place: the next
        running average starts from ``F + diag(values)``, so with
        ``cov_ema_decay < 1`` the damping accumulates; with ``1`` the next
        update replaces it. pi is computed before (from the stored
        averages). The original damps a copy only where it held the factor
        as a vector (``1 / (F + values)``; see
        :meth:`vector_factors_in_original`): those are left as they are.
        Only an inversion that succeeded for every factor changes them.
        """
        damped = [add_to_diagonal(f, v) for f, v in zip(self.factors, values)]
        inverses = [invert(x, use_cholesky) for x in damped]
        if self.damping_in_running_average:
            self.factors = [f if vector else x for x, f, vector in zip(
                damped, self.factors, self.vector_factors_in_original())]
        return inverses

    def precondition(self):
        """Set ``p.kfgrad`` for every parameter from ``p.grad`` and the
        inverses (nothing when a gradient is missing)."""
        if any(p.grad is None for p in self.params()):
            return
        self.set_preconditioned(self.apply_inverses(self.grad_matrix()))

    def grad_matrix(self):
        """The parameters' gradients arranged as the factors expect."""
        raise NotImplementedError

    def apply_inverses(self, grad_matrix):
        """The preconditioned ``grad_matrix``."""
        raise NotImplementedError

    def set_preconditioned(self, matrix):
        """Write ``matrix`` (shaped as :meth:`grad_matrix`) to kfgrads."""
        raise NotImplementedError

    def grads(self):
        return [p.grad for p in self.params()]

    # -- statistics -----------------------------------------------------------

    def collect(self, function, in_data, out_grad):
        """Add one forward/backward pass's factors to the accumulator."""
        factors = self.compute_factors(function, in_data, out_grad)
        if self._acc is None:
            self._acc = list(factors)
        else:
            for acc, f in zip(self._acc, factors):
                acc += f
        self._acc_count += 1

    @property
    def has_statistics(self):
        return self._acc is not None

    def pop_current_factors(self):
        """Return the mean of the accumulated factors and reset the sums."""
        if self._acc is None:
            return None
        current = self._acc
        if self._acc_count > 1:
            for f in current:
                f /= self._acc_count
        self._acc, self._acc_count = None, 0
        return current

    def update_running_average(self, current, cov_ema_decay):
        """``factors <- r * current + (1 - r) * factors`` (first: current)."""
        if self.factors is None:
            self.factors = [f.copy() for f in current]
            return
        r = cov_ema_decay
        for ema, cur in zip(self.factors, current):
            ema *= ema.dtype.type(1 - r)
            ema += ema.dtype.type(r) * cur

    # -- persistence ----------------------------------------------------------
    def serialize(self, serializer):
        names = list(self.factor_names)
        self.factors = _serialize_list(serializer, names, self.factors,
                                       self.link)
        self._serialize_inverses(serializer, names)
        self._acc = _serialize_list(
            serializer, [n + '_acc' for n in names], self._acc, self.link)
        self._acc_count = int(serializer('acc_count', self._acc_count))

    def _serialize_inverses(self, serializer, names):
        """Explicit inverses under '<name>_inv' (as before), and each
        factored inverse's Cholesky factor under '<name>_inv_cholesky' (an
        empty array for the others), so a resumed run applies the same
        triangular solves. A snapshot without the Cholesky keys (written
        before they existed) keeps its explicit inverses until the next
        inversion."""
        held = self.inverses
        dense = None if held is None else [
            numpy.asarray(i) if isinstance(i, CholeskyInverse) else i
            for i in held]
        uppers = None if held is None else [
            i.upper if isinstance(i, CholeskyInverse)
            else numpy.zeros(0, dtype=numpy.float32) for i in held]
        loading = isinstance(serializer, chainer.serializer.Deserializer)
        dense = _serialize_list(serializer, [n + '_inv' for n in names],
                                dense, self.link)
        try:
            uppers = _serialize_list(
                serializer, [n + '_inv_cholesky' for n in names], uppers,
                self.link)
        except KeyError:
            if not loading:
                raise
            uppers = None  # an older snapshot
        if loading:
            self.inverses = dense if uppers is None else [
                CholeskyInverse.from_upper(u) if u is not None and u.size
                else d for d, u in zip(dense, uppers)]



def l2_damping(damping, param):
    """``max(damping, param.l2_coef)`` (``l2_coef`` absent: 0), the
    original's ``get_diagval``."""
    return max(damping, getattr(param, 'l2_coef', 0.0) or 0.0)


def _serialize_list(serializer, keys, arrays, link):
    values = [None] * len(keys) if arrays is None else list(arrays)
    out = []
    for key, value in zip(keys, values):
        loaded = serializer(key, value)
        if loaded is not None and loaded is not value:
            loaded = _to_link_device(numpy.asarray(loaded), link)
        out.append(loaded)
    if all(v is None for v in out):
        return None
    return out


def _to_link_device(array, link):
    param = next(iter(link.params()), None)
    if param is None or param.array is None:
        return array
    return backend.get_device_from_array(param.array).send(array)
