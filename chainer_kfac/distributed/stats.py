"""Counters of what each collective moved and how long it took."""
import collections
import time


class CommStats(object):
    """``stats[kind]`` -> ``{'calls', 'bytes', 'seconds'}``.

    ``bytes`` counts the packed buffer that enters the collective (the same
    number on every rank): for ``reduce_scatter_v`` every owner's segment,
    for ``all_gather_v`` the gathered result, for ``mean_grad`` the buffer
    that is all-reduced.
    """

    def __init__(self):
        self._data = collections.OrderedDict()

    def record(self, kind, nbytes, seconds):
        entry = self._data.setdefault(
            kind, {'calls': 0, 'bytes': 0, 'seconds': 0.0})
        entry['calls'] += 1
        entry['bytes'] += int(nbytes)
        entry['seconds'] += seconds

    def timer(self, kind, nbytes):
        return _Timer(self, kind, nbytes)

    def __getitem__(self, kind):
        return self._data[kind]

    def __contains__(self, kind):
        return kind in self._data

    def as_dict(self):
        return {k: dict(v) for k, v in self._data.items()}

    def reset(self):
        self._data.clear()


class _Timer(object):

    def __init__(self, stats, kind, nbytes):
        self.stats, self.kind, self.nbytes = stats, kind, nbytes

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.stats.record(self.kind, self.nbytes,
                          time.perf_counter() - self.start)
