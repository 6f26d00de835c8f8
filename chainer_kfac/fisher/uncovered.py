"""The block of a link K-FAC does not cover: no factors, no preconditioning.

Its parameters get the plain momentum update of their gradient
(``p.kfgrad`` stays unset, so :class:`~chainer_kfac.optimizers.kfac_rule.
KFACUpdateRule` uses ``p.grad``). DistributedKFAC assigns it to a rank like
any other block: the owner receives the reduced gradient and updates the
parameters.
"""
from chainer_kfac.fisher.block import FisherBlock


class UncoveredLinkBlock(FisherBlock):

    def params(self):
        """The link's own parameters (not its children's), by name."""
        return [getattr(self.link, n) for n in sorted(self.link._params)]

    def hooked_input(self):
        return None

    def factor_shapes(self):
        return []

    def symmetric_factors(self):
        return []

    def inversion_cost(self):
        return 0.0

    def invert(self, damping, *, pi_type, use_cholesky, stab_coeff):
        """Nothing to invert."""

    def precondition(self):
        """Nothing to precondition: the update uses ``p.grad``."""
