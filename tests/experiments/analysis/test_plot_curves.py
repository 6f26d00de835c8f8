import os

from experiments.analysis import plot_curves
from experiments.analysis import results
from experiments.folders import suite_file


def test_figures_are_written_and_non_empty(suite_dir, tmp_path):
    out = str(tmp_path / 'figures')
    study = results.load_study([str(suite_dir)],
                               suite_file.find(str(suite_dir)))
    paths = plot_curves.make_figures(study.runs, out)
    names = {os.path.basename(p) for p in paths}
    for base in ('sgd_vs_kfac_sb', 'sgd_vs_kfac_lb_mixup', 'mixup_sgd',
                 'mixup_kfac', 'all_test_accuracy'):
        assert base + '.png' in names and base + '.pdf' in names
    for p in paths:
        assert os.path.getsize(p) > 5000, p


def test_cli_prints_each_figure(suite_dir, tmp_path, capsys):
    out = str(tmp_path / 'figures')
    assert plot_curves.main([str(suite_dir), '--out', out]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert sorted(printed) == sorted('figure: {}'.format(
        os.path.join(out, name)) for name in os.listdir(out))
    assert len(printed) == 2 * len(plot_curves.choices())
