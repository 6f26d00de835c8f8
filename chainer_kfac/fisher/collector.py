"""A :class:`chainer.FunctionHook` that feeds each backward to its block.

During the backward pass that :meth:`KFAC.update` runs, every function node
whose input ``index`` is the parameter a block names in
:meth:`~chainer_kfac.fisher.FisherBlock.hooked_input` (input 1: W of
``linear``/``convolution_2d``, gamma of ``batch_normalization``; input 2:
beta of a BatchNorm without gamma) hands its retained inputs and output
gradients to that block.
"""
import chainer


class FisherStatisticsHook(chainer.FunctionHook):

    name = 'FisherStatisticsHook'

    def __init__(self, blocks):
        self._by_node = {}
        for block in blocks:
            hooked = block.hooked_input()
            if hooked is not None:
                index, param = hooked
                self._by_node[id(param.node)] = (index, param, block)

    def backward_preprocess(self, function, in_data, out_grad):
        for i, node in enumerate(function.inputs[1:3], 1):
            entry = self._by_node.get(id(node))
            if entry is None:
                continue
            index, param, block = entry
            if index == i and node is param.node and \
                    isinstance(function, block.function_types):
                block.collect(function, in_data, out_grad)
                return
