#!/bin/bash
# ABCI-style node, PBS scheduler: one node with 4 GPUs, one rank per GPU.
#   qsub -v CONFIG=configs/hpml2019/lb_kfac_mixup.yaml scripts/abci/pbs_train.sh
#PBS -l select=1:ncpus=40:ngpus=4
#PBS -l walltime=24:00:00
#PBS -j oe
#PBS -N chainer_kfac

# --- site settings: edit these ---------------------------------------------
MODULES="python/3.11 cuda/12.4 cudnn/8.9 openmpi/4.1.6"  # module names of your site
VENV="${VENV:-$PBS_O_WORKDIR/.venv}" # virtual environment with chainer_kfac + CuPy
RANKS_PER_NODE=4                     # GPUs per node
CONFIG="${CONFIG:-configs/hpml2019/lb_kfac_mixup.yaml}"
OUT="${OUT:-results/hpml2019/$(basename "$CONFIG" .yaml)}"
# ---------------------------------------------------------------------------

set -euo pipefail
cd "${PBS_O_WORKDIR:-$PWD}"
if command -v module >/dev/null 2>&1; then
    module load $MODULES
fi
source "$VENV/bin/activate"
NODES=$(sort -u "${PBS_NODEFILE:-/dev/null}" 2>/dev/null | wc -l)
NODES=$(( NODES > 0 ? NODES : 1 ))
export OMP_NUM_THREADS=1

mpirun -np $(( NODES * RANKS_PER_NODE )) -npernode "$RANKS_PER_NODE" \
    python experiments/train.py --config "$CONFIG" --set device=cuda \
    --out "$OUT" --resume auto --quiet
