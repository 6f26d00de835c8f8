"""Counters of what each collective moved and how long it took."""
import collections
import time
from typing import Any, Dict


class CommStats(object):
    """``stats[kind]`` -> ``{'calls', 'bytes', 'seconds'}``.

    ``bytes`` counts the packed buffer that enters the collective (the same
    number on every rank): for ``reduce_scatter_v`` every owner's segment,
    for ``all_gather_v`` the gathered result, for ``mean_grad`` the buffer
    that is all-reduced.
    """

    def __init__(self) -> None:
        self._data: Dict[str, Dict[str, Any]] = collections.OrderedDict()

    def record(self, kind: str, nbytes: int, seconds: float) -> None:
        entry = self._data.setdefault(
            kind, {'calls': 0, 'bytes': 0, 'seconds': 0.0})
        entry['calls'] += 1
        entry['bytes'] += int(nbytes)
        entry['seconds'] += seconds

    def timer(self, kind: str, nbytes: int) -> '_Timer':
        return _Timer(self, kind, nbytes)

    def __getitem__(self, kind: str) -> Dict[str, Any]:
        return self._data[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._data

    def as_dict(self) -> Dict[str, Dict[str, Any]]:
        return {k: dict(v) for k, v in self._data.items()}

    def reset(self) -> None:
        self._data.clear()


class _Timer(object):

    def __init__(self, stats: CommStats, kind: str, nbytes: int):
        self.stats, self.kind, self.nbytes = stats, kind, nbytes

    def __enter__(self) -> '_Timer':
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stats.record(self.kind, self.nbytes,
                          time.perf_counter() - self.start)
