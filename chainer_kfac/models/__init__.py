"""Models, and the registry that ``model:`` in a config names.

Each entry builds a link that maps a batch of images (N, C, H, W) to the
logits (N, n_classes); the loss is the classifier's
(:mod:`chainer_kfac.links`). Every layer type in these models is covered by
a K-FAC Fisher block (Linear, Convolution2D without groups,
BatchNormalization); ``tests/models`` checks it.
"""
import typing

import chainer

from chainer_kfac.models.cnn import CNN
from chainer_kfac.models.lenet5 import LeNet5
from chainer_kfac.models.mlp import MLP
from chainer_kfac.models.resnet50 import ResNet50
from chainer_kfac.models.resnet50_d import ResNet50D
from chainer_kfac.models.vgg import VGG

__all__ = ['CNN', 'LeNet5', 'MLP', 'ResNet50', 'ResNet50D', 'VGG',
           'MODELS', 'ModelSpec', 'build']


class ModelSpec(typing.NamedTuple):
    """How to build one registered model from the data's shape.

    ``build(in_channels, in_size, n_classes)`` returns the link;
    ``in_size`` is the input side it was designed for (None: any).
    """
    build: typing.Callable[[int, int, int], chainer.Chain]
    in_size: typing.Optional[int]
    description: str


MODELS = {
    'lenet5': ModelSpec(
        lambda c, s, k: LeNet5(in_channels=c, in_size=s, n_classes=k),
        None, 'LeNet-5 (Naganuma & Yokota 2019)'),
    'resnet50_d': ModelSpec(
        lambda c, s, k: ResNet50D(in_channels=c, n_classes=k),
        224, 'ResNet-50-D, ImageNet recipe (examples/imagenet)'),
    'resnet50': ModelSpec(
        lambda c, s, k: ResNet50(in_channels=c, n_classes=k),
        32, 'ResNet-50 for CIFAR-10 (examples/cifar10)'),
    'vgg': ModelSpec(
        lambda c, s, k: VGG(in_channels=c, n_classes=k, in_size=s),
        32, 'VGG for CIFAR-10 (examples/cifar10)'),
    'mlp': ModelSpec(
        lambda c, s, k: MLP(n_in=c * s * s, n_classes=k),
        None, 'MLP for MNIST (examples/mnist)'),
    'cnn': ModelSpec(
        lambda c, s, k: CNN(in_channels=c, in_size=s, n_classes=k),
        None, 'CNN for MNIST (examples/mnist)'),
}


def build(name: str, in_channels: int, in_size: int,
          n_classes: int = 10) -> chainer.Chain:
    """The model registered as ``name`` for (in_channels, in_size, in_size)
    input; a wrong name or an input size the model was not designed for
    raises ValueError naming the model and the fix."""
    if name not in MODELS:
        raise ValueError('unknown model {!r}; `model:` must be one of '
                         '{}'.format(name, ', '.join(sorted(MODELS))))
    spec = MODELS[name]
    if spec.in_size is not None and in_size != spec.in_size:
        raise ValueError(
            'model {!r} ({}) is built for {}x{} input, the data is {}x{}: '
            'choose a dataset of that size or another model'.format(
                name, spec.description, spec.in_size, spec.in_size,
                in_size, in_size))
    return spec.build(in_channels, in_size, n_classes)
