"""The inverse micro-benchmark runs and the two ways agree."""
import re
import subprocess
import sys

from experiments.folders.repository import ROOT


def test_bench_inverse_runs_and_both_ways_agree():
    out = subprocess.run(
        [sys.executable, '-m', 'experiments', 'bench', 'inverse',
         '--repeats', '1'], check=True, capture_output=True, text=True,
        cwd=ROOT).stdout
    diffs = [float(d) for d in re.findall(r'rel\. difference (\S+)', out)]
    assert len(diffs) == 5 and max(diffs) < 1e-4
    assert out.splitlines()[-1].startswith('total')
