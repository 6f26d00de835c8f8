"""What a dataset loader read, and from where: the ``info`` record every
loader returns beside its two splits (it goes to env.json's ``dataset``;
a resume compares its ``fingerprint``, experiments/train/resume_check.py).
"""
from typing import Any, TypedDict


class DataInfo(TypedDict, total=False):
    """``dataset``: the config's name; ``source``: how it was read (e.g.
    ``'local'``, ``'chainer.datasets.get_cifar10'``); ``path``: the file or
    folder (None: generated); ``fingerprint``: sha256 of the arrays (None:
    not computed, ImageNet), added by experiments/data/datasets.py;
    ``held_out``: how many training examples were held out
    (experiments/train/run_data.py; absent when none were)."""
    dataset: str
    source: str
    path: str | None
    fingerprint: str | None
    held_out: int


#: ``(train, test, info)``: the splits are Chainer datasets of
#: (float32 image, int32 label) examples.
Loaded = tuple[Any, Any, DataInfo]
