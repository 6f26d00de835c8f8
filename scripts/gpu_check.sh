#!/usr/bin/env bash
# The GPU check of one lent window (docs/gpu.md), from the repository root:
#
#   bash scripts/gpu_check.sh [--deadline S]     # there: $OUT set, GPU 0
#   bash scripts/gpu_check.sh --rehearse [--out DIR] [--deadline S]   # here
#
# Installs the carried wheels (.gpu-carry/, `make gpu-carry`) with
# `pip install --no-index` into a private prefix, then runs each step under
# `timeout`, none past the deadline (default 540 s from the start, so the
# device tool's 600 s command limit and the transfers are never reached):
# the stack, tests/gpu, the step-time benchmark and K-FAC's time breakdown
# (on a quiet machine), then the fmnist_e150 suite in the background (8 runs
# side by side, one core each, a checkpoint every epoch) while the parity
# checks, a CPU test subset, an `mpiexec -n 2` run, a resume and a Mixup run
# take the other cores; the suite is stopped in time to pack at most 8 files
# into $OUT: summary.txt, stack.json, bench.json, breakdown.json,
# check.tar.gz (every log) and suite-sb/lb.tar.gz (each run with its newest
# checkpoint, so a later window continues it). The summary says which step
# passed, failed, was skipped or ran out of time, and each one's wall time.
#
# --rehearse: the same plumbing on this machine's CPU: device @numpy, tiny
# sizes (a 4096/512-image slice of the carried Fashion-MNIST), a scratch
# output folder, the carried wheels installed into a fresh prefix with
# REHEARSE_PYTHON (default .venv-py312/bin/python, else .venv/bin/python;
# with Python 3.11 the cp312 mpi4py wheel is not installed), and at the end
# the suite continued from its own packed tarballs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
MODE=gpu
DEADLINE=
DEST=${OUT:-}
while [ $# -gt 0 ]; do
    case $1 in
        --rehearse) MODE=rehearse ;;
        --deadline) DEADLINE_ARG=$2; shift ;;
        --out) DEST=$2; shift ;;
        *) echo "usage: $0 [--rehearse] [--deadline S] [--out DIR]" >&2
           exit 2 ;;
    esac
    shift
done
DEADLINE_ARG=${DEADLINE_ARG:-}
CARRY=${GPU_CARRY:-$ROOT/.gpu-carry}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
LOGS=$WORK/check
SUMMARY=$LOGS/summary.tsv
mkdir -p "$LOGS"
if [ "$MODE" = rehearse ]; then
    DEVICE=@numpy
    DEADLINE=${GPU_CHECK_DEADLINE:-600}
    CAP_SCALE=2           # this machine's 2 shared cores: slower steps
    PY=${REHEARSE_PYTHON:-}
    [ -n "$PY" ] || for PY in .venv-py312/bin/python .venv/bin/python; do
        [ -x "$PY" ] && break
    done
    DEST=${DEST:-$WORK/out}
    RESERVE=20            # seconds kept for packing
    SUITE_MIN=30          # start the suite only with this much left
    SUITE_MAX=60          # and stop it after this long
    FMNIST=$WORK/fashion-mnist-tiny
else
    DEVICE=@cupy:0
    CAP_SCALE=1
    DEADLINE=${GPU_CHECK_DEADLINE:-540}
    PY=${GPU_PYTHON:-python3}
    RESERVE=45
    SUITE_MIN=60
    SUITE_MAX=100000
    FMNIST=$CARRY/fashion-mnist
fi
DEADLINE=${DEADLINE_ARG:-$DEADLINE}
if [ -z "$DEST" ]; then
    echo "error: no output folder: \$OUT is unset (use --out DIR)" >&2
    exit 2
fi
mkdir -p "$DEST"
SUITE_OUT=$WORK/suite
SEEDS=${GPU_SUITE_SEEDS:-3}
export MODE DEVICE PY CARRY WORK LOGS ROOT FMNIST SUITE_OUT SEEDS DEST
export MPLBACKEND=Agg PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 OMP_NUM_THREADS=1
# shellcheck source=scripts/gpu_check_steps.sh
source "$ROOT/scripts/gpu_check_steps.sh"

left() { echo $((START + DEADLINE - $(date +%s))); }

# step NAME CAP_S FUNCTION: run FUNCTION (gpu_check_steps.sh) under
# `timeout`, at most CAP_S and never into the reserve; record the outcome.
step() {
    local name=$1 cap=$2 fn=$3 avail limit rc t0 status
    avail=$(($(left) - RESERVE))
    if [ "$avail" -lt 5 ]; then
        record "$name" skipped-time 0 "$(left) s left"
        return 1
    fi
    cap=$((cap * CAP_SCALE))
    limit=$((cap < avail ? cap : avail))
    t0=$(date +%s.%N)
    # The CPU seconds (user + system, children included) go to NAME.cpu.
    timeout -k 5 "$limit" bash -c "TIMEFORMAT='%U %S'
        { time $fn >'$LOGS/$name.log' 2>&1; } 2>'$LOGS/$name.cpu'"
    rc=$?
    status=$(outcome "$rc" "$LOGS/$name.log")
    record "$name" "$status" "$(elapsed "$t0")" \
        "$(last_line "$LOGS/$name.log" | cut -c1-100)" \
        "$(awk '{printf "%.1f", $1 + $2}' "$LOGS/$name.cpu" 2>/dev/null)"
    if [ "$status" = fail ] || [ "$status" = timeout ]; then
        sed 's/^/    | /' "$LOGS/$name.log" | tail -n 15
    fi
    [ "$status" = pass ] || [ "$status" = skipped ]
}

outcome() {  # outcome RC LOG: pass, skipped (pytest ran nothing), fail...
    local last
    last=$(last_line "$2")
    case $1 in
        0) if [[ $last == *skipped* && $last != *passed* ]]; then
               echo skipped; else echo pass; fi ;;
        124|137) echo timeout ;;
        *) echo fail ;;
    esac
}

last_line() { tr -d '\000' <"$1" | grep -av '^\s*$' | tail -n 1; }

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }

record() {  # record NAME STATUS WALL_S NOTE [CPU_S]
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${5:--}" "${4:-}" \
        >>"$SUMMARY"
    printf '[%4ss] %-13s %-12s %6s s wall %6s s cpu  %s\n' \
        "$(($(date +%s) - START))" "$1" "$2" "$3" "${5:--}" "${4:-}"
}

start_suite() {  # the suite in the background, stopped before the reserve
    local stop=$(($(left) - RESERVE - 35))
    stop=$((stop < SUITE_MAX ? stop : SUITE_MAX))
    if [ "$stop" -lt "$SUITE_MIN" ]; then
        record suite skipped-time 0 "$(left) s left"
        return 1
    fi
    SUITE_T0=$(date +%s.%N)
    (timeout -k 30 "$stop" bash -c run_suite >"$LOGS/suite.log" 2>&1
     rc=$?
     date +%s.%N >"$LOGS/suite.end"
     exit $rc) &
    SUITE_PID=$!
    echo "suite started: stops in $stop s (at most $((stop + 30)) s)"
}

finish_suite() {
    [ -n "${SUITE_PID:-}" ] || return 0
    wait "$SUITE_PID"
    local rc=$? status
    status=$([ "$rc" = 124 ] && echo stopped-time || outcome "$rc" \
        "$LOGS/suite.log")
    timeout 60 "$PY" -m experiments gpu-check suite status \
        "$SUITE_OUT/fmnist_e150" >"$LOGS/suite_status.txt" 2>&1
    record suite "$status" "$(awk -v a="$SUITE_T0" '{printf "%.1f", $1 - a}' \
        "$LOGS/suite.end")" \
        "$(tail -n 1 "$LOGS/suite_status.txt")"
    cat "$LOGS/suite_status.txt"
}

pack_suite() {  # suite-sb/lb.tar.gz: the runs with their newest checkpoint
    [ -d "$SUITE_OUT/fmnist_e150" ] || return 0
    local t0 rc
    t0=$(date +%s.%N)
    timeout 90 "$PY" -m experiments gpu-check suite pack \
        "$SUITE_OUT/fmnist_e150" "$DEST" >"$LOGS/pack.log" 2>&1
    rc=$?
    record pack "$(outcome "$rc" "$LOGS/pack.log")" "$(elapsed "$t0")" \
        "$(tail -n 1 "$LOGS/pack.log")"
    cat "$LOGS/pack.log"
}

pack() {  # summary.txt, the loose JSON files and check.tar.gz
    local f
    for f in stack.json bench.json breakdown.json; do
        [ -f "$LOGS/$f" ] && cp "$LOGS/$f" "$DEST/"
    done
    {
        echo "gpu_check ($MODE), device $DEVICE, deadline ${DEADLINE} s," \
            "$(($(date +%s) - START)) s used; commit" \
            "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
        printf 'step\tstatus\twall_s\tcpu_s\tlast line of its log\n' |
            cat - "$SUMMARY" | column -t -s $'\t' 2>/dev/null ||
            cat "$SUMMARY"
        echo "passed $(count pass), failed $(($(count fail) + $(count \
            timeout))), skipped $(count skipped) (+ $(count skipped-time)" \
            "for time)"
    } >"$DEST/summary.txt"
    cp "$DEST/summary.txt" "$LOGS/"
    tar -czf "$DEST/check.tar.gz" -C "$WORK" check
}

count() { awk -F '\t' -v s="$1" '$2 == s' "$SUMMARY" | wc -l; }

echo "gpu_check: mode $MODE, device $DEVICE, python $PY, deadline" \
    "$DEADLINE s, work $WORK, out $DEST"
if step install 120 install_wheels; then
    set -a
    # shellcheck disable=SC1091
    source "$WORK/env.sh"
    set +a
    step stack 90 show_stack
    step tests-gpu 150 tests_gpu
    step bench 120 bench
    step breakdown 75 breakdown
    [ "$MODE" = rehearse ] && step tiny-data 60 tiny_data
    start_suite
    step cpu-tests 90 cpu_tests
    step parity-steps 60 parity_steps
    step parity-train 150 parity_train
    step mpi-2ranks 120 mpi_two_ranks
    step resume 120 resume_check
    step mixup 90 mixup_run
    finish_suite
fi
pack_suite
[ "$MODE" = rehearse ] && [ -n "${SUITE_PID:-}" ] &&
    step continue 90 continue_suite
pack
# The rehearsal's big scratch folders (the GPU machine is discarded anyway).
[ "$MODE" = rehearse ] && rm -rf "$WORK/prefix" "$WORK/fallback" \
    "$WORK/suite" "$WORK/continued"
echo "---- summary ($DEST, $(ls "$DEST" | wc -l) files)"
cat "$DEST/summary.txt"
ls -l "$DEST"
! grep -qP '\t(fail|timeout)\t' "$SUMMARY"
