"""The per-block phase timers: each phase's seconds filed under the block's
type and factor sizes, counted only while ``counting``."""
import types

from experiments.bench import block_phases


class Block:
    """A Fisher block's face: its link, factor names and shapes, and the
    four methods the timers wrap."""
    factor_names = ('A', 'G')

    def __init__(self):
        self.link = types.SimpleNamespace()
        self.calls = []

    def factor_shapes(self):
        return [(26, 26), (6, 6)]

    def collect(self, *args):
        self.calls.append(('collect', args))
        return 'collected'

    def update_running_average(self):
        self.calls.append(('update_running_average', ()))

    def invert(self):
        self.calls.append(('invert', ()))

    def precondition(self):
        self.calls.append(('precondition', ()))


def test_phases_are_timed_per_layer_only_while_counting():
    blocks = [Block(), Block()]
    phases = block_phases.Phases()
    phases.instrument(types.SimpleNamespace(blocks=blocks))
    label = 'SimpleNamespace A 26 G 6'
    assert block_phases.layer_label(blocks[0]) == label
    assert phases.layers == {label: 2}
    assert blocks[0].collect(1, 2) == 'collected'   # warm-up: not counted
    assert not phases.seconds
    phases.counting = True
    for block in blocks:
        block.collect()
        block.update_running_average()
        block.invert()
        block.precondition()
    assert blocks[0].calls[0] == ('collect', (1, 2))
    table = block_phases.breakdown(phases, steps=2)
    assert set(table) == {label}
    assert set(table[label]) == set(block_phases.PHASES) | {'layers'}
    assert table[label]['layers'] == 2
    assert all(table[label][p] >= 0 for p in block_phases.PHASES)
