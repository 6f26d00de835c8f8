"""``python -m experiments gpu-check PART``: the first word picks the part
of the GPU check, the rest is its own."""
import pytest

from experiments.checks import cli


def test_help_lists_every_part_with_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(['--help'])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name, part in cli.PARTS.items():
        assert '  {:<11}{}\n'.format(name, part.help) in out
    assert set(cli.PARTS) == {'stack', 'parity', 'breakdown', 'suite'}


def test_the_rest_goes_to_the_parts_main(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, 'load', lambda name: lambda argv: seen.append(
        (name, argv)) or 4)
    assert cli.main(['parity', 'finite', 'LOG']) == 4
    assert seen == [('parity', ['finite', 'LOG'])]


def test_every_part_has_a_main():
    for name in cli.PARTS:
        assert callable(cli.load(name)), name


def test_the_suite_part_runs_its_subcommands(tmp_path, capsys):
    assert cli.main(['suite', 'status', str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == \
        '0 runs, 0 done; newest checkpoints at epochs []'
