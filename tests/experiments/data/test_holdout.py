"""experiments/data/holdout.py against a count made by hand: disjoint,
stratified, reproducible, seed-dependent."""
import numpy
import pytest

from experiments.data import holdout

LABELS = numpy.repeat(numpy.arange(5), [40, 30, 20, 10, 3])
numpy.random.RandomState(7).shuffle(LABELS)


def test_the_split_is_disjoint_and_covers_the_training_set():
    split = holdout.stratified_split(LABELS, 0.1, 0)
    assert not set(split.train) & set(split.held_out)
    assert sorted(set(split.train) | set(split.held_out)) == \
        list(range(LABELS.size))
    assert list(split.train) == sorted(split.train)


def test_each_class_keeps_its_share():
    split = holdout.stratified_split(LABELS, 0.1, 0)
    held = numpy.bincount(LABELS[split.held_out], minlength=5)
    # round(0.1 n_c) for n_c = 40, 30, 20, 10, 3
    assert list(held) == [4, 3, 2, 1, 0]


def test_the_same_seed_gives_the_same_split_and_another_another():
    a = holdout.stratified_split(LABELS, 0.2, 3)
    b = holdout.stratified_split(LABELS.copy(), 0.2, 3)
    c = holdout.stratified_split(LABELS, 0.2, 4)
    assert numpy.array_equal(a.held_out, b.held_out)
    assert not numpy.array_equal(a.held_out, c.held_out)


@pytest.mark.parametrize('fraction', [0.0, 1.0, -0.1, 1.5])
def test_a_fraction_outside_the_open_interval_is_refused(fraction):
    with pytest.raises(ValueError, match='strictly between 0 and 1'):
        holdout.stratified_split(LABELS, fraction, 0)
