"""Fisher blocks, one module per layer type; their factors (running
averages owning their damped inverses, :mod:`.factors`); the collector."""
import typing

import chainer
import chainer.links as L

from chainer_kfac.fisher.batch_normalization import \
    BatchNormalizationFisherBlock
from chainer_kfac.fisher.batch_normalization_unit_wise import \
    UnitWiseBatchNormalizationFisherBlock
from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.collector import FisherStatisticsHook
from chainer_kfac.fisher.convolution_2d import Convolution2DFisherBlock
from chainer_kfac.fisher.linear import LinearFisherBlock
from chainer_kfac.fisher.uncovered import UncoveredLinkBlock

__all__ = ['FisherBlock', 'FisherStatisticsHook', 'create_block',
           'LinearFisherBlock', 'Convolution2DFisherBlock',
           'BatchNormalizationFisherBlock',
           'UnitWiseBatchNormalizationFisherBlock', 'UncoveredLinkBlock',
           'BN_FISHER_TYPES', 'check_block_options']

#: Values of ``bn_fisher``: Chainer_K-FAC's one full matrix per layer, or
#: one block per channel (Osawa et al. 2019, sec. 4).
BN_FISHER_TYPES = ('full', 'unit_wise')


def create_block(name: str, link: chainer.Link, bn_fisher: str = 'full',
                 diagonalize: bool = False,
                 damping_in_running_average: bool = False
                 ) -> typing.Optional[FisherBlock]:
    """Return the Fisher block for ``link``, or ``None`` if K-FAC does not
    cover it (such links get the plain momentum update).

    Covered, as in the original, by ``isinstance`` (subclasses included):
    ``L.Linear``, ``L.Convolution2D`` (without groups) and
    ``L.BatchNormalization`` with gamma and/or beta. ``diagonalize`` keeps
    only the diagonals of A and G (Linear), of G (Convolution2D) and of F
    (BatchNormalization, where it overrides ``bn_fisher``: the unit-wise
    blocks have the same diagonal). ``damping_in_running_average`` is the
    original's in-place damping (:meth:`FisherBlock.hold_inverses`).
    """
    check_block_options(bn_fisher, diagonalize, damping_in_running_average)
    block = _block_for(name, link, bn_fisher, diagonalize)
    if block is not None:
        block.damping_in_running_average = bool(damping_in_running_average)
    return block


def check_block_options(bn_fisher: str, diagonalize: bool,
                        damping_in_running_average: bool) -> None:
    """Raise ValueError naming the option for a combination not offered."""
    if bn_fisher not in BN_FISHER_TYPES:
        raise ValueError('bn_fisher must be one of {}, not {!r}'.format(
            BN_FISHER_TYPES, bn_fisher))
    if damping_in_running_average and bn_fisher == 'unit_wise' and \
            not diagonalize:
        raise ValueError(
            "damping_in_running_average reproduces the original, which has "
            "no unit-wise BatchNorm block; use it with bn_fisher='full' (or "
            "diagonalize=True)")


def _block_for(name: str, link: chainer.Link, bn_fisher: str,
               diagonalize: bool) -> typing.Optional[FisherBlock]:
    if isinstance(link, L.Linear):
        return LinearFisherBlock(name, link, diagonalize)
    if isinstance(link, L.Convolution2D):
        if link.groups != 1:
            return None
        return Convolution2DFisherBlock(name, link, diagonalize)
    if isinstance(link, L.BatchNormalization):
        if link.gamma is None and link.beta is None:
            return None
        if bn_fisher == 'unit_wise' and not diagonalize:
            return UnitWiseBatchNormalizationFisherBlock(name, link)
        return BatchNormalizationFisherBlock(name, link, diagonalize)
    return None
