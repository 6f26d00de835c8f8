"""``bench resnet-table`` on hand-made records of both ResNet benchmarks:
the ratios and the amortised figure recomputed by hand."""
import json

from experiments.bench import resnet_table


def write(path, record):
    path.write_text(json.dumps(record))
    return str(path)


def test_one_process_and_mpi_records(tmp_path, capsys):
    one = write(tmp_path / 'one.json', {
        'environment': {'exported': {'OMP_NUM_THREADS': '1'}},
        'batches': {'32': {'median_seconds': {
            'sgd': 20.0, 'kfac': 40.0, 'kfac_cov': 30.0, 'kfac_pre': 21.0}}}})
    mpi = write(tmp_path / 'mpi.json', {
        'environment': {'exported': {'OPENBLAS_CORETYPE': 'SkylakeX'}},
        'ranks': 2, 'batch_per_rank': 16,
        'result': {'median_seconds': {'sgd': 10.0, 'kfac': 30.0,
                                      'kfac_pre': 11.0}}})
    assert resnet_table.main([one, mpi]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4  # header, rule, one row each
    # 1 full + 9 factor-only + 90 solves-only steps over 100 SGD steps.
    exact = (40 + 9 * 30 + 90 * 21) / 100 / 20
    assert lines[2] == ('| `one.json` | default | 1 x 32 | 20.0 s | '
                        '40.0 s (2.00x) | 21.0 s (1.05x) | '
                        '{:.2f}x |'.format(exact))
    # Without kfac_cov: the 10 factor steps counted as full ones.
    bound = (10 * 30 + 90 * 11) / 100 / 10
    assert lines[3] == ('| `mpi.json` | tuned (OPENBLAS_CORETYPE=SkylakeX) '
                        '| 2 x 16 | 10.0 s | 30.0 s (3.00x) | 11.0 s '
                        '(1.10x) | <= {:.2f}x |'.format(bound))
