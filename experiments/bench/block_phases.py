"""Where a K-FAC step's time goes, per phase and per layer size: timers
wrapped around one optimizer's Fisher blocks (the optimizer's own objects,
the package unchanged): each block's statistics in the backward
(``collect``: patches and the A and G products), running averages,
inversion (damping, Cholesky) and solves (G^-1 M A^-1), grouped by the
block's type and factor sizes."""
import collections
import time
from collections.abc import Callable
from typing import Any, TypeVar

PHASES = ('factors', 'running averages', 'inverses', 'solves')
#: the block's method each phase times
METHODS = ('collect', 'update_running_average', 'invert', 'precondition')

#: {layer label: {phase: seconds per step, 'layers': how many}}
Breakdown = dict[str, dict[str, float]]
Result = TypeVar('Result')


def layer_label(block: Any) -> str:
    """'Convolution2D A 4608 G 512': type and factor sizes."""
    sizes = ' '.join('{} {}'.format(n, s[0]) for n, s in zip(
        block.factor_names, block.factor_shapes(), strict=True))
    return '{} {}'.format(type(block.link).__name__, sizes)


class Phases:
    """Seconds per (phase, layer label) of one optimizer's timed steps."""

    def __init__(self) -> None:
        self.seconds: collections.defaultdict[tuple[str, str], float] = \
            collections.defaultdict(float)
        self.layers: collections.Counter[str] = collections.Counter()
        self.counting = False

    def wrap(self, phase: str, label: str, function: Callable[..., Result]
             ) -> Callable[..., Result]:
        def timed(*args: Any, **kwargs: Any) -> Result:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                if self.counting:
                    self.seconds[phase, label] += \
                        time.perf_counter() - start
        return timed

    def instrument(self, opt: Any) -> None:
        for block in opt.blocks:
            label = layer_label(block)
            self.layers[label] += 1
            for phase, attr in zip(PHASES, METHODS, strict=True):
                setattr(block, attr, self.wrap(phase, label,
                                               getattr(block, attr)))


def breakdown(phases: Phases, steps: int) -> Breakdown:
    """{label: {phase: seconds per step}} of one K-FAC kind."""
    table: collections.defaultdict[str, dict[str, float]] = \
        collections.defaultdict(dict)
    for (phase, label), sec in phases.seconds.items():
        table[label][phase] = sec / steps
        table[label]['layers'] = phases.layers[label]
    return dict(table)
