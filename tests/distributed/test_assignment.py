import numpy as np
import pytest

import chainer.links as L

from chainer_kfac import fisher
from chainer_kfac.distributed import assign
from chainer_kfac.distributed import inversion_cost
from chainer_kfac.models import LeNet5


def test_contiguous_is_array_split_of_the_layer_list():
    assert assign([1] * 5, 2, 'contiguous') == [0, 0, 0, 1, 1]
    assert assign([1] * 5, 4, 'contiguous') == [0, 0, 1, 2, 3]
    assert assign([1] * 2, 3, 'contiguous') == [0, 1]


def test_balanced_isolates_the_costliest_layer_of_lenet5():
    model = L.Classifier(LeNet5())
    blocks = [fisher.create_block(n, link)
              for n, link in model.namedlinks()]
    blocks = [b for b in blocks if b is not None]
    assert [b.name for b in blocks] == [
        '/predictor/conv1', '/predictor/conv2', '/predictor/fc3',
        '/predictor/fc4', '/predictor/fc5']
    costs = [inversion_cost(b) for b in blocks]
    # fc3: A is 401 x 401, G 120 x 120.
    assert costs[2] == pytest.approx(401 ** 3 + 120 ** 3)

    def max_load(owners, size):
        load = np.zeros(size)
        for c, r in zip(costs, owners, strict=True):
            load[r] += c
        return load.max()

    balanced = assign(costs, 4, 'balanced')
    assert sorted(set(balanced)) == [0, 1, 2, 3]
    assert max_load(balanced, 4) == pytest.approx(costs[2])  # fc3 alone
    for size in (2, 3):
        # contiguous puts fc3 together with other layers; balanced does not
        assert max_load(assign(costs, size, 'balanced'), size) == \
            pytest.approx(costs[2])
        assert max_load(assign(costs, size, 'contiguous'), size) > \
            1.03 * costs[2]


def test_unknown_method():
    with pytest.raises(ValueError, match='assignment'):
        assign([1], 1, 'random')


def test_each_block_declares_its_inversion_cost():
    bn = L.BatchNormalization(4)
    bn(np.zeros((2, 4), dtype=np.float32))
    fc = L.Linear(5, 3)
    conv = L.Convolution2D(2, 3, 3)
    assert inversion_cost(fisher.create_block('/bn', bn)) == 8 ** 3
    assert inversion_cost(fisher.create_block(
        '/bn', bn, bn_fisher='unit_wise')) == 4 * 2 ** 3
    assert inversion_cost(fisher.create_block(
        '/bn', bn, diagonalize=True)) == 8
    assert inversion_cost(fisher.create_block(
        '/fc', fc, diagonalize=True)) == 6 + 3
    assert inversion_cost(fisher.create_block(
        '/conv', conv, diagonalize=True)) == 19 ** 3 + 3
    assert inversion_cost(fisher.UncoveredLinkBlock(
        '/b', L.Bias(shape=(3,)))) == 0
