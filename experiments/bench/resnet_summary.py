"""The summary of a ResNet benchmark's timed rounds, one process or N ranks
(``python -m experiments bench resnet`` / ``resnet-mpi``): each kind's
median step and its ratio to SGD's, the amortised cost of intervals 10/100
and 1/10 (experiments/bench/amortised.py), the total time over SGD's on the
same rounds, and the every-step K-FAC's phases by layer, printed and
recorded."""
import statistics
from collections.abc import Mapping
from typing import NotRequired, TypedDict

from experiments.bench import timed_steps
from experiments.bench.amortised import amortised_ratio
from experiments.bench.block_phases import PHASES, Breakdown, Phases
from experiments.bench.block_phases import breakdown


class Summary(TypedDict):
    """One batch's results (the JSON record's keys)."""
    median_seconds: dict[str, float]
    ratio_to_sgd: dict[str, float]
    paired_total_ratio: dict[str, float]
    round_seconds: timed_steps.Times
    phases: dict[str, Breakdown]
    #: resnet-mpi: per kind, each rank's median step and collectives
    per_rank: NotRequired[dict[str, list[dict[str, float]]]]


def ratios_to_sgd(med: Mapping[str, float]) -> dict[str, float]:
    """Each K-FAC kind's median over SGD's, and the amortised figures."""
    ratios = {k: med[k] / med['sgd'] for k in med if k != 'sgd'}
    ten_hundred = amortised_ratio(med)
    if ten_hundred is not None:
        exact = ten_hundred[1]
        ratios['amortised 10/100' if exact else
               'amortised 10/100, upper bound'] = ten_hundred[0]
        one_ten = amortised_ratio(med, 1, 10)
        if exact and one_ten is not None:
            ratios['amortised 1/10'] = one_ten[0]
    return ratios


def summarize(times: timed_steps.Times, phases: Mapping[str, Phases],
              steps: int) -> Summary:
    med = {k: statistics.median(v) for k, v in times.items()}
    kinds = [k for k in times if k != 'sgd']
    return {'median_seconds': med, 'ratio_to_sgd': ratios_to_sgd(med),
            'paired_total_ratio': {k: timed_steps.paired_ratio(times, k)[0]
                                   for k in kinds},
            'round_seconds': times,
            'phases': {k: breakdown(p, steps) for k, p in phases.items()}}


def show(batch: int, result: Summary, steps: int) -> None:
    med, ratios = result['median_seconds'], result['ratio_to_sgd']
    print('batch {} (median of {} rounds): {}'.format(batch, steps, ' | '.join(
        '{} {:.2f} s{}'.format(k, med[k], '' if k == 'sgd' else
                               ' ({:.2f}x)'.format(ratios[k]))
        for k in med)))
    if 'amortised 10/100, upper bound' in ratios:
        print('  amortised 10/100 at most {:.2f}x (no kfac_cov timed: every '
              'factor step counted as a full step)'.format(
                  ratios['amortised 10/100, upper bound']))
    if 'amortised 10/100' in ratios:
        print('  amortised 10/100: {:.2f}x, 1/10: {:.2f}x (from the '
              'medians)'.format(ratios['amortised 10/100'],
                                ratios['amortised 1/10']))
    if 'kfac' in result['phases']:
        show_layers(result['phases']['kfac'], med)
    if 'kfac_pre' in result['phases']:
        solves = sum(r.get('solves', 0.0)
                     for r in result['phases']['kfac_pre'].values())
        print('  preconditioning-only step: solves {:.3f} s of {:.3f} '
              's'.format(solves, med['kfac_pre']))


def show_layers(table: Breakdown, med: Mapping[str, float]) -> None:
    """The every-step K-FAC's phases by layer, and the rest of its step."""
    total = {p: 0.0 for p in PHASES}
    print('  K-FAC every step, seconds per step by layer:')
    print('    {:38s} {}'.format('layer type, factor sizes x layers', ' '.join(
        '{:>9s}'.format(p[:9]) for p in PHASES)))
    for label, row in sorted(table.items(),
                             key=lambda kv: -sum(kv[1].get(p, 0.0)
                                                 for p in PHASES)):
        for p in PHASES:
            total[p] += row.get(p, 0.0)
        print('    {:38s} {}'.format(
            '{} x{}'.format(label, row['layers']), ' '.join(
                '{:9.3f}'.format(row.get(p, 0.0)) for p in PHASES)))
    print('    {:38s} {}'.format('all layers', ' '.join(
        '{:9.3f}'.format(total[p]) for p in PHASES)))
    rest = med['kfac'] - sum(total[p] for p in PHASES)
    print('    rest of the step (forward, backward, update): {:.3f} s '
          '(SGD step {:.3f} s)'.format(rest, med['sgd']))
