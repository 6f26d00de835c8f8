import os

from experiments.analysis import plot_curves
from experiments.folders import suite_file


def test_figures_are_written_and_non_empty(suite_dir, tmp_path):
    out = str(tmp_path / 'figures')
    paths = plot_curves.make_figures(
        [str(suite_dir)], out, suite_file.find(str(suite_dir)))
    names = {os.path.basename(p) for p in paths}
    for base in ('sgd_vs_kfac_sb', 'sgd_vs_kfac_lb_mixup', 'mixup_sgd',
                 'mixup_kfac', 'all_test_accuracy'):
        assert base + '.png' in names and base + '.pdf' in names
    for p in paths:
        assert os.path.getsize(p) > 5000, p
