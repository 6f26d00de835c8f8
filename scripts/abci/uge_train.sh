#!/bin/bash
# ABCI-style node, UGE scheduler: one full node (4 GPUs), one rank per GPU.
#   qsub -g $GROUP scripts/abci/uge_train.sh configs/hpml2019/lb_kfac_mixup.yaml
#$ -l rt_F=1
#$ -l h_rt=24:00:00
#$ -cwd
#$ -j y
#$ -N chainer_kfac

# --- site settings: edit these ---------------------------------------------
MODULES="python/3.11 cuda/12.4 cudnn/8.9 openmpi/4.1.6"  # module names of your site
VENV="${VENV:-$PWD/.venv}"          # virtual environment with chainer_kfac + CuPy
RANKS_PER_NODE=4                    # GPUs per node
CONFIG="${1:-configs/hpml2019/lb_kfac_mixup.yaml}"
OUT="${OUT:-results/hpml2019/$(basename "$CONFIG" .yaml)}"
# ---------------------------------------------------------------------------

set -euo pipefail
if command -v module >/dev/null 2>&1; then
    source /etc/profile.d/modules.sh 2>/dev/null || true
    module load $MODULES
fi
source "$VENV/bin/activate"
NODES=$(sort -u "${SGE_JOB_HOSTLIST:-/dev/null}" 2>/dev/null | wc -l)
NODES=$(( NODES > 0 ? NODES : 1 ))
export OMP_NUM_THREADS=1

# One rank per GPU; each rank takes the GPU of its intra_rank (device: cuda).
mpirun -np $(( NODES * RANKS_PER_NODE )) -npernode "$RANKS_PER_NODE" \
    python experiments/train.py --config "$CONFIG" --set device=cuda \
    --out "$OUT" --resume auto --quiet
