"""The MLP of Chainer_K-FAC's examples/mnist/train.py: two hidden layers
of 1,000 units with ReLU, then the output layer (all with biases)."""
import chainer
import chainer.functions as F
import chainer.links as L


class MLP(chainer.Chain):

    def __init__(self, n_in: int = 784, n_classes: int = 10,
                 n_hidden: int = 1000) -> None:
        super(MLP, self).__init__()
        with self.init_scope():
            self.l1 = L.Linear(n_in, n_hidden)
            self.l2 = L.Linear(n_hidden, n_hidden)
            self.l3 = L.Linear(n_hidden, n_classes)

    def forward(self, x: chainer.Variable) -> chainer.Variable:
        h = F.relu(self.l1(x))
        h = F.relu(self.l2(h))
        return self.l3(h)
