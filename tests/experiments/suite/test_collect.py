"""``python -m experiments collect`` on a run folder with finished and
unfinished runs."""
from experiments.suite import collect as collect_results


def run_folder(root, rel, done):
    folder = root / rel
    folder.mkdir(parents=True)
    for name in ('config.yaml', 'env.json', 'log', 'train.log',
                 'snapshot_iter_10', 'accuracy.png'):
        (folder / name).write_text(name)
    if done:
        (folder / 'DONE').write_text('finished at iteration 10\n')


def suite(tmp_path):
    src = tmp_path / 'suite'
    run_folder(src, 'seed_0/sb_kfac_mixup', done=True)
    run_folder(src, 'seed_0/sb_kfac_nomixup', done=False)
    (src / 'suite.yaml').write_text('description: x\n')
    (src / 'table.md').write_text('| a |\n')
    (src / 'figures').mkdir()
    (src / 'figures' / 'curves.png').write_text('png')
    return src


def test_finished_runs_are_copied_without_snapshots(tmp_path):
    src, dst = suite(tmp_path), tmp_path / 'docs'
    copied, skipped = collect_results.collect(str(src), str(dst))
    run = dst / 'seed_0' / 'sb_kfac_mixup'
    assert sorted(p.name for p in run.iterdir()) == [
        'DONE', 'config.yaml', 'env.json', 'log', 'train.log']
    assert (dst / 'suite.yaml').exists() and (dst / 'table.md').exists()
    assert (dst / 'figures' / 'curves.png').exists()
    assert len(copied) == 8
    assert skipped == ['seed_0/sb_kfac_nomixup']


def test_an_unfinished_run_is_skipped_and_named(tmp_path, capsys):
    src, dst = suite(tmp_path), tmp_path / 'docs'
    assert collect_results.main([str(src), str(dst)]) == 0
    assert not (dst / 'seed_0' / 'sb_kfac_nomixup').exists()
    out = capsys.readouterr().out
    assert '[skip] {}: unfinished'.format(
        src / 'seed_0' / 'sb_kfac_nomixup') in out


def test_include_unfinished_copies_it(tmp_path):
    src, dst = suite(tmp_path), tmp_path / 'docs'
    _, skipped = collect_results.collect(str(src), str(dst),
                                         include_unfinished=True)
    assert skipped == []
    assert (dst / 'seed_0' / 'sb_kfac_nomixup' / 'log').exists()
    assert not (dst / 'seed_0' / 'sb_kfac_nomixup' / 'DONE').exists()
