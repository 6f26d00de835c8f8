#!/bin/bash
# ABCI 3.0 (PBS Professional): the whole study, run after run on the job's
# nodes (one rank per H200 GPU); finished runs are skipped and interrupted
# ones resumed, so submitting the same command again after the walltime
# continues where it stopped, on whichever node the new job gets (the
# output folder's lock names this job; experiments/suite/lock.py).
#   qsub -P YOUR_GROUP scripts/cluster/abci3/suite.sh
#   qsub -P YOUR_GROUP -v SUITE=fmnist_e20 scripts/cluster/abci3/suite.sh
# Directives: see train.sh beside this file (ABCI 3.0's job-execution.md and
# mpi.md). Walltime: 24 h a job (points for 24 node-hours reserved at the
# start, the unused part repaid); a study longer than that is simply
# submitted again, as often as needed.
#PBS -q rt_HF
#PBS -l select=1:mpiprocs=8
#PBS -l walltime=24:00:00
#PBS -P YOUR_GROUP
#PBS -j oe
#PBS -k oe
#PBS -N kfac_suite

# --- site settings (each can also be given with qsub -v NAME=value; -v
# MODULES= loads none) ----------------------------------------------------
MODULES="${MODULES-python/3.12/3.12.9 cuda/12.6/12.6.1 hpcx/2.20}"
MODULES_INIT="${MODULES_INIT:-/etc/profile.d/modules.sh}"
REPO="${REPO:-${PBS_O_WORKDIR:-$PWD}}"
VENV="${VENV:-$REPO/.venv}"
GPUS_PER_NODE="${GPUS_PER_NODE:-8}"
SUITE="${SUITE:-hpml2019}"              # hpml2019, fmnist_e20, quick
RESULTS="${RESULTS:-results}"           # runs in RESULTS/SUITE/RUN
DEVICE="${DEVICE:-cuda}"
DATA_DIR="${DATA_DIR:-}"
# ---------------------------------------------------------------------------

set -eo pipefail
source "$REPO/scripts/cluster/common.sh"   # the shared preamble
kfac_setup
set -u
kfac_hostfile "$PBS_NODEFILE"

# The suite runner (python -m experiments suite) starts each run with the
# site's mpirun (launch.py, as train.sh), ranks placed as in train.sh.
# exec: PBS's SIGTERM at the walltime reaches the runner, which stops its
# runs (snapshots) and frees the lock within seconds.
exec "$VENV/bin/python" -m experiments suite "$SUITE" --out "$RESULTS" \
    --device "$DEVICE" \
    --ranks $(( NODES * GPUS_PER_NODE )) --ranks-per-node "$GPUS_PER_NODE" \
    --hostfile "$HOSTFILE" ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
