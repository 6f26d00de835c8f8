"""Stale statistics (SP-NGD: Osawa et al., TPAMI 2020, sec. 4.3.1,
Algorithms 1 and 2): each factor is recomputed only when it is due, at an
interval that grows while its estimates stay alike.

For each factor X (A or G of a layer, BatchNorm's F), with X_-1 and X_-2 the
estimates of its last two refreshes and Delta_-1, Delta_-2 the last two
intervals, a refresh at step t_X computes X and sets

    Delta = max(1, floor(Delta_-1 / 2))   if X is not similar to X_-1
    Delta = Delta_-1                      elif X is not similar to X_-2
    Delta = Delta_-1 + Delta_-2           else

and the next refresh at t_X + Delta, where A is similar to B when
||A - B||_F / ||B||_F < alpha (alpha = ``stale_tolerance``; the paper uses
0.1). The estimates compared are the step's raw factors (under
DistributedKFAC: their means over ranks, on the owner), not the running
averages. Constants the paper leaves open, chosen here: every factor is
refreshed at step 0, Delta_-1 = 1 and Delta_-2 = 0 before the first
refresh, a missing X_-1 or X_-2 counts as not similar (so the intervals run
1, 1, 1, 2, 3, 5, ... while the estimates agree), and there is no cap.

Between refreshes a factor is neither computed nor sent, and its layer's
inverses are reused; a layer whose factor was refreshed is inverted again
(pi couples A and G). The schedule and the last two estimates are part of
the checkpoint. Under DistributedKFAC the owner decides and every rank
receives the new schedule (:meth:`StaleStatistics.schedules`), so that all
ranks compute the same factors at every step.
"""
import typing

import numpy

from chainer import backend

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.collector import Wanted
from chainer_kfac.fisher.factors import serialize_array
from chainer_kfac.preconditioning.damped_inverse import Array

#: (next refresh, Delta_-1, Delta_-2) of one factor.
Schedule = typing.Tuple[int, int, int]


def similar(a: Array, b: typing.Optional[Array], tolerance: float) -> bool:
    """||a - b||_F / ||b||_F < tolerance (False without b)."""
    if b is None:
        return False
    xp = backend.get_array_module(a)
    diff = float(xp.linalg.norm((a - b).ravel()))
    return diff < tolerance * float(xp.linalg.norm(b.ravel()))


def next_interval(x: Array, last: typing.Optional[Array],
                  before_last: typing.Optional[Array], interval: int,
                  previous: int, tolerance: float) -> int:
    """Algorithm 2: Delta from X, X_-1, X_-2, Delta_-1, Delta_-2."""
    if not similar(x, last, tolerance):
        return max(1, interval // 2)
    if not similar(x, before_last, tolerance):
        return interval
    return interval + previous


class FactorStaleness(object):
    """One factor's schedule and its last two estimates."""

    def __init__(self) -> None:
        self.due, self.interval, self.previous = 0, 1, 0
        self.last: typing.Optional[Array] = None
        self.before_last: typing.Optional[Array] = None

    def refreshed(self, step: int, x: Array, tolerance: float) -> None:
        """Record the estimate ``x`` of ``step``; schedule the next."""
        new = next_interval(x, self.last, self.before_last, self.interval,
                            self.previous, tolerance)
        self.interval, self.previous = new, self.interval
        self.due = step + new
        self.last, self.before_last = x.copy(), self.last

    @property
    def schedule(self) -> Schedule:
        return (self.due, self.interval, self.previous)

    @schedule.setter
    def schedule(self, value: Schedule) -> None:
        self.due, self.interval, self.previous = (int(v) for v in value)


class StaleStatistics(object):
    """The schedules of every factor of ``blocks``."""

    def __init__(self, blocks: typing.Sequence[FisherBlock]) -> None:
        self.factors = {b.name: [FactorStaleness() for _ in b.factor_names]
                        for b in blocks}

    def wanted(self, step: int) -> typing.Optional[Wanted]:
        """Per block, the factors due at ``step`` (None: none is)."""
        due = {name: tuple(step >= f.due for f in factors)
               for name, factors in self.factors.items()}
        return due if any(any(m) for m in due.values()) else None

    def observe(self, step: int, name: str,
                current: typing.Sequence[typing.Optional[Array]],
                tolerance: float) -> None:
        """The refreshed factors of block ``name`` at ``step``."""
        for staleness, x in zip(self.factors[name], current, strict=True):
            if x is not None:
                staleness.refreshed(step, x, tolerance)

    def schedules(self, names: typing.Iterable[str]
                  ) -> typing.Dict[str, typing.List[Schedule]]:
        """The schedules of the blocks ``names`` (to send to other ranks;
        names without factors are left out)."""
        return {n: [f.schedule for f in self.factors[n]] for n in names
                if n in self.factors}

    def set_schedules(self, schedules: typing.Mapping[
            str, typing.Sequence[Schedule]]) -> None:
        for name, values in schedules.items():
            for staleness, value in zip(self.factors[name], values,
                                        strict=True):
                staleness.schedule = value

    def refreshed_fraction(self, wanted: Wanted) -> float:
        """The fraction of all factors ``wanted`` refreshes."""
        total = sum(len(f) for f in self.factors.values())
        return sum(sum(m) for m in wanted.values()) / max(total, 1)

    def serialize(self, serializer: typing.Any,
                  blocks: typing.Sequence[FisherBlock]) -> None:
        """Per factor: ``<F>_schedule`` and ``<F>_last``,
        ``<F>_before_last`` (None where this rank does not own it)."""
        for block in blocks:
            s = serializer[block.name]
            send = block.to_link_device
            for fname, f in zip(block.factor_names, self.factors[block.name],
                                strict=True):
                f.schedule = tuple(s(fname + '_schedule', numpy.array(
                    f.schedule, dtype=numpy.int64)))
                f.last = serialize_array(s, fname + '_last', f.last, send)
                f.before_last = serialize_array(
                    s, fname + '_before_last', f.before_last, send)
