#!/bin/bash
# Slurm: the whole study, run after run on the job's nodes (one rank per
# GPU); finished runs are skipped and interrupted ones resumed, so the same
# command continues after the time limit.
#   sbatch scripts/cluster/slurm/suite.sh
#   sbatch --export=ALL,SUITE=fmnist_e20 scripts/cluster/slurm/suite.sh
#SBATCH --job-name=kfac_suite
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=4
#SBATCH --time=72:00:00
#SBATCH --output=%x-%j.out
##SBATCH --partition=gpu
##SBATCH --account=YOUR_ACCOUNT

# --- site settings (each can also be given through the environment) --------
MODULES="${MODULES:-}"                  # e.g. "cuda/12.6 openmpi/4.1.6"
MODULES_INIT="${MODULES_INIT:-/etc/profile.d/modules.sh}"
REPO="${REPO:-${SLURM_SUBMIT_DIR:-$PWD}}"
VENV="${VENV:-$REPO/.venv}"
SUITE="${SUITE:-hpml2019}"              # hpml2019, fmnist_e20, quick
RESULTS="${RESULTS:-results}"           # runs in RESULTS/SUITE/RUN
DEVICE="${DEVICE:-cuda}"
DATA_DIR="${DATA_DIR:-}"
# ---------------------------------------------------------------------------

set -eo pipefail
cd "$REPO"
if [ -n "$MODULES" ]; then
    source "$MODULES_INIT"
    module load $MODULES
fi
source "$VENV/bin/activate"
set -u
export OMP_NUM_THREADS=1

# Each run starts with the site's mpirun (launch.py), which takes the nodes
# from the Slurm allocation.
"$VENV/bin/python" scripts/run_suite.py "$SUITE" --out "$RESULTS" \
    --device "$DEVICE" \
    --ranks "$SLURM_NTASKS" --ranks-per-node "$SLURM_NTASKS_PER_NODE" \
    ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
