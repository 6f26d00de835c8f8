"""The statistics of a step's passes, summed until the optimizer pops them.

A block's factors are computed in every backward pass that feeds it (the
``acc_iters`` passes of a step; under ``fisher='mc'`` also the passes at
sampled labels, which bring only the output-side factors; under stale
statistics only the factors due). Each factor has its own sum and count,
and :meth:`FactorSums.pop` returns each factor's mean over the passes that
brought it (None for a factor no pass brought).

In a snapshot: ``<F>_acc`` (the sum, absent as None), ``acc_count`` (the
count of the passes, as snapshots before per-factor counts hold it) and
``<F>_acc_count`` (the factor's own count).
"""
import typing

from chainer_kfac.fisher.factors import serialize_array
from chainer_kfac.preconditioning.damped_inverse import Array

#: A step's factors in ``factor_names`` order; None where not computed.
Factors = typing.List[typing.Optional[Array]]
#: Moves a loaded array to the layer's device.
Send = typing.Callable[[Array], Array]


class FactorSums(object):
    """Per factor: the sum of the passes' values and their count."""

    def __init__(self, names: typing.Sequence[str]) -> None:
        self.names = tuple(names)
        self.sums: Factors = [None] * len(self.names)
        self.counts = [0] * len(self.names)

    @property
    def empty(self) -> bool:
        return all(s is None for s in self.sums)

    def add(self, factors: typing.Sequence[typing.Optional[Array]]) -> None:
        """Add one pass's factors (None: not brought by this pass)."""
        for i, value in enumerate(factors):
            if value is None:
                continue
            if self.sums[i] is None:
                self.sums[i] = value
            else:
                self.sums[i] += value
            self.counts[i] += 1

    def pop(self) -> typing.Optional[Factors]:
        """Each factor's mean (None if no pass brought any), then reset."""
        if self.empty:
            return None
        means = self.sums
        for mean, count in zip(means, self.counts, strict=True):
            if mean is not None and count > 1:
                mean /= count
        self.sums = [None] * len(self.names)
        self.counts = [0] * len(self.names)
        return means

    def serialize(self, serializer: typing.Any, send: Send) -> None:
        """Save or load the sums and counts (see the module docstring)."""
        self.sums = [serialize_array(serializer, n + '_acc', v, send)
                     for n, v in zip(self.names, self.sums, strict=True)]
        passes = int(serializer('acc_count', max(self.counts, default=0)))
        for i, name in enumerate(self.names):
            held = passes if self.sums[i] is not None else 0
            try:
                held = int(serializer(name + '_acc_count', self.counts[i]))
            except KeyError:    # a snapshot from before per-factor counts
                pass
            self.counts[i] = held
