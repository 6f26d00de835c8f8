"""Tick labels of the log-scale iteration axis; figures written twice are
the same bytes."""
import time

import pytest

from experiments.analysis import plot_common


@pytest.mark.parametrize('value,label', [
    (0.5, '0.5'), (1, '1'), (20, '20'), (500, '500'), (1000, '1k'),
    (2000, '2k'), (50000, '50k'), (100000, '100k'), (2500, '2.5k'),
    (1e6, '1M'), (2e7, '20M'),
])
def test_short_count(value, label):
    assert plot_common.short_count(value) == label


def test_a_figure_written_twice_is_the_same_bytes(tmp_path, monkeypatch):
    # Matplotlib stamps a PDF with the time (SOURCE_DATE_EPOCH overrides).
    monkeypatch.delenv('SOURCE_DATE_EPOCH', raising=False)
    contents = []
    for name in ('a', 'b'):
        fig, ax = plot_common.plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        paths = plot_common.write(fig, str(tmp_path / name))
        plot_common.plt.close(fig)
        contents.append([open(p, 'rb').read() for p in paths])
        time.sleep(1.1)  # the PDF's date has one-second resolution
    assert [p.rsplit('.', 1)[1] for p in paths] == ['png', 'pdf']
    assert contents[0] == contents[1]
