#!/bin/bash
# ABCI 3.0 (PBS Professional): one run, one rank per H200 GPU, all 8 GPUs of
# each node; more nodes with -l select=N (ranks = N x GPUS_PER_NODE).
#   qsub -P YOUR_GROUP -v CONFIG=configs/hpml2019/lb_kfac_mixup.yaml \
#       scripts/cluster/abci3/train.sh
# Directives, from ABCI 3.0's docs (github.com/aistabci/abci-docs,
# v3/en/docs/job-execution.md, "Job Execution Options" and "Batch Jobs"):
#   -q rt_HF       resource type, mandatory: node-exclusive, 8 GPUs, 192
#                  cores ("Available Resource Types"; multi-node needs rt_HF)
#   -l select=N    nodes, mandatory; ncpus is fixed by the resource type.
#                  mpiprocs=8: mpi.md asks for the MPI processes per node here
#                  (then $PBS_NODEFILE lists each host 8 times)
#   -l walltime    Spot service: default 1:00:00, at most 168:00:00
#   -P group       ABCI group, mandatory: replace YOUR_GROUP or give qsub -P
#                  (the command line overrides the directive)
#PBS -q rt_HF
#PBS -l select=1:mpiprocs=8
#PBS -l walltime=24:00:00
#PBS -P YOUR_GROUP
#PBS -j oe
#PBS -N kfac_train

# --- site settings (each can also be given with qsub -v NAME=value) --------
# Module names from environment-modules.md ("List of modules"); hpcx is the
# MPI of mpi.md, the one mpi4py must be built against (README).
MODULES="${MODULES:-python/3.12/3.12.9 cuda/12.6/12.6.1 hpcx/2.20}"
MODULES_INIT="${MODULES_INIT:-/etc/profile.d/modules.sh}"
REPO="${REPO:-${PBS_O_WORKDIR:-$PWD}}"  # this repository (qsub from there)
VENV="${VENV:-$REPO/.venv}"             # venv with chainer_kfac, mpi4py, CuPy
GPUS_PER_NODE="${GPUS_PER_NODE:-8}"     # rt_HF: 8 H200
CONFIG="${CONFIG:-configs/hpml2019/lb_kfac_mixup.yaml}"
OUT="${OUT:-results/hpml2019/$(basename "$CONFIG" .yaml)}"
DEVICE="${DEVICE:-cuda}"                # cuda: each rank on GPU intra_rank
DATA_DIR="${DATA_DIR:-}"                # empty: the config's data_dir
# ---------------------------------------------------------------------------

set -eo pipefail
cd "$REPO"
# job-execution.md / environment-modules.md: a job initialises modules first.
source "$MODULES_INIT"
module load $MODULES
source "$VENV/bin/activate"
set -u
NODES=$(sort -u "$PBS_NODEFILE" | wc -l)
RANKS=$(( NODES * GPUS_PER_NODE ))
export OMP_NUM_THREADS=1
echo "job $PBS_JOBID: $NODES node(s) x $GPUS_PER_NODE ranks; $(command -v mpirun)"

# mpi.md: mpirun with the host file $PBS_NODEFILE, -map-by ppr:R:node.
mpirun -np "$RANKS" --map-by "ppr:$GPUS_PER_NODE:node" \
    --hostfile "$PBS_NODEFILE" -x PATH -x LD_LIBRARY_PATH -x OMP_NUM_THREADS \
    "$VENV/bin/python" experiments/train.py --config "$CONFIG" --out "$OUT" \
    --resume auto --quiet --set "device=$DEVICE" \
    ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
