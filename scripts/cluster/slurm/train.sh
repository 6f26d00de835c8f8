#!/bin/bash
# Slurm: one run, one rank per GPU, all GPUs of each node; more nodes with
# sbatch --nodes=N (ranks = N x ranks per node).
#   sbatch --export=ALL,CONFIG=configs/hpml2019/lb_kfac_mixup.yaml \
#       scripts/cluster/slurm/train.sh
# Directives (Slurm's sbatch(1)): ranks per node = GPUs per node; a
# partition/account where the site requires one (uncomment and edit).
#SBATCH --job-name=kfac_train
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
REPO="${REPO:-${SLURM_SUBMIT_DIR:-$PWD}}"  # this repository
VENV="${VENV:-$REPO/.venv}"             # venv with chainer_kfac, mpi4py, CuPy
LAUNCHER="${LAUNCHER:-mpirun}"          # mpirun (the MPI module's) or srun
CONFIG="${CONFIG:-configs/hpml2019/lb_kfac_mixup.yaml}"
OUT="${OUT:-results/hpml2019/$(basename "$CONFIG" .yaml)}"
DEVICE="${DEVICE:-cuda}"                # cuda: each rank on GPU intra_rank
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
RANKS_PER_NODE="$SLURM_NTASKS_PER_NODE"
case "$LAUNCHER" in
    # Open MPI reads the allocation (nodes, tasks) from Slurm itself.
    mpirun) launch=(mpirun -np "$SLURM_NTASKS"
                    --map-by "ppr:$RANKS_PER_NODE:node") ;;
    # srun needs a Slurm built with the PMIx the MPI was built for.
    srun) launch=(srun --mpi=pmix) ;;
    *) echo "LAUNCHER=$LAUNCHER: use mpirun or srun" >&2; exit 2 ;;
esac
echo "job $SLURM_JOB_ID: $SLURM_NTASKS rank(s) on $SLURM_JOB_NUM_NODES" \
     "node(s); launcher: $(command -v "${launch[0]}")"

"${launch[@]}" "$VENV/bin/python" experiments/train.py \
    --config "$CONFIG" --out "$OUT" \
    --resume auto --quiet --set "device=$DEVICE" \
    ${DATA_DIR:+--set "data_dir=$DATA_DIR"}
