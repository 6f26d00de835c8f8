"""Where each array of a collective sits in one flat buffer: the plan.

A collective moves ``groups[r]``, the arrays of segment r (in K-FAC's
collectives: the arrays owned by rank r), as one contiguous buffer. Segment
r holds its arrays one after another, each as :mod:`.packing` writes it (a
symmetric n x n matrix as its upper triangle, n(n+1)/2 numbers), so it has

    counts[r] = sum over its arrays of (n(n+1)/2 if symmetric else size)

elements. Without padding (MPI's "v" collectives) segment r starts at
``displs[r] = counts[0] + ... + counts[r-1]`` and the buffer has
``sum(counts)`` elements; with padding (NCCL has no "v" collectives) every
segment is ``width = max(counts)`` long, starts at ``r * width``, and the
buffer has ``len(counts) * width`` elements (the padding is zero).

A plan depends only on the arrays' shapes, the symmetric flags and the
dtypes (the buffer's is :func:`.packing.common_dtype`, float32 at least):
it is computed once and reused while :meth:`BufferPlan.fits` the arrays of
a step.
"""
import dataclasses
from typing import Any, List, Optional, Sequence, Tuple

import numpy
from chainer import backend

from chainer_kfac.distributed import packing

#: ``groups[r]``: the arrays of segment r (NumPy or CuPy arrays).
Groups = Sequence[Sequence[Any]]
#: ``symmetric[r][i]``: True if ``groups[r][i]`` travels as a triangle.
Flags = Optional[Sequence[Sequence[bool]]]


@dataclasses.dataclass(frozen=True)
class Slot(object):
    """One array's place in its segment: shape, form, packed size and the
    array's own dtype (the buffer's may be wider)."""

    shape: Tuple[int, ...]
    symmetric: bool
    offset: int
    size: int
    dtype: numpy.dtype


class BufferPlan(object):
    """The layout of one flat buffer over ``len(segments)`` segments.

    Build it with :meth:`of`; ``counts``, ``displs``, ``width`` (the
    longest segment, at least 1) and ``total`` are as in the module
    docstring.
    """

    def __init__(self, segments: Sequence[Sequence[Slot]], dtype: Any,
                 padded: bool = False):
        self.segments = tuple(tuple(s) for s in segments)
        self.dtype = numpy.dtype(dtype)
        self.padded = padded
        self.counts = [sum(slot.size for slot in s) for s in self.segments]
        self.width = max(self.counts + [1])
        if padded:
            self.displs = [r * self.width for r in range(len(self.counts))]
            self.total = len(self.counts) * self.width
        else:
            self.displs = [int(d) for d in numpy.cumsum([0] + self.counts)]
            self.total = self.displs.pop()

    @classmethod
    def of(cls, groups: Groups, symmetric: Flags = None,
           padded: bool = False) -> 'BufferPlan':
        """The plan of ``groups`` (``symmetric``: like ``groups``, True
        marks a symmetric matrix; None: none is)."""
        if symmetric is None:
            symmetric = [[False] * len(g) for g in groups]
        segments = []
        for arrays, flags in zip(groups, symmetric, strict=True):
            slots, offset = [], 0
            for array, sym in zip(arrays, flags, strict=True):
                size = packing.packed_size(array, sym)
                slots.append(Slot(tuple(array.shape), bool(sym), offset,
                                  size, numpy.dtype(array.dtype)))
                offset += size
            segments.append(slots)
        return cls(segments, packing.common_dtype(groups), padded)

    def fits(self, groups: Groups) -> bool:
        """True if ``groups`` has this plan's shapes and dtypes."""
        if len(groups) != len(self.segments):
            return False
        for arrays, slots in zip(groups, self.segments, strict=True):
            if len(arrays) != len(slots):
                return False
            for array, slot in zip(arrays, slots, strict=True):
                if array.shape != slot.shape or array.dtype != slot.dtype:
                    return False
        return True

    def segment_length(self, r: int) -> int:
        """Elements of segment r in a buffer (``width`` when padded)."""
        return self.width if self.padded else self.counts[r]

    def new_buffer(self, like: Any, size: int) -> Any:
        """A 1-d buffer of ``size`` elements of ``like``'s array kind
        (NumPy, or CuPy on the current device); zeros when padded."""
        xp = backend.get_array_module(like)
        buf = xp.empty_like(like, dtype=self.dtype, shape=(size,))
        if self.padded:
            buf.fill(0)
        return buf

    def pack(self, buf: Any, groups: Groups) -> None:
        """Write every segment's arrays into ``buf``, segment r at
        ``displs[r]``."""
        for r in range(len(self.segments)):
            self.pack_segment(buf, r, groups[r], self.displs[r])

    def pack_segment(self, buf: Any, r: int, arrays: Sequence[Any],
                     start: int = 0) -> None:
        """Write segment r's ``arrays`` into ``buf`` at ``start``."""
        for array, slot in zip(arrays, self.segments[r], strict=True):
            packing.pack_into(buf, start + slot.offset, array,
                              slot.symmetric)

    def unpack(self, buf: Any, r: int, start: int,
               out: Optional[Sequence[Any]] = None) -> List[Any]:
        """Segment r's arrays read from ``buf`` at ``start``: new arrays,
        or written into ``out`` (symmetric matrices are rebuilt whole)."""
        arrays = []
        for i, slot in enumerate(self.segments[r]):
            arrays.append(packing.unpack(
                buf, start + slot.offset, slot.shape, self.dtype,
                slot.symmetric, None if out is None else out[i]))
        return arrays
