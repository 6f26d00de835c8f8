"""ResNet-50 for 32 x 32 (CIFAR-shaped) input, as Chainer_K-FAC's
examples/cifar10/models/resnet50.py.

A 3 x 3 convolution (stride 1, no padding: 32 -> 30) with BatchNorm and
ReLU, four stages of (3, 4, 6, 3) bottlenecks (widths 64/128/256/512, x4
out; stride 1, 2, 2, 2 in the first bottleneck's 1 x 1 convolution and in
its 1 x 1 projection shortcut, each followed by BatchNorm), global average
pooling and a fully connected layer. He-normal weights, no convolution
biases. As in the original, a bottleneck has no ReLU after the addition.
``width_divisor`` divides every channel count and ``n_blocks`` sets the
stage depths, so that tests can train a small ResNet of the same design.
"""
from typing import Sequence

import chainer
import chainer.functions as F
import chainer.links as L
from chainer import initializers

N_BLOCKS = (3, 4, 6, 3)


def _conv(n_in: int, n_out: int, ksize: int, stride: int = 1,
          pad: int = 0) -> L.Convolution2D:
    return L.Convolution2D(n_in, n_out, ksize, stride, pad, nobias=True,
                           initialW=initializers.HeNormal())


class Bottleneck(chainer.Chain):

    def __init__(self, n_in: int, n_mid: int, n_out: int, stride: int = 1,
                 project: bool = False) -> None:
        super(Bottleneck, self).__init__()
        self.project = project
        with self.init_scope():
            self.conv1 = _conv(n_in, n_mid, 1, stride)
            self.bn1 = L.BatchNormalization(n_mid)
            self.conv2 = _conv(n_mid, n_mid, 3, 1, 1)
            self.bn2 = L.BatchNormalization(n_mid)
            self.conv3 = _conv(n_mid, n_out, 1)
            self.bn3 = L.BatchNormalization(n_out)
            if project:
                self.conv4 = _conv(n_in, n_out, 1, stride)
                self.bn4 = L.BatchNormalization(n_out)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        if self.project:
            return h + self.bn4(self.conv4(x))
        return h + x


def stage(n_in: int, n_mid: int, n_out: int, n_blocks: int,
          stride: int) -> chainer.Sequential:
    """A projecting, strided bottleneck, then ``n_blocks - 1`` plain ones."""
    rest = (Bottleneck(n_out, n_mid, n_out) for _ in range(n_blocks - 1))
    return chainer.Sequential(
        Bottleneck(n_in, n_mid, n_out, stride, project=True), *rest)


class ResNet50(chainer.Chain):

    def __init__(self, in_channels: int = 3, n_classes: int = 10,
                 n_blocks: Sequence[int] = N_BLOCKS,
                 width_divisor: int = 1) -> None:
        super(ResNet50, self).__init__()
        n = int(width_divisor)
        with self.init_scope():
            self.conv1 = _conv(in_channels, 64 // n, 3)
            self.bn2 = L.BatchNormalization(64 // n)
            self.stages = chainer.Sequential()
            n_in = 64 // n
            for i, depth in enumerate(n_blocks):
                mid = (64 << i) // n
                self.stages.append(stage(n_in, mid, mid * 4, depth,
                                         1 if i == 0 else 2))
                n_in = mid * 4
            self.fc7 = L.Linear(n_in, n_classes)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = F.relu(self.bn2(self.conv1(x)))
        h = self.stages(h)
        h = F.average_pooling_2d(h, h.shape[2:])
        return self.fc7(h)
