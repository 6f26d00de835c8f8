"""Per-layer Fisher state: current statistics, running averages, inverses.

A :class:`FisherBlock` owns what K-FAC keeps about one layer: the factors
computed in the current step (summed over ``acc_iters`` passes), their
running averages, and the damped inverses computed from them. What the
factors *are* is defined by subclasses, one per layer type (Linear,
Convolution2D, BatchNormalization); how they are damped and inverted lives in
:mod:`chainer_kfac.preconditioning`.

Running average, in Chainer_K-FAC's convention (the reverse of most K-FAC
libraries, where the decay multiplies the *old* value)::

    new = r * current + (1 - r) * previous,   r = cov_ema_decay

so the default ``r = 0.99`` keeps 99% of the *current* statistics. The first
update takes the current factors as they are.
"""
import numpy

from chainer import backend


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

    #: FunctionNode classes whose backward this block reads.
    function_types = ()
    factor_names = ()
    #: True when every factor is a symmetric matrix (packed as a triangle
    #: when sent between ranks).
    symmetric = True

    def __init__(self, name, link):
        self.name = name
        self.link = link
        self.factors = None
        self.inverses = None
        self.pi = None
        self._acc = None
        self._acc_count = 0

    # -- parameters and their gradients ------------------------------------
    def params(self):
        """The link's parameters this block preconditions, in order."""
        raise NotImplementedError

    def grads(self):
        return [p.grad for p in self.params()]

    # -- statistics -----------------------------------------------------------
    def compute_factors(self, function, in_data, out_grad):
        """Return this pass's factors from a backward's inputs/out-grads."""
        raise NotImplementedError

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
        self.inverses = _serialize_list(
            serializer, [n + '_inv' for n in names], self.inverses, self.link)
        self._acc = _serialize_list(
            serializer, [n + '_acc' for n in names], self._acc, self.link)
        self._acc_count = int(serializer('acc_count', self._acc_count))
        pi = serializer('pi', numpy.nan if self.pi is None else self.pi)
        pi = float(pi)
        self.pi = None if numpy.isnan(pi) else pi


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
