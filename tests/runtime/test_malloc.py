"""mallopt from inside the process keeps freed memory (page-fault count)."""
import json
import subprocess
import sys

import pytest

from chainer_kfac.runtime import malloc

# Allocate, touch and free 64 MB twice; report the minor page faults of each
# round. With memory kept, the second round reuses the first's pages.
PROBE = '''
import json, resource, sys
import numpy
from chainer_kfac.runtime import malloc
record = malloc.keep_freed_memory() if sys.argv[1] == 'keep' else None
faults = []
for _ in range(2):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = numpy.ones(16 * 2 ** 20, numpy.float32)
    del a
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
print(json.dumps({'faults': faults, 'record': record}))
'''


def probe(mode):
    env = {'PATH': '/usr/bin:/bin'}
    env.update({k: v for k, v in __import__('os').environ.items()
                if k in ('PYTHONPATH', 'HOME')})
    out = subprocess.run([sys.executable, '-c', PROBE, mode], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


needs_glibc = pytest.mark.skipif(malloc.glibc_mallopt() is None,
                                 reason='not glibc')


@needs_glibc
def test_defaults_return_freed_memory_to_the_kernel():
    first, second = probe('default')['faults']
    assert second > first / 2  # faulted in again: nothing was kept


@needs_glibc
def test_keep_freed_memory_reuses_pages():
    result = probe('keep')
    first, second = result['faults']
    assert second < first / 10
    assert result['record'] == {'applied': malloc.KEEP_FREED_MEMORY}


def test_not_glibc_is_a_no_op_with_a_note(monkeypatch):
    monkeypatch.setattr(malloc.platform, 'libc_ver', lambda: ('musl', ''))
    record = malloc.keep_freed_memory()
    assert record['applied'] == {}
    assert 'not glibc (musl)' in record['note']


@needs_glibc
def test_refused_setting_names_the_parameter(monkeypatch):
    monkeypatch.setattr(malloc, 'glibc_mallopt',
                        lambda: (lambda param, value: 0))
    with pytest.raises(OSError, match='M_TOP_PAD'):
        malloc.keep_freed_memory({'M_TOP_PAD': 1})
