"""The block of a link K-FAC does not cover: no factors, no preconditioning.

Its parameters get the plain momentum update of their gradient
(``p.kfgrad`` stays unset, so :class:`~chainer_kfac.optimizers.kfac_rule.
KFACUpdateRule` uses ``p.grad``). DistributedKFAC assigns it to a rank like
any other block: the owner receives the reduced gradient and updates the
parameters.
"""
import typing

import chainer

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.factors import Factor
from chainer_kfac.preconditioning.damping import Damping


class UncoveredLinkBlock(FisherBlock):

    def params(self) -> typing.List[chainer.Parameter]:
        """The link's own parameters (not its children's), by name."""
        return [getattr(self.link, n) for n in sorted(self.link._params)]

    def hooked_input(self) -> None:
        return None

    def output_side_factors(self) -> typing.Tuple[bool, ...]:
        return ()

    def factor_shapes(self) -> typing.List[typing.Tuple[int, ...]]:
        return []

    def factor_types(self) -> typing.List[typing.Type[Factor]]:
        return []

    def invert(self, damping: Damping) -> None:
        """Nothing to invert."""

    def precondition(self) -> None:
        """Nothing to precondition: the update uses ``p.grad``."""
