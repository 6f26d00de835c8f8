#!/usr/bin/env bash
# Start or continue the tuned fmnist_e20 study (docs/tuning.md): tune all
# 8 cells with the same budget on the held-out split, then train the tuned
# suite on the full training set over seeds 0-2:
#
#   scripts/tune_e20.sh [STUDY_DIR]      # default: $HOME/kfac_tune
#
# STUDY_DIR/code is a clone of ONE commit: the one docs/results/tune/
# fmnist_e20/COMMIT names when it exists, else STUDY_COMMIT, else this
# checkout's HEAD; later calls reuse it, so changes made meanwhile never
# enter the study halfway. STUDY_DIR/results holds the journal
# (tune/fmnist_e20/journal.log), the trials and the tuned runs. A new
# machine gets the committed journal back first (the finished trials are
# not run again; the trials that were running when it was committed are
# failed and re-run). Two workers at a time at low priority (nice 19), so
# that tests and benchmarks keep a core.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
STUDY="${1:-$HOME/kfac_tune}"
CODE="$STUDY/code"
COMMITTED="$SRC/docs/results/tune/fmnist_e20"
JOURNAL="$STUDY/results/tune/fmnist_e20/journal.log"
mkdir -p "$(dirname "$JOURNAL")"
if [ ! -d "$CODE/.git" ]; then
    COMMIT="${STUDY_COMMIT:-$(cat "$COMMITTED/COMMIT" 2>/dev/null || true)}"
    git clone -q "$SRC" "$CODE"
    git -C "$CODE" checkout -q "${COMMIT:-$(git -C "$SRC" rev-parse HEAD)}"
fi
# The committed journal back, unless this machine's holds more.
if [ -f "$COMMITTED/journal.log" ] && [ "$(wc -c < "$COMMITTED/journal.log")" \
        -gt "$(wc -c < "$JOURNAL" 2>/dev/null || echo 0)" ]; then
    cp "$COMMITTED/journal.log" "$JOURNAL"
fi
echo "study: $STUDY, code at $(git -C "$CODE" rev-parse --short HEAD)"
cd "$CODE"
make -s venv fashion-mnist
nice -n 19 .venv/bin/python -m experiments tune fmnist_e20 --jobs 2 \
    --out "$STUDY/results" --quiet
nice -n 19 .venv/bin/python -m experiments suite configs/fmnist_e20_tuned \
    --seeds 0-2 --jobs 2 --out "$STUDY/results"
