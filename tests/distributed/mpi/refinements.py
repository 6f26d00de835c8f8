"""Each refinement (and all together) on N ranks == one process on the
whole batch: the parameters after 8 steps, the damping, the stale
statistics' schedules, on every rank."""
import sys

from equivalence import comm
from equivalence import run

VARIANTS = [
    dict(fisher='mc', mc_samples=2, mc_seed=1),
    dict(stale_tolerance=2.0),     # alike: intervals 1, 1, 1, 2, 3
    dict(damping_adaptation_interval=2),
    dict(kl_clip=1e-3),
    dict(fisher='mc', stale_tolerance=0.3, damping_adaptation_interval=3,
         kl_clip=1e-3),
]


def check(options, assignment, only_pic):
    ref, dist = run(4, assignment, only_pic, 1, uncovered=False, steps=8,
                    **options)
    if dist.damping != ref.damping:
        raise AssertionError('rank {}: damping {} != {} ({})'.format(
            comm.rank, dist.damping, ref.damping, options))
    if ref.stale is not None:
        mine = dist.stale.schedules(dist.stale.factors)
        if mine != ref.stale.schedules(ref.stale.factors):
            raise AssertionError('rank {}: schedules differ ({})'.format(
                comm.rank, options))
        if options['stale_tolerance'] > 1 and all(
                f.interval == 1 for fs in ref.stale.factors.values()
                for f in fs):
            raise AssertionError('the stale case never skipped a factor')


for options in VARIANTS:
    check(options, 'contiguous', True)
    check(options, 'balanced', False)
if comm.rank == 0:
    print('refinements OK on {} ranks, {} cases'.format(
        comm.size, 2 * len(VARIANTS)))
sys.stdout.flush()
