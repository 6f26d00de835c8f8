"""A :class:`chainer.FunctionHook` that feeds each backward to its block.

During the backward pass that :meth:`KFAC.update` runs, every function node
whose weight input (input 1: W of ``linear``/``convolution_2d``, gamma of
``batch_normalization``) is the parameter of a K-FAC-covered link hands its
retained inputs and output gradients to that link's Fisher block.

Mixed precision, as Chainer_K-FAC: float16 inputs and output gradients are
handed over in float32 (so the factors are float32), and the output gradients
of a backward run with ``loss_scale`` s are divided by s first, so that the
factors are those of the unscaled loss.
"""
import numpy

import chainer


class FisherStatisticsHook(chainer.FunctionHook):

    name = 'FisherStatisticsHook'

    def __init__(self, blocks, loss_scale=None):
        self._loss_scale = loss_scale
        self._by_node = {}
        for block in blocks:
            weight = block.params()[0]
            self._by_node[id(weight.node)] = (weight, block)

    def backward_preprocess(self, function, in_data, out_grad):
        if len(function.inputs) < 2:
            return
        node = function.inputs[1]
        entry = self._by_node.get(id(node))
        if entry is None:
            return
        weight, block = entry
        if node is not weight.node or \
                not isinstance(function, block.function_types):
            return
        in_data = tuple(_to_float32(x) for x in in_data)
        out_grad = tuple(_unscaled(_to_float32(g), self._loss_scale)
                         for g in out_grad)
        block.collect(function, in_data, out_grad)


def _to_float32(array):
    if array is None or array.dtype != numpy.float16:
        return array
    return array.astype(numpy.float32)


def _unscaled(gy, loss_scale):
    if gy is None or loss_scale is None:
        return gy
    return gy / gy.dtype.type(loss_scale)
