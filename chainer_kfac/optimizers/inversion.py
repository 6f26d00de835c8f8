"""A block's inversion, retried with more damping while a damped factor is
not positive definite (each retry multiplies d by 10, at most
:data:`MAX_DAMPING_RETRIES` times; then :class:`KFACError` names the layer,
the step and the fix)."""
import warnings

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.optimizers.overflow import KFACError
from chainer_kfac.preconditioning.damping import Damping
from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError

#: Attempts at inverting a damped factor; each retry multiplies d by 10.
MAX_DAMPING_RETRIES = 3


def invert_with_retries(block: FisherBlock, damping: Damping,
                        step: int) -> None:
    """``block.invert(damping)``, retried with 10x damping."""
    for attempt in range(MAX_DAMPING_RETRIES + 1):
        try:
            block.invert(damping)
            return
        except NotPositiveDefiniteError as e:
            if attempt == MAX_DAMPING_RETRIES:
                raise KFACError(
                    'KFAC: the damped factors of layer {!r} are not '
                    'positive definite at step {} even with damping {:g} '
                    '({}); raise `damping`'.format(
                        block.name, step, damping.value, e)) from e
            warnings.warn(
                'KFAC: damped factor of layer {!r} is not positive '
                'definite at step {} ({}); retrying with damping '
                '{:g}'.format(block.name, step, e, damping.value * 10),
                stacklevel=1)
            damping = damping.times(10)
