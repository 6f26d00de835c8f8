"""``gpu-check parity``: logs compared entry by entry, a log's numbers
finite, and the K-FAC steps of two devices (the CPU twice here)."""
import json

import pytest

from experiments.checks import gpu_parity
from experiments.errors import run


def write_log(path, entries):
    path.write_text(json.dumps(entries))
    return str(path)


def test_logs_compare_entry_by_entry(tmp_path):
    ref = [{'iteration': 10, 'epoch': 0, 'main/loss': 2.0,
            'validation/main/accuracy': 0.5, 'elapsed_time': 1.0}]
    near = [dict(ref[0], **{'main/loss': 2.01, 'elapsed_time': 9.0})]
    far = [dict(ref[0], **{'main/loss': 2.2})]
    other_iteration = [dict(ref[0], iteration=11)]
    a = write_log(tmp_path / 'a', ref)
    for entries, rtol, expected in ((near, 0.02, 0), (near, 1e-3, 1),
                                    (far, 0.02, 1), (other_iteration, 1, 1)):
        b = write_log(tmp_path / 'b', entries)
        assert gpu_parity.main(['logs', a, b, '--rtol', str(rtol),
                                '--atol', '0']) == expected


def test_finite_fails_on_nan_and_on_an_empty_log(tmp_path, capsys):
    good = write_log(tmp_path / 'g', [{'iteration': 1, 'main/loss': 1.0}])
    bad = write_log(tmp_path / 'b', [{'iteration': 1,
                                      'main/loss': float('nan')}])
    assert gpu_parity.main(['finite', good]) == 0
    assert gpu_parity.main(['finite', bad]) == 1
    empty = write_log(tmp_path / 'e', [])
    with pytest.raises(gpu_parity.LogError, match='e: the log has no entry'):
        gpu_parity.main(['finite', empty])
    capsys.readouterr()
    # as a command: the message on stderr, exit status 1
    assert run(gpu_parity.main, ['finite', empty]) == 1
    assert capsys.readouterr().err == \
        'error: {}: the log has no entry\n'.format(empty)


def test_steps_parity_on_the_cpu_is_exact():
    assert gpu_parity.main(['steps', '--device', '@numpy', '--steps',
                            '1']) == 0


def test_compare_names_what_is_missing_or_beyond_tolerance(capsys):
    reference = {'a': [1.0, 2.0], 'b': [1.0], 'c': [0.0]}
    other = {'a': [1.0, 2.0], 'b': [1.1]}
    assert gpu_parity.compare(reference, other, 1e-3, 1e-5) == ['b', 'c']
    out = capsys.readouterr().out
    assert 'c' + ' ' * 39 + ' missing' in out
