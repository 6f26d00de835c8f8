"""ResNet-50-D for 224 x 224 ImageNet input, as Chainer_K-FAC's
examples/imagenet/models/resnet50_d.py (He et al. 2019, "Bag of Tricks").

Differences from ResNet-50 (the "D" tweaks):

- deep stem: three 3 x 3 convolutions (3 -> 32, stride 2; 32 -> 32;
  32 -> 64), each followed by BatchNorm and ReLU, then 3 x 3 max pooling
  with stride 2 (224 -> 112 -> 56);
- the first bottleneck of a stage downsamples in its 3 x 3 convolution
  (stride 2), not in the 1 x 1;
- its shortcut average-pools 2 x 2 (stride 2) *before* the 1 x 1
  projection, which therefore has stride 1.

Stages of (3, 4, 6, 3) bottlenecks with widths 64/128/256/512 (x4 out),
global average pooling and a fully connected layer. Every convolution has
no bias except the first (as in the original), every BatchNorm has
gamma ~ N(1, 0.05^2), beta = 0, decay 0.9, eps 2e-5; weights are He-normal.
The original's model also ran mixup, random erasing and the loss; here those
are :class:`chainer_kfac.links.RecipeClassifier`'s, so this link returns the
logits. ``width_divisor`` n divides every channel count (the original's
``n``, which there breaks at n > 1 because conv1_2 keeps 32 inputs).
"""
from typing import Any, Sequence, Tuple

import chainer
import chainer.functions as F
import chainer.links as L
from chainer import initializers

STAGES = ((3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2))
EXPANSION = 4


class NormalAroundOne(initializers.Normal):
    """N(mean, scale^2): the original's ``NormalM`` for BatchNorm's gamma."""

    def __init__(self, scale: float = 0.05, mean: float = 1.0,
                 dtype: Any = None) -> None:
        self.mean = mean
        super(NormalAroundOne, self).__init__(scale, dtype)

    def __call__(self, array: Any) -> None:
        super(NormalAroundOne, self).__call__(array)
        array[...] += self.mean


def batch_norm(size: int) -> L.BatchNormalization:
    return L.BatchNormalization(size, decay=0.9, eps=2e-5,
                                initial_gamma=NormalAroundOne())


def conv(n_in: int, n_out: int, ksize: int, stride: int = 1,
         nobias: bool = True) -> L.Convolution2D:
    return L.Convolution2D(n_in, n_out, ksize, stride, ksize // 2,
                           nobias=nobias, initialW=initializers.HeNormal())


class ConvBN(chainer.Chain):
    """Convolution followed by BatchNorm (no activation)."""

    def __init__(self, n_in: int, n_out: int, ksize: int, stride: int = 1,
                 nobias: bool = True) -> None:
        super(ConvBN, self).__init__()
        with self.init_scope():
            self.conv = conv(n_in, n_out, ksize, stride, nobias)
            self.bn = batch_norm(n_out)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        return self.bn(self.conv(x))


class Bottleneck(chainer.Chain):
    """1x1 -> 3x3 (stride) -> 1x1 with a shortcut; ``project``: the
    shortcut is [2x2 average pooling if strided ->] 1x1 conv -> BN."""

    def __init__(self, n_in: int, n_mid: int, n_out: int, stride: int = 1,
                 project: bool = False) -> None:
        super(Bottleneck, self).__init__()
        self.stride = stride
        self.project = project
        with self.init_scope():
            self.a = ConvBN(n_in, n_mid, 1)
            self.b = ConvBN(n_mid, n_mid, 3, stride)
            self.c = ConvBN(n_mid, n_out, 1)
            if project:
                self.shortcut = ConvBN(n_in, n_out, 1)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = F.relu(self.a(x))
        h = F.relu(self.b(h))
        h = self.c(h)
        if self.project:
            if self.stride > 1:
                x = F.average_pooling_2d(x, 2, stride=self.stride)
            x = self.shortcut(x)
        return F.relu(h + x)


def stage(n_blocks: int, n_in: int, n_mid: int,
          stride: int) -> chainer.Sequential:
    """A projecting, strided bottleneck, then ``n_blocks - 1`` plain ones."""
    n_out = n_mid * EXPANSION
    rest = (Bottleneck(n_out, n_mid, n_out) for _ in range(n_blocks - 1))
    return chainer.Sequential(
        Bottleneck(n_in, n_mid, n_out, stride, project=True), *rest)


class ResNet50D(chainer.Chain):

    insize = 224

    def __init__(self, in_channels: int = 3, n_classes: int = 1000,
                 width_divisor: int = 1,
                 stages: Sequence[Tuple[int, int, int]] = STAGES) -> None:
        super(ResNet50D, self).__init__()
        n = int(width_divisor)
        with self.init_scope():
            self.stem1 = ConvBN(in_channels, 32 // n, 3, 2, nobias=False)
            self.stem2 = ConvBN(32 // n, 32 // n, 3)
            self.stem3 = ConvBN(32 // n, 64 // n, 3)
            self.stages = chainer.Sequential()
            n_in = 64 // n
            for n_blocks, width, stride in stages:
                self.stages.append(stage(n_blocks, n_in, width // n, stride))
                n_in = width // n * EXPANSION
            self.fc = L.Linear(n_in, n_classes,
                               initialW=initializers.HeNormal())

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = F.relu(self.stem1(x))
        h = F.relu(self.stem2(h))
        h = F.relu(self.stem3(h))
        h = F.max_pooling_2d(h, 3, stride=2)
        h = self.stages(h)
        h = F.average_pooling_2d(h, h.shape[2:])
        return self.fc(h)
