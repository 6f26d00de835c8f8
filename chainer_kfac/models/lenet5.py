"""LeNet-5 as in Naganuma & Yokota (HPML 2019), Table 1.

conv 5x5 -> 6, max-pool 2x2, conv 5x5 -> 16, max-pool 2x2, FC 120, FC 84,
FC n_classes, ReLU activations. For 3x32x32 (CIFAR-10) the flattened feature
is 16*5*5 = 400; for 1x28x28 (Fashion-MNIST) it is 16*4*4 = 256.
"""
import chainer
import chainer.functions as F
import chainer.links as L


class LeNet5(chainer.Chain):

    def __init__(self, in_channels: int = 3, in_size: int = 32,
                 n_classes: int = 10) -> None:
        super(LeNet5, self).__init__()
        side = ((in_size - 4) // 2 - 4) // 2
        if side <= 0:
            raise ValueError('LeNet5: input size {} is too small (needs at '
                             'least 16)'.format(in_size))
        with self.init_scope():
            self.conv1 = L.Convolution2D(in_channels, 6, ksize=5)
            self.conv2 = L.Convolution2D(6, 16, ksize=5)
            self.fc3 = L.Linear(16 * side * side, 120)
            self.fc4 = L.Linear(120, 84)
            self.fc5 = L.Linear(84, n_classes)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = F.max_pooling_2d(F.relu(self.conv1(x)), 2)
        h = F.max_pooling_2d(F.relu(self.conv2(h)), 2)
        h = F.relu(self.fc3(h))
        h = F.relu(self.fc4(h))
        return self.fc5(h)
