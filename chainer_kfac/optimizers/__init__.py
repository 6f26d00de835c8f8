"""K-FAC optimizers."""
from chainer_kfac.optimizers.distributed_kfac import DistributedKFAC  # NOQA
from chainer_kfac.optimizers.kfac import KFAC  # NOQA
from chainer_kfac.optimizers.kfac import KFACError  # NOQA
from chainer_kfac.optimizers.kfac_rule import KFACUpdateRule  # NOQA
