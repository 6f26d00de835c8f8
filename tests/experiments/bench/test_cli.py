"""``python -m experiments bench BENCHMARK``: the first word picks the
benchmark, the rest is its own."""
import pytest

from experiments.bench import cli


def test_help_lists_every_benchmark_with_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(['--help'])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name, benchmark in cli.BENCHMARKS.items():
        assert '  {:<14}{}\n'.format(name, benchmark.help) in out
    assert set(cli.BENCHMARKS) == {
        'step-time', 'comm', 'resnet', 'resnet-mpi', 'inverse', 'kernels',
        'resnet-table', 'project-comm', 'refinements'}


def test_the_rest_goes_to_the_benchmarks_main(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, 'load', lambda name: lambda argv: seen.append(
        (name, argv)) or 7)
    assert cli.main(['resnet-table', 'a.json', '--help']) == 7
    assert seen == [('resnet-table', ['a.json', '--help'])]


def test_every_benchmark_has_a_main():
    for name in cli.BENCHMARKS:
        assert callable(cli.load(name)), name


def test_an_unknown_benchmark_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(['step_time'])
    assert exit_.value.code == 2
    assert "invalid choice: 'step_time'" in capsys.readouterr().err
