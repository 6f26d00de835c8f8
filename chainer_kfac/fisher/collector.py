"""A :class:`chainer.FunctionHook` that feeds each backward to its block.

During the backward pass that :meth:`KFAC.update` runs, every function node
whose input ``index`` is the parameter a block names in
:meth:`~chainer_kfac.fisher.FisherBlock.hooked_input` (input 1: W of
``linear``/``convolution_2d``, gamma of ``batch_normalization``; input 2:
beta of a BatchNorm without gamma) hands its retained inputs and output
gradients to that block, with K-FAC's BLAS thread count
(:func:`chainer_kfac.runtime.blas.kfac_work`). With ``wanted`` a pass
computes only the factors it names per block (stale statistics; the
Monte-Carlo Fisher's passes at sampled labels).

Mixed precision, as Chainer_K-FAC: float16 inputs and output gradients are
handed over in float32 (so the factors are float32), and the output gradients
of a backward run with ``loss_scale`` s are divided by s first, so that the
factors are those of the unscaled loss.
"""
import typing

import numpy

import chainer

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.preconditioning.damped_inverse import Array
from chainer_kfac.runtime import blas

#: Per block name, the factors a pass computes (a block not named: none).
Wanted = typing.Mapping[str, typing.Sequence[bool]]


class FisherStatisticsHook(chainer.FunctionHook):

    name = 'FisherStatisticsHook'

    def __init__(self, blocks: typing.Iterable[FisherBlock],
                 loss_scale: typing.Optional[float] = None,
                 wanted: typing.Optional[Wanted] = None) -> None:
        self._loss_scale = loss_scale
        self._wanted = wanted
        self._by_node = {}
        for block in blocks:
            hooked = block.hooked_input()
            mask = None if wanted is None else wanted.get(block.name)
            if hooked is None or (wanted is not None and not any(
                    mask or ())):
                continue
            index, param = hooked
            self._by_node[id(param.node)] = (index, param, block, mask)

    def backward_preprocess(self, function: typing.Any,
                            in_data: typing.Sequence[Array],
                            out_grad: typing.Sequence[Array]) -> None:
        for i, node in enumerate(function.inputs[1:3], 1):
            entry = self._by_node.get(id(node))
            if entry is None:
                continue
            index, param, block, mask = entry
            if index == i and node is param.node and \
                    isinstance(function, block.function_types):
                self._collect(block, function, in_data, out_grad, mask)
                return

    def _collect(self, block: FisherBlock, function: typing.Any,
                 in_data: typing.Sequence[Array],
                 out_grad: typing.Sequence[Array],
                 mask: typing.Optional[typing.Sequence[bool]]) -> None:
        in_data = tuple(_to_float32(x) for x in in_data)
        out_grad = tuple(_unscaled(_to_float32(g), self._loss_scale)
                         for g in out_grad)
        with blas.kfac_work():
            block.collect(function, in_data, out_grad, mask)


def _to_float32(array: Array) -> Array:
    if array is None or array.dtype != numpy.float16:
        return array
    return array.astype(numpy.float32)


def _unscaled(gy: Array, loss_scale: typing.Optional[float]) -> Array:
    if gy is None or loss_scale is None:
        return gy
    return gy / gy.dtype.type(loss_scale)
