#!/bin/bash
# ABCI 3.0 (PBS Professional): one run, one rank per H200 GPU, all 8 GPUs of
# each node; more nodes with -l select=N:mpiprocs=8 (plain select=N works
# too: the hosts are read once each from $PBS_NODEFILE).
#   qsub -P YOUR_GROUP -v CONFIG=configs/hpml2019/lb_kfac_mixup.yaml \
#       scripts/cluster/abci3/train.sh
# Directives, from ABCI 3.0's docs (github.com/aistabci/abci-docs,
# v3/en/docs/job-execution.md, "Job Execution Options" and "Batch Jobs"):
#   -q rt_HF       resource type, mandatory: node-exclusive, 8 GPUs, 192
#                  cores ("Available Resource Types"; multi-node needs rt_HF)
#   -l select=N:mpiprocs=8
#                  nodes, mandatory; ncpus is fixed by the resource type;
#                  mpiprocs: MPI processes per node (mpi.md)
#   -l walltime    Spot service: default 1:00:00, at most 168:00:00. Points
#                  for the whole walltime x nodes are taken at the start and
#                  the unused part repaid at the end ("Accounting"): a job
#                  starts only if the group has them. 12 h: one run; longer
#                  runs resume (--resume auto) when submitted again.
#   -P group       ABCI group, mandatory: replace YOUR_GROUP or give qsub -P
#                  (the command line overrides the directive)
#   -k oe          stream the output to JOB_NAME.oJOBID in the home folder
#                  while the job runs (without it, it appears at the end)
#PBS -q rt_HF
#PBS -l select=1:mpiprocs=8
#PBS -l walltime=12:00:00
#PBS -P YOUR_GROUP
#PBS -j oe
#PBS -k oe
#PBS -N kfac_train

# --- site settings (each can also be given with qsub -v NAME=value; -v
# MODULES= loads none) ----------------------------------------------------
# Module names from environment-modules.md ("List of modules"); hpcx is the
# MPI of mpi.md, the one mpi4py must be built against (docs/cluster.md).
MODULES="${MODULES-python/3.12/3.12.9 cuda/12.6/12.6.1 hpcx/2.20}"
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
# venv, modules, host file and the site's mpirun: scripts/cluster/common.sh
source "$REPO/scripts/cluster/common.sh"
kfac_setup
set -u
kfac_hostfile "$PBS_NODEFILE"
# mpi.md: mpirun with a host file of the job's nodes, -map-by ppr:R:node.
kfac_launcher $(( NODES * GPUS_PER_NODE )) "$GPUS_PER_NODE" "$HOSTFILE"
echo "job $PBS_JOBID: $NODES node(s) x $GPUS_PER_NODE ranks; ${LAUNCH[0]}"

"${LAUNCH[@]}" "$VENV/bin/python" -m experiments train \
    --config "$CONFIG" --out "$OUT" --resume auto --quiet \
    --set "device=$DEVICE" ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
