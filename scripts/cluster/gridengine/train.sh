#!/bin/bash
# Grid Engine, as TSUBAME 4.0 runs it: one run, one rank per GPU, all 4
# H100 of each node_f node; more nodes with -l node_f=N.
#   qsub -g YOUR_GROUP -v CONFIG=configs/hpml2019/lb_kfac_mixup.yaml \
#       scripts/cluster/gridengine/train.sh
# Directives, after TSUBAME 4.0's user documentation (FAQ "Job execution /
# scheduler", helpdesk.t3.gsic.titech.ac.jp/t4docs_preview/master/faq.ja/
# scheduler): `#$` lines take qsub's options, with no spaces around `=`;
# h_rt is mandatory ("Job is rejected. h_rt must be specified"); without
# -g GROUP a job is a 10-minute trial run, so give qsub -g YOUR_GROUP.
#   -l node_f=N    resource type: N whole nodes (4 GPUs each)
#   -cwd           run in the submission folder (this repository)
#   -S /bin/bash   the shell of this script (Grid Engine's default may be
#                  csh or sh, which cannot read it)
#   -j y           output and errors in one file, kfac_train.oJOBID in the
#                  submission folder, written while the job runs
#$ -cwd
#$ -S /bin/bash
#$ -l node_f=1
#$ -l h_rt=12:00:00
#$ -j y
#$ -N kfac_train

# --- site settings (each can also be given with qsub -v NAME=value; -v
# MODULES= loads none) ----------------------------------------------------
# TSUBAME 4.0's own module list could not be read for this script; these
# versions are the ones public TSUBAME 4.0 job scripts load (`module avail`
# shows the current ones; mpi4py must be built against this openmpi).
MODULES="${MODULES-cuda/12.3.2 openmpi/5.0.2-gcc}"
MODULES_INIT="${MODULES_INIT:-/etc/profile.d/modules.sh}"
REPO="${REPO:-$PWD}"                    # -cwd: the submission folder
VENV="${VENV:-$REPO/.venv}"             # venv with chainer_kfac, mpi4py, CuPy
GPUS_PER_NODE="${GPUS_PER_NODE:-4}"     # node_f: 4 H100
CONFIG="${CONFIG:-configs/hpml2019/lb_kfac_mixup.yaml}"
OUT="${OUT:-results/hpml2019/$(basename "$CONFIG" .yaml)}"
DEVICE="${DEVICE:-cuda}"
DATA_DIR="${DATA_DIR:-}"
# ---------------------------------------------------------------------------

set -eo pipefail
# venv, modules, host file and the site's mpirun: scripts/cluster/common.sh
source "$REPO/scripts/cluster/common.sh"
kfac_setup
set -u
# $PE_HOSTFILE: "host slots queue processors", a host possibly on several
# lines (one per queue); Open MPI gets each host once, one slot per GPU.
kfac_hostfile "$PE_HOSTFILE"
kfac_launcher $(( NODES * GPUS_PER_NODE )) "$GPUS_PER_NODE" "$HOSTFILE"
echo "job $JOB_ID: $NODES node(s) x $GPUS_PER_NODE ranks; ${LAUNCH[0]}"

"${LAUNCH[@]}" "$VENV/bin/python" -m experiments train \
    --config "$CONFIG" --out "$OUT" --resume auto --quiet \
    --set "device=$DEVICE" ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
