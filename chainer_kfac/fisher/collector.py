"""A :class:`chainer.FunctionHook` that feeds each backward to its block.

During the backward pass that :meth:`KFAC.update` runs, every function node
whose weight input (input 1: W of ``linear``/``convolution_2d``, gamma of
``batch_normalization``) is the parameter of a K-FAC-covered link hands its
retained inputs and output gradients to that link's Fisher block, with
K-FAC's BLAS thread count (:func:`chainer_kfac.runtime.blas.kfac_work`).
"""
import chainer

from chainer_kfac.runtime import blas


class FisherStatisticsHook(chainer.FunctionHook):

    name = 'FisherStatisticsHook'

    def __init__(self, blocks):
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
        with blas.kfac_work():
            block.collect(function, in_data, out_grad)
