"""Where a K-FAC step's time goes on a device: factors, inverses, solves,
the update and the Python around them.

    python -m experiments gpu-check breakdown [--device @cupy:0]
        [--batches 128 2048] [--steps 20] [--json OUT]

LeNet-5 on 3x32x32 inputs, K-FAC with factors and inverses every step (as
the step-time benchmark, experiments/bench/timed_steps.py). Each phase of
:meth:`KFAC.update` is wrapped on this one optimizer object (nothing in the
package changes): forward (the loss), backward with the factor computation
inside it (each block's ``collect``), and the step: running averages,
inverses (``_invert``), solves (each block's ``precondition``: G^-1 grad
A^-1), the parameter update rules and the finiteness check. Each wrapped
call is timed twice:

- host: from its start until the Python call returns (what the CPU spends
  issuing it: Python plus kernel launches);
- wall: the device synchronised before and after, so the phase's whole GPU
  work counts.

host/wall near 1 means the GPU waits for the Python (launch-bound); a small
ratio means the GPU's own work dominates. "other" is the parent's wall time
not in a named child (Python between phases). The synchronisations remove
the overlap of Python and GPU work, so the instrumented step is slower than
a plain one; both are printed (the plain one as in the step-time benchmark:
synchronised before and after the step). On the CPU host == wall.
"""
import argparse
import collections
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import chainer_kfac  # NOQA: F401  (the compatibility layer first)
import chainer
import numpy

from chainer_kfac import runtime
from experiments.bench import timed_steps

Result = TypeVar('Result')

#: phase -> its parent (None: a part of the whole step).
PHASES = collections.OrderedDict([
    ('forward', None), ('backward', None), ('factors', 'backward'),
    ('step', None), ('running averages', 'step'), ('inverses', 'step'),
    ('solves', 'step'), ('update', 'step'), ('finite check', 'step')])


class PhaseTimer:
    """Sums of host and wall seconds per phase."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self.host: collections.defaultdict[str, float] = \
            collections.defaultdict(float)
        self.wall: collections.defaultdict[str, float] = \
            collections.defaultdict(float)

    def wrap(self, name: str, function: Callable[..., Result]
             ) -> Callable[..., Result]:
        def timed(*args: Any, **kwargs: Any) -> Result:
            timed_steps.synchronize(self.device)
            start = time.perf_counter()
            result = function(*args, **kwargs)
            self.host[name] += time.perf_counter() - start
            timed_steps.synchronize(self.device)
            self.wall[name] += time.perf_counter() - start
            return result
        return timed


def instrument(model: Any, opt: Any, timer: PhaseTimer) -> Any:
    """Wrap the phases of ``opt`` (this object only)."""
    for name, attr in (('backward', '_backward'), ('step', '_step'),
                       ('inverses', '_invert'),
                       ('finite check', '_check_finite')):
        setattr(opt, attr, timer.wrap(name, getattr(opt, attr)))
    for block in opt.blocks:
        block.collect = timer.wrap('factors', block.collect)
        block.update_running_average = timer.wrap(
            'running averages', block.update_running_average)
        block.precondition = timer.wrap('solves', block.precondition)
    for param in model.params():
        rule = param.update_rule
        rule.update = timer.wrap('update', rule.update)
    return timer.wrap('forward', model)


def steps_seconds(model: Any, lossfun: Any, opt: Any,
                  batches: Sequence[timed_steps.Batch], steps: int,
                  device: Any) -> list[float]:
    """Seconds of each of ``steps`` synchronised steps (batches in turn)."""
    times = []
    for i in range(steps):
        timed_steps.synchronize(device)
        start = time.perf_counter()
        opt.update(lossfun, *batches[i % len(batches)])
        timed_steps.synchronize(device)
        times.append(time.perf_counter() - start)
        if not numpy.isfinite(float(model.loss.array)):
            raise FloatingPointError('K-FAC diverged at step {}'.format(i))
    return times


def measure(batch: int, steps: int, device: Any, warmup: int = 3
            ) -> tuple[float, float, PhaseTimer]:
    """(mean plain step seconds, mean instrumented step seconds,
    PhaseTimer of the instrumented steps), each after ``warmup`` steps
    (means, so the phases add up to the step)."""
    rng = numpy.random.RandomState(0)
    model, opt = timed_steps.make('kfac', device=device)
    batches = [tuple(device.send(a)
                     for a in timed_steps.fresh_batch(rng, batch))
               for _ in range(2)]
    plain = steps_seconds(model, model, opt, batches, warmup + steps, device)
    timer = PhaseTimer(device)
    lossfun = instrument(model, opt, timer)
    steps_seconds(model, lossfun, opt, batches, warmup, device)
    timer.host.clear()
    timer.wall.clear()
    instrumented = steps_seconds(model, lossfun, opt, batches, steps, device)
    return (statistics.fmean(plain[warmup:]), statistics.fmean(instrumented),
            timer)


def table(plain: float, instrumented: float, timer: PhaseTimer,
          steps: int) -> dict[str, Any]:
    """{phase: {'wall_ms', 'host_ms', 'host_over_wall'}} per step, with the
    'other' parts, and the two step times."""
    rows: dict[str, dict[str, Any]] = collections.OrderedDict()
    for name, parent in PHASES.items():
        wall, host = timer.wall[name] / steps, timer.host[name] / steps
        rows[name] = {'parent': parent, 'wall_ms': wall * 1e3,
                      'host_ms': host * 1e3,
                      'host_over_wall': host / wall if wall else None}
    for parent in ('backward', 'step', None):
        children = [n for n, p in PHASES.items() if p == parent]
        total = instrumented if parent is None else timer.wall[parent] / steps
        rest = total - sum(timer.wall[n] for n in children) / steps
        rows['other ({})'.format(parent or 'whole step')] = {
            'parent': parent, 'wall_ms': rest * 1e3}
    return {'plain_step_ms': plain * 1e3,
            'instrumented_step_ms': instrumented * 1e3, 'phases': rows}


def show(batch: int, result: dict[str, Any]) -> None:
    print('batch {}: plain step {:.2f} ms, instrumented {:.2f} ms'.format(
        batch, result['plain_step_ms'], result['instrumented_step_ms']))
    for name, row in result['phases'].items():
        ratio = row.get('host_over_wall')
        print('  {:28s} {:8.2f} ms wall{}'.format(
            ('  ' if row['parent'] else '') + name, row['wall_ms'],
            '' if ratio is None else '  {:8.2f} ms host ({:.0%})'.format(
                row['host_ms'], ratio)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments gpu-check breakdown',
        description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='@numpy')
    parser.add_argument('--batches', type=int, nargs='+', default=[128, 2048])
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args(argv)
    runtime.apply_process_defaults('auto')
    device = chainer.get_device(args.device)
    device.use()
    results: dict[str, Any] = {'device': str(device), 'steps': args.steps,
                               'batches': {}}
    for batch in args.batches:
        plain, instrumented, timer = measure(batch, args.steps, device)
        results['batches'][batch] = table(plain, instrumented, timer,
                                          args.steps)
        show(batch, results['batches'][batch])
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    return 0
