"""VGG-style network for 32 x 32 input, as Chainer_K-FAC's
examples/cifar10/models/vgg.py (after torch.ch's CIFAR-10 VGG).

Thirteen 3 x 3 convolutions (no bias, padding 1) each followed by BatchNorm
and ReLU, in five groups of 64, 128, 256, 512, 512 channels (2, 2, 3, 3, 3
convolutions), 2 x 2 max pooling after each group, dropout 0.3 after the
first convolution and 0.4 after the others within a group, then dropout
0.5, a 512-unit fully connected layer (no bias) with BatchNorm and ReLU,
dropout 0.5 and the output layer (no bias).
"""
import chainer
import chainer.functions as F
import chainer.links as L

#: (channels, number of convolutions, dropout after a non-last convolution)
GROUPS = ((64, 2, 0.3), (128, 2, 0.4), (256, 3, 0.4), (512, 3, 0.4),
          (512, 3, 0.4))


class ConvBNReLU(chainer.Chain):

    def __init__(self, n_in: int, n_out: int) -> None:
        super(ConvBNReLU, self).__init__()
        with self.init_scope():
            self.conv = L.Convolution2D(n_in, n_out, 3, pad=1, nobias=True)
            self.bn = L.BatchNormalization(n_out)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        return F.relu(self.bn(self.conv(x)))


class VGG(chainer.Chain):

    def __init__(self, in_channels: int = 3, n_classes: int = 10,
                 in_size: int = 32) -> None:
        super(VGG, self).__init__()
        side = in_size >> len(GROUPS)
        if side < 1:
            raise ValueError('VGG: input size {} is too small (five 2x2 '
                             'poolings need at least 32)'.format(in_size))
        self.dropouts = []
        with self.init_scope():
            self.convs = chainer.ChainList()
            n_in = in_channels
            for width, count, ratio in GROUPS:
                for i in range(count):
                    self.convs.add_link(ConvBNReLU(n_in, width))
                    last = i == count - 1
                    self.dropouts.append(None if last else ratio)
                    n_in = width
            self.fc1 = L.Linear(n_in * side * side, 512, nobias=True)
            self.bn_fc1 = L.BatchNormalization(512)
            self.fc2 = L.Linear(512, n_classes, nobias=True)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = x
        for block, ratio in zip(self.convs, self.dropouts, strict=True):
            h = block(h)
            if ratio is None:
                h = F.max_pooling_2d(h, ksize=2, stride=2)
            else:
                h = F.dropout(h, ratio=ratio)
        h = F.dropout(h, ratio=0.5)
        h = F.relu(self.bn_fc1(self.fc1(h)))
        h = F.dropout(h, ratio=0.5)
        return self.fc2(h)
