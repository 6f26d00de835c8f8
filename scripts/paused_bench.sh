#!/bin/bash
# Run a command while the background study (work/study) is paused (SIGSTOP),
# resuming it on any exit. Used for the figures in docs/results/README.md.
trap "pkill -CONT -f 'work/study/experiments/train.py'" EXIT
pkill -STOP -f 'work/study/experiments/train.py'
timeout 540 "$@"
