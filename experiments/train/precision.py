"""Mixed precision as config keys: the ``mixed_precision:`` section.

- ``dtype: float16`` builds the model's parameters in float16 (Chainer's
  ``config.dtype`` while the model is built) and casts every input to it;
  ``float32`` (default) changes nothing.
- ``fp32_update: true`` (default) updates each float16 parameter through a
  float32 master copy (Chainer's ``use_fp32_update()``, as the original's
  ImageNet script calls it).
- ``loss_scale``: null (none), a positive number (static: the backward
  runs on s * loss, the gradients, kfgrads and K-FAC's statistics remove s),
  or ``dynamic`` (Chainer's dynamic loss scaling from s = 1, doubling per
  update until the first overflow, halved at each overflow, then grown by
  2^(1/``loss_scale_interval``) per update; an overflowing K-FAC step is
  skipped whole: chainer_kfac/optimizers/overflow.py).

K-FAC's factors, inverses and communication buffers are float32 whatever
``dtype`` is (docs/faithfulness.md).
"""
import numbers
from collections.abc import Mapping
from typing import Any, cast

import numpy

import chainer
from chainer import datasets as chainer_datasets

#: ``mixed_precision.dtype`` choices.
DTYPES = ('float32', 'float16')
DYNAMIC = 'dynamic'


def check_loss_scale(value: object) -> None:
    """A ValueError (with the fix) unless null, > 0, or ``dynamic``."""
    if value is None or value == DYNAMIC:
        return
    if isinstance(value, numbers.Real) and not isinstance(value, bool) \
            and cast(float, value) > 0:
        return
    raise ValueError(
        'must be null (no loss scaling), a positive number (static, e.g. '
        '1024.0) or {!r} (Chainer\'s dynamic loss scaling), not '
        '{!r}'.format(DYNAMIC, value))


def model_dtype(config: Mapping[str, Any]) -> numpy.dtype:
    return numpy.dtype(config['mixed_precision']['dtype'])


def building(config: Mapping[str, Any]) -> Any:
    """Context in which the model is built in the configured dtype."""
    return chainer.using_config('dtype', model_dtype(config))


class CastInputs(object):
    """``(x, t, ...) -> (x in dtype, t, ...)`` (picklable: loader
    processes)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = numpy.dtype(dtype)

    def __call__(self, example: tuple[Any, ...]) -> tuple[Any, ...]:
        return (numpy.asarray(example[0]).astype(self.dtype),) + \
            tuple(example[1:])


def cast_inputs(dataset: Any, config: Mapping[str, Any]) -> Any:
    """``dataset`` with its inputs in the model's dtype."""
    dtype = model_dtype(config)
    if dtype == numpy.float32:
        return dataset
    return chainer_datasets.TransformDataset(dataset, CastInputs(dtype))


def apply(optimizer: Any, config: Mapping[str, Any]) -> None:
    """The float32 update and the loss scaling (after ``setup``)."""
    section = config['mixed_precision']
    if section['fp32_update'] and model_dtype(config) == numpy.float16:
        optimizer.use_fp32_update()
    scale = section['loss_scale']
    if scale == DYNAMIC:
        optimizer.loss_scaling(interval=section['loss_scale_interval'])
    elif scale is not None:
        optimizer.loss_scaling(scale=float(scale))
