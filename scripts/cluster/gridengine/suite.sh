#!/bin/bash
# Grid Engine (TSUBAME 4.0): the whole study, run after run on the job's
# nodes, one rank per GPU; finished runs are skipped and interrupted ones
# resumed, so submitting it again after h_rt ends continues where it
# stopped, on any node (experiments/suite/lock.py).
#   qsub -g YOUR_GROUP scripts/cluster/gridengine/suite.sh
# Directives: see train.sh beside this file (TSUBAME 4.0's documentation).
#$ -cwd
#$ -S /bin/bash
#$ -l node_f=1
#$ -l h_rt=24:00:00
#$ -j y
#$ -N kfac_suite

# --- site settings (each can also be given with qsub -v NAME=value; -v
# MODULES= loads none) ----------------------------------------------------
MODULES="${MODULES-cuda/12.3.2 openmpi/5.0.2-gcc}"   # see train.sh
MODULES_INIT="${MODULES_INIT:-/etc/profile.d/modules.sh}"
REPO="${REPO:-$PWD}"
VENV="${VENV:-$REPO/.venv}"
GPUS_PER_NODE="${GPUS_PER_NODE:-4}"
SUITE="${SUITE:-hpml2019}"
RESULTS="${RESULTS:-results}"
DEVICE="${DEVICE:-cuda}"
DATA_DIR="${DATA_DIR:-}"
# ---------------------------------------------------------------------------

set -eo pipefail
source "$REPO/scripts/cluster/common.sh"   # the shared preamble
kfac_setup
set -u
kfac_hostfile "$PE_HOSTFILE"

exec "$VENV/bin/python" -m experiments suite "$SUITE" --out "$RESULTS" \
    --device "$DEVICE" \
    --ranks $(( NODES * GPUS_PER_NODE )) --ranks-per-node "$GPUS_PER_NODE" \
    --hostfile "$HOSTFILE" ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
