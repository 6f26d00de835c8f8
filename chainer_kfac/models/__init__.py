"""Models of the study."""
from chainer_kfac.models.lenet5 import LeNet5  # NOQA
