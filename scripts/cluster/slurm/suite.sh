#!/bin/bash
# Slurm: the whole study, run after run on the job's nodes (one rank per
# GPU); finished runs are skipped and interrupted ones resumed, so
# submitting it again after the time limit continues where it stopped, on
# any node (experiments/suite/lock.py).
#   sbatch scripts/cluster/slurm/suite.sh
#   sbatch --export=ALL,SUITE=fmnist_e20 scripts/cluster/slurm/suite.sh
# Directives and sites without GPU GRES: see train.sh beside this file.
#SBATCH --job-name=kfac_suite
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=4
#SBATCH --time=24:00:00
#SBATCH --output=%x-%j.out
##SBATCH --partition=gpu
##SBATCH --account=YOUR_ACCOUNT

# --- site settings (each can also be given through the environment) --------
MODULES="${MODULES:-}"                  # e.g. "cuda/12.6 openmpi/4.1.6"
MODULES_INIT="${MODULES_INIT:-/etc/profile.d/modules.sh}"
REPO="${REPO:-${SLURM_SUBMIT_DIR:-$PWD}}"
VENV="${VENV:-$REPO/.venv}"
GPUS_PER_NODE="${GPUS_PER_NODE:-${SLURM_NTASKS_PER_NODE:-4}}"
LAUNCHER="${LAUNCHER:-mpirun}"          # mpirun (the MPI module's) or srun
SUITE="${SUITE:-hpml2019}"              # hpml2019, fmnist_e20, quick
RESULTS="${RESULTS:-results}"           # runs in RESULTS/SUITE/RUN
DEVICE="${DEVICE:-cuda}"
DATA_DIR="${DATA_DIR:-}"
# ---------------------------------------------------------------------------

set -eo pipefail
source "$REPO/scripts/cluster/common.sh"   # the shared preamble
kfac_setup
kfac_slurm_launcher
set -u

# Each run starts with the launcher of train.sh (launch.py; LAUNCHER=srun
# through $MPIEXEC), which takes the nodes from the Slurm allocation.
exec "$VENV/bin/python" -m experiments suite "$SUITE" --out "$RESULTS" \
    --device "$DEVICE" \
    --ranks "$SLURM_NTASKS" --ranks-per-node "$GPUS_PER_NODE" \
    ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
