#!/bin/bash
# Slurm: one run, one rank per GPU, all GPUs of each node; more nodes with
# sbatch --nodes=N (ranks = N x ranks per node).
#   sbatch --export=ALL,CONFIG=configs/hpml2019/lb_kfac_mixup.yaml \
#       scripts/cluster/slurm/train.sh
# Directives (Slurm's sbatch(1)): ranks per node = GPUs per node; a
# partition/account where the site requires one (uncomment and edit).
# A site without GPU GRES (sbatch: "Invalid generic resource (gres)
# specification"): delete the --gpus-per-node line, pick GPU nodes by
# partition or --constraint, and set GPUS_PER_NODE below to the node's GPUs;
# Slurm then sets no CUDA_VISIBLE_DEVICES and each rank takes GPU
# intra_rank of all the node's GPUs.
#SBATCH --job-name=kfac_train
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=4
#SBATCH --time=12:00:00
#SBATCH --output=%x-%j.out
##SBATCH --partition=gpu
##SBATCH --account=YOUR_ACCOUNT

# --- site settings (each can also be given through the environment) --------
MODULES="${MODULES:-}"                  # e.g. "cuda/12.6 openmpi/4.1.6"
MODULES_INIT="${MODULES_INIT:-/etc/profile.d/modules.sh}"
REPO="${REPO:-${SLURM_SUBMIT_DIR:-$PWD}}"  # this repository
VENV="${VENV:-$REPO/.venv}"             # venv with chainer_kfac, mpi4py, CuPy
GPUS_PER_NODE="${GPUS_PER_NODE:-${SLURM_NTASKS_PER_NODE:-4}}"
LAUNCHER="${LAUNCHER:-mpirun}"          # mpirun (the MPI module's) or srun
CONFIG="${CONFIG:-configs/hpml2019/lb_kfac_mixup.yaml}"
OUT="${OUT:-results/hpml2019/$(basename "$CONFIG" .yaml)}"
DEVICE="${DEVICE:-cuda}"                # cuda: each rank on GPU intra_rank
DATA_DIR="${DATA_DIR:-}"
# ---------------------------------------------------------------------------

set -eo pipefail
# venv, modules, LAUNCHER, the site's mpirun: scripts/cluster/common.sh
source "$REPO/scripts/cluster/common.sh"
kfac_setup
kfac_slurm_launcher
set -u
# Open MPI reads the nodes from the Slurm allocation (no host file).
kfac_launcher "$SLURM_NTASKS" "$GPUS_PER_NODE"
echo "job $SLURM_JOB_ID: $SLURM_NTASKS rank(s) on $SLURM_JOB_NUM_NODES" \
     "node(s); launcher: ${LAUNCH[0]}"

"${LAUNCH[@]}" "$VENV/bin/python" -m experiments train \
    --config "$CONFIG" --out "$OUT" --resume auto --quiet \
    --set "device=$DEVICE" ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
