"""The CNN of Chainer_K-FAC's examples/mnist/train.py.

conv 5x5 -> 20, ReLU, max-pool 2x2, conv 5x5 -> 50, ReLU, max-pool 2x2,
FC 500 with ReLU, FC n_classes. For 28 x 28 input the flattened feature is
50 * 4 * 4 = 800.
"""
import chainer
import chainer.functions as F
import chainer.links as L


class CNN(chainer.Chain):

    def __init__(self, in_channels: int = 1, in_size: int = 28,
                 n_classes: int = 10) -> None:
        super(CNN, self).__init__()
        side = ((in_size - 4) // 2 - 4) // 2
        if side <= 0:
            raise ValueError('CNN: input size {} is too small (needs at '
                             'least 16)'.format(in_size))
        with self.init_scope():
            self.conv1 = L.Convolution2D(in_channels, 20, 5)
            self.conv2 = L.Convolution2D(20, 50, 5)
            self.l3 = L.Linear(50 * side * side, 500)
            self.l4 = L.Linear(500, n_classes)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = F.max_pooling_2d(F.relu(self.conv1(x)), 2)
        h = F.max_pooling_2d(F.relu(self.conv2(h)), 2)
        h = F.relu(self.l3(h))
        return self.l4(h)
