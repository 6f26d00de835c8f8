"""The registered models: output shapes, every layer covered by a K-FAC
Fisher block (none in KFAC.uncovered_links), the layer kinds the issue
names, and one finite K-FAC step of narrow versions."""
import numpy
import pytest

import chainer
import chainer.links as L

import chainer_kfac
from chainer_kfac import fisher
from chainer_kfac import models
from tests.models.kfac_step import step_deltas

SHAPES = {'lenet5': (1, 28), 'mlp': (1, 28), 'cnn': (1, 28),
          'resnet50': (3, 32), 'vgg': (3, 32)}


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _kinds(model):
    """{(ksize, stride, has bias)} of the model's convolutions."""
    return {(c.W.shape[2:], _pair(c.stride), c.b is not None)
            for c in model.links() if isinstance(c, L.Convolution2D)}


def _resnet50_d_size(classes=1000):
    """Parameters of ResNet-50-D counted from its table: stem convs
    3->32 (with bias), 32->32, 32->64, BN (gamma, beta) after each; per
    bottleneck 1x1 c->m, 3x3 m->m, 1x1 m->4m and, in a stage's first, the
    1x1 projection c->4m, each with BN; the fc 2048->classes with bias."""
    total = 3 * 32 * 9 + 32 + 32 * 32 * 9 + 32 * 64 * 9 + 2 * (32 + 32 + 64)
    c = 64
    for blocks, m in ((3, 64), (4, 128), (6, 256), (3, 512)):
        for i in range(blocks):
            total += c * m + 9 * m * m + m * 4 * m + 2 * (m + m + 4 * m)
            if i == 0:
                total += c * 4 * m + 2 * 4 * m
            c = 4 * m
    return total + 2048 * classes + classes


@pytest.mark.parametrize('name', sorted(SHAPES))
def test_small_models_forward_and_are_fully_covered(name):
    channels, size = SHAPES[name]
    numpy.random.seed(0)
    model = models.build(name, channels, size, 10)
    x = numpy.random.rand(2, channels, size, size).astype('f')
    with chainer.using_config('train', True):
        assert model(x).shape == (2, 10)
    optimizer = chainer_kfac.KFAC()
    optimizer.setup(model)
    assert optimizer.uncovered_links == []
    n_links = sum(1 for link in model.links() if link._params)
    assert len(optimizer.blocks) == n_links


def test_registry_errors_name_the_model_and_the_fix():
    with pytest.raises(ValueError, match="unknown model 'resnet18'.*cnn"):
        models.build('resnet18', 3, 32)
    with pytest.raises(ValueError, match="'resnet50_d'.*224x224.*32x32"):
        models.build('resnet50_d', 3, 32)


def test_resnet50_d_layers_and_kfac_coverage():
    """Full width: the stem's 3x3 convolutions (stride 2, the first with
    a bias), 1x1 and 3x3 (strided) bottleneck convolutions, 1x1 projections
    after average pooling, BatchNorm and the fully connected layer, all
    covered."""
    model = models.build('resnet50_d', 3, 224, 1000)
    assert sum(p.size for p in model.params()) == _resnet50_d_size()
    assert _kinds(model) == {((3, 3), (2, 2), True), ((3, 3), (1, 1), False),
                             ((3, 3), (2, 2), False), ((1, 1), (1, 1), False)}
    blocks = [fisher.create_block(n, link)
              for n, link in model.namedlinks() if link._params]
    assert None not in blocks
    kinds = {type(b).__name__ for b in blocks}
    assert kinds == {'Convolution2DFisherBlock', 'LinearFisherBlock',
                     'BatchNormalizationFisherBlock'}
    assert len(blocks) == 1 + 2 * (3 + 16 * 3 + 4)   # fc, conv+BN pairs


def test_cifar_resnet50_has_strided_1x1_convolutions():
    model = models.build('resnet50', 3, 32, 10)
    assert ((1, 1), (2, 2), False) in _kinds(model)
    assert ((3, 3), (1, 1), False) in _kinds(model)


@pytest.mark.parametrize('build, shape', [
    (lambda: models.ResNet50D(n_classes=10, width_divisor=16,
                              stages=((1, 64, 1), (1, 128, 2))), (3, 64)),
    (lambda: models.ResNet50(n_classes=10, width_divisor=16,
                             n_blocks=(1, 1, 1, 1)), (3, 32)),
    (lambda: models.build('cnn', 1, 28, 10), (1, 28))])
def test_one_kfac_step_is_finite_and_moves_every_parameter(build, shape):
    numpy.random.seed(1)
    model = build()
    x = numpy.random.rand(4, shape[0], shape[1], shape[1]).astype('f')
    t = numpy.array([0, 1, 2, 3], 'i')
    deltas, optimizer = step_deltas(model, x, t, lr=0.01)
    assert optimizer.uncovered_links == []
    for name, delta in deltas.items():
        assert numpy.isfinite(delta).all(), name
        if not name.endswith('/b'):   # a bias before BatchNorm has 0 grad
            assert numpy.abs(delta).max() > 0, name
