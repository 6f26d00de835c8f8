"""Fisher statistics, one module per layer type, and their collector."""
import chainer.links as L

from chainer_kfac.fisher.batch_normalization import \
    BatchNormalizationFisherBlock
from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.collector import FisherStatisticsHook
from chainer_kfac.fisher.convolution_2d import Convolution2DFisherBlock
from chainer_kfac.fisher.linear import LinearFisherBlock

__all__ = ['FisherBlock', 'FisherStatisticsHook', 'create_block',
           'LinearFisherBlock', 'Convolution2DFisherBlock',
           'BatchNormalizationFisherBlock']


def create_block(name, link):
    """Return the Fisher block for ``link``, or ``None`` if K-FAC does not
    cover it (such links get the plain momentum update)."""
    if type(link) is L.Linear:
        return LinearFisherBlock(name, link)
    if type(link) is L.Convolution2D:
        if getattr(link, 'groups', 1) != 1:
            return None
        return Convolution2DFisherBlock(name, link)
    if type(link) is L.BatchNormalization:
        if getattr(link, 'gamma', None) is None or \
                getattr(link, 'beta', None) is None:
            return None
        return BatchNormalizationFisherBlock(name, link)
    return None
