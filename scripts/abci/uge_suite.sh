#!/bin/bash
# ABCI-style node, UGE: the whole study (8 runs, one after another, each on
# the node's 4 GPUs). Finished runs are skipped; interrupted ones resume.
#   qsub -g $GROUP scripts/abci/uge_suite.sh
#$ -l rt_F=1
#$ -l h_rt=72:00:00
#$ -cwd
#$ -j y
#$ -N chainer_kfac_suite

MODULES="python/3.11 cuda/12.4 cudnn/8.9 openmpi/4.1.6"
VENV="${VENV:-$PWD/.venv}"
RANKS=4

set -euo pipefail
if command -v module >/dev/null 2>&1; then
    source /etc/profile.d/modules.sh 2>/dev/null || true
    module load $MODULES
fi
source "$VENV/bin/activate"
export OMP_NUM_THREADS=1
python scripts/run_suite.py hpml2019 --ranks "$RANKS" --device cuda \
    --out results/
