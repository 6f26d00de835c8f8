"""scripts/bench_resnet.py's amortised cost and scripts/project_comm.py's
volumes and model, on small inputs."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))

from experiments.bench import resnet as bench_resnet  # NOQA: E402
from experiments.bench import project_comm  # NOQA: E402


def test_amortised_counts_one_full_step_per_inverse_interval():
    med = {'kfac': 10.0, 'kfac_cov': 4.0, 'kfac_pre': 1.0}
    # 10/100: 1 full step, 9 factor-only steps, 90 solve-only steps.
    assert bench_resnet.amortised(med, 10, 100) == (10 + 9 * 4 + 90) / 100
    assert bench_resnet.amortised(med, 1, 1) == 10.0
    assert bench_resnet.amortised(med, 1, 10) == (10 + 9 * 4) / 10


def test_lenet_volumes_packed_vs_dense():
    rows = {name: r for name, *r in project_comm.block_volumes(
        'lenet5', 32, 10)}
    params, packed, dense = rows['/predictor/conv1']
    assert params == 6 * 3 * 5 * 5 + 6
    a, g = 3 * 5 * 5 + 1, 6
    assert dense == a * a + g * g
    assert packed == a * (a + 1) // 2 + g * (g + 1) // 2


def test_model_collective_time_grows_with_bytes_and_nodes():
    t = project_comm.collective_seconds
    assert t(1e6, 1) == 0
    assert t(2e6, 8) > t(1e6, 8) > 0
    assert t(1e6, 16) > t(1e6, 8)
    # Across nodes the per-GPU InfiniBand port dominates a large buffer.
    nbytes = 1e9
    assert abs(t(nbytes, 1024) - (7 / 8 * nbytes / project_comm.B_NVLINK
                                  + 127 / 128 * nbytes / 8
                                  / project_comm.B_IB)) < 1e-3


def test_lenet_run_of_two_kinds(tmp_path):
    """The script end to end on LeNet-5, SGD and every-step K-FAC only: the
    phases of every K-FAC layer are timed, no amortised figure is made."""
    import json
    import subprocess
    out = tmp_path / 'bench.json'
    subprocess.run(
        [sys.executable, os.path.join(ROOT, 'scripts', 'bench_resnet.py'),
         '--model', 'lenet5', '--input-shape', '3', '32', '32',
         '--classes', '10', '--batches', '2', '--steps', '1', '--kinds',
         'sgd', 'kfac', '--json', str(out)],
        check=True, capture_output=True, text=True, cwd=ROOT)
    result = json.loads(out.read_text())['batches']['2']
    assert set(result['median_seconds']) == {'sgd', 'kfac'}
    assert set(result['ratio_to_sgd']) == {'kfac'}
    layers = result['phases']['kfac']
    assert len(layers) == 5 and all(
        set(row) == set(bench_resnet.PHASES) | {'layers'}
        for row in layers.values())


def test_upper_bound_of_the_amortised_cost_without_factor_only_steps():
    """Without kfac_cov timed, the 10 factor steps of 100 count as full
    steps: an upper bound, since a factor-only step does less."""
    times = {'sgd': [2.0], 'kfac': [10.0], 'kfac_pre': [1.0]}
    ratios = bench_resnet.summarize(times, {}, 1)['ratio_to_sgd']
    assert 'amortised 10/100' not in ratios
    bound = ratios['amortised 10/100, upper bound']
    assert bound == (10 * 10.0 + 90 * 1.0) / 100 / 2.0
    full = dict(times, kfac_cov=[4.0])
    exact = bench_resnet.summarize(full, {}, 1)['ratio_to_sgd']
    assert exact['amortised 10/100'] < bound
