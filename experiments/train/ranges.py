"""``Range``: the interval a config value (or each item of a list) must lie
in, and how an error message states it (experiments/config.py's RANGES)."""
import math
from typing import Any, Optional

#: The config types of a number (YAML's ints and floats).
NUMBER = (int, float)


class Range(object):
    """``lo <(=) value <(=) hi``; a list value: every item in range (with
    ``length`` items when given). NaN and infinities are never in range
    (``lr: .inf`` is YAML for an infinite rate)."""

    def __init__(self, lo: Optional[float] = None,
                 hi: Optional[float] = None, lo_open: bool = False,
                 hi_open: bool = False, length: Optional[int] = None):
        self.lo, self.hi = lo, hi
        self.lo_open, self.hi_open = lo_open, hi_open
        self.length = length

    def contains(self, value: Any) -> bool:
        if isinstance(value, list):
            return (self.length is None or len(value) == self.length) and \
                all(isinstance(v, NUMBER) and not isinstance(v, bool) and
                    self.contains(v) for v in value)
        if not math.isfinite(value):
            return False
        above = self.lo is None or (value > self.lo if self.lo_open
                                    else value >= self.lo)
        below = self.hi is None or (value < self.hi if self.hi_open
                                    else value <= self.hi)
        return bool(above and below)

    def __str__(self) -> str:
        parts = []
        if self.lo is not None:
            parts.append('{} {}'.format('>' if self.lo_open else '>=',
                                        self.lo))
        if self.hi is not None:
            parts.append('{} {}'.format('<' if self.hi_open else '<=',
                                        self.hi))
        text = ' and '.join(['finite'] + parts)
        if self.length is not None:
            return 'a list of {} numbers, each {}'.format(self.length, text)
        return text
