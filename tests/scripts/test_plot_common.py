"""Tick labels of the log-scale iteration axis."""
import pytest

import plot_common


@pytest.mark.parametrize('value,label', [
    (0.5, '0.5'), (1, '1'), (20, '20'), (500, '500'), (1000, '1k'),
    (2000, '2k'), (50000, '50k'), (100000, '100k'), (2500, '2.5k'),
    (1e6, '1M'), (2e7, '20M'),
])
def test_short_count(value, label):
    assert plot_common.short_count(value) == label
