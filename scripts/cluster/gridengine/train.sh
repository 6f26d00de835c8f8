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
#$ -cwd
#$ -l node_f=1
#$ -l h_rt=24:00:00
#$ -j y
#$ -N kfac_train

# --- site settings (each can also be given with qsub -v NAME=value) --------
MODULES="${MODULES:-cuda openmpi}"     # pin versions from `module avail`
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
cd "$REPO"
source "$MODULES_INIT"
module load $MODULES
source "$VENV/bin/activate"
set -u
# $PE_HOSTFILE: one line per host ("host slots queue processors"); Open MPI
# gets one slot per GPU on each.
HOSTFILE="${TMPDIR:-/tmp}/kfac_hosts.${JOB_ID}"
awk -v r="$GPUS_PER_NODE" '{print $1 " slots=" r}' "$PE_HOSTFILE" \
    > "$HOSTFILE"
NODES=$(wc -l < "$HOSTFILE")
export OMP_NUM_THREADS=1
echo "job $JOB_ID: $NODES node(s) x $GPUS_PER_NODE ranks; $(command -v mpirun)"

mpirun -np $(( NODES * GPUS_PER_NODE )) --map-by "ppr:$GPUS_PER_NODE:node" \
    --hostfile "$HOSTFILE" -x PATH -x LD_LIBRARY_PATH -x OMP_NUM_THREADS \
    "$VENV/bin/python" experiments/train.py --config "$CONFIG" --out "$OUT" \
    --resume auto --quiet --set "device=$DEVICE" \
    ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
