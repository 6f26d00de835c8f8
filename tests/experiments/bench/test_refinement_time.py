"""``python -m experiments bench refinements``: every refinement timed
beside SGD and K-FAC in one process, each with its paired ratio."""
import json
import subprocess
import sys

from experiments.bench import timed_steps
from tests.distributed.mpi_helper import ROOT


def test_quick_mode_times_every_refinement(tmp_path):
    out = tmp_path / 'r.json'
    proc = subprocess.run(
        [sys.executable, '-m', 'experiments', 'bench', 'refinements',
         '--quick', '--json', str(out)], cwd=ROOT, capture_output=True,
        text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for kind in timed_steps.REFINEMENT_KINDS[1:]:
        assert timed_steps.LABELS[kind] in proc.stdout
    record = json.loads(out.read_text())
    assert sorted(record['paired_ratio']['8']) == sorted(
        timed_steps.REFINEMENT_KINDS[1:])
    assert all(len(v) == 2 for v in record['round_seconds']['8'].values())


def test_each_kind_builds_its_optimizer():
    for kind, options in timed_steps.KFAC_OPTIONS.items():
        _, opt = timed_steps.make(kind, shape=(1, 28, 28))
        for key, value in options.items():
            assert getattr(opt.hyperparam, key) == value
