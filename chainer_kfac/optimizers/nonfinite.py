"""Where a step's numbers stopped being finite (KFAC's ``on_nonfinite``).

:func:`first_nonfinite` names the first parameter gradient, then the first
current factor, that holds an inf or a NaN, or returns None. What follows
(raise :class:`~chainer_kfac.optimizers.kfac.KFACError`, or skip the
update on every rank) is the optimizers' policy.
"""
import typing

from chainer import backend

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.preconditioning.damped_inverse import Array


def first_nonfinite(
        named_params: typing.Iterable[typing.Tuple[str, typing.Any]],
        blocks: typing.Sequence[FisherBlock],
        current: typing.Mapping[str, typing.Optional[typing.List[Array]]]
) -> typing.Optional[str]:
    """``'gradient of NAME'``, ``'factor F of layer NAME'`` or None."""
    for name, param in named_params:
        if param.grad is not None and not all_finite(param.grad):
            return 'gradient of {!r}'.format(name)
    for block in blocks:
        # strict=False: a block without current factors has none.
        for fname, f in zip(block.factor_names,
                            current.get(block.name) or (), strict=False):
            if not all_finite(f):
                return 'factor {} of layer {!r}'.format(fname, block.name)
    return None


def all_finite(array: Array) -> bool:
    xp = backend.get_array_module(array)
    return bool(xp.isfinite(array).all())
