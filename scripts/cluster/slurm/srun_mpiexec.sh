#!/bin/bash
# mpiexec-style front for srun, for LAUNCHER=srun (scripts/cluster/slurm/):
# launch.py and the suite runner (experiments/suite/) call `$MPIEXEC
# [--map-by ppr:R:node] -n N COMMAND...`; this runs `srun --mpi=$SRUN_MPI
# --ntasks=N --ntasks-per-node=R COMMAND...` (SRUN_MPI: pmix unless set;
# it must be the PMI the MPI library was built for, `srun --mpi=list`).
set -euo pipefail
srun_args=(--mpi="${SRUN_MPI:-pmix}")
while [ $# -gt 0 ]; do
    case "$1" in
        -n|-np) srun_args+=(--ntasks="$2"); shift 2 ;;
        --map-by) srun_args+=(--ntasks-per-node="${2#ppr:}")
                  srun_args[-1]="${srun_args[-1]%:node}"; shift 2 ;;
        --hostfile|-x) shift 2 ;;   # Slurm knows the nodes and environment
        *) break ;;
    esac
done
exec srun "${srun_args[@]}" "$@"
