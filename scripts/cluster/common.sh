# What the job scripts in scripts/cluster/*/ share; sourced, never run.
# Each job script sets its site settings (REPO, VENV, MODULES, MODULES_INIT,
# GPUS_PER_NODE) first, then calls these, so a fix lands here once:
#   kfac_setup               cd REPO, load MODULES, activate VENV
#   kfac_hostfile LIST       one "host slots=GPUS_PER_NODE" line per distinct
#                            host of LIST (PBS_NODEFILE, PE_HOSTFILE: host
#                            is the first word; repeats are dropped) in
#                            $HOSTFILE; the count in $NODES
#   kfac_launcher N R [HOSTFILE]
#                            $LAUNCH: the mpirun command for N ranks, R per
#                            node, from chainer_kfac/distributed/launch.py,
#                            the resolution the suite runner uses too:
#                            $MPIEXEC if set, else inside a job the first
#                            mpirun on PATH that is not the venv's PyPI
#                            Open MPI, i.e. the site's MPI module's
#   kfac_slurm_launcher      Slurm's LAUNCHER=srun: $MPIEXEC = srun_mpiexec.sh

kfac_setup() {
    cd "$REPO"
    if [ -n "${MODULES:-}" ]; then
        # A job initialises the module command before `module load`.
        source "$MODULES_INIT"
        module load $MODULES
    fi
    source "$VENV/bin/activate"
    export OMP_NUM_THREADS=1
}

kfac_hostfile() {
    HOSTFILE="${TMPDIR:-/tmp}/kfac_hosts.$$"
    awk -v r="$GPUS_PER_NODE" 'NF && !seen[$1]++ {print $1 " slots=" r}' \
        "$1" > "$HOSTFILE"
    NODES=$(wc -l < "$HOSTFILE")
}

kfac_launcher() {
    local argv
    argv=$("$VENV/bin/python" -c '
import sys
from chainer_kfac.distributed.launch import describe, mpiexec_argv
n, per_node, hostfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print(describe(), file=sys.stderr)
print("\n".join(mpiexec_argv(n, ranks_per_node=per_node,
                             hostfile=hostfile or None)))
' "$1" "$2" "${3:-}") || return 1
    mapfile -t LAUNCH <<< "$argv"
}

kfac_slurm_launcher() {
    # Slurm's LAUNCHER: mpirun (the default resolution above) or srun,
    # which launch.py then calls through $MPIEXEC (slurm/srun_mpiexec.sh).
    case "${LAUNCHER:-mpirun}" in
        mpirun) ;;
        srun) export MPIEXEC="$REPO/scripts/cluster/slurm/srun_mpiexec.sh" ;;
        *) echo "LAUNCHER=$LAUNCHER: use mpirun or srun" >&2; return 2 ;;
    esac
}
