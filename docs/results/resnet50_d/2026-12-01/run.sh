#!/usr/bin/env bash
# Session 6 benchmarks of ResNet-50-D (issue 24 item 7), study paused.
cd /work/main
P=.venv/bin/python; O=/root/bench_s6
TUNED="OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824"
DEFAULT="env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS -u OPENBLAS_CORETYPE -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_"
(while true; do echo "$(date +%T) $(free -m | awk '/Mem/{print $3}') MiB used, load $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; done) > $O/mem.log 2>&1 &
MEM=$!
run() { name=$1; shift; echo "== $name: $*"; date; "$@" > $O/$name.txt 2>&1; echo "rc $? $(date)"; }
run mpi2_contiguous_default $DEFAULT $P scripts/bench_resnet_mpi.py --ranks 2 --batch 16 --steps 3 --assignment contiguous --no-malloc-tuning --json $O/mpi2_contiguous_default.json
run mpi2_balanced_default $DEFAULT $P scripts/bench_resnet_mpi.py --ranks 2 --batch 16 --steps 3 --assignment balanced --no-malloc-tuning --json $O/mpi2_balanced_default.json
run mpi2_balanced_tuned env $TUNED $P scripts/bench_resnet_mpi.py --ranks 2 --batch 16 --steps 3 --assignment balanced --no-malloc-tuning --json $O/mpi2_balanced_tuned.json
run one_b32_default $DEFAULT $P scripts/bench_resnet.py --batches 32 --steps 3 --kinds sgd kfac kfac_pre --no-malloc-tuning --json $O/one_b32_default.json
run one_b32_tuned env $TUNED $P scripts/bench_resnet.py --batches 32 --steps 3 --kinds sgd kfac kfac_pre --no-malloc-tuning --json $O/one_b32_tuned.json
kill $MEM
echo ALL DONE
#!/usr/bin/env bash
# The 2-rank tuned run again, BLAS tuning only (the MALLOC_* variables that
# keep freed memory took two ranks of three optimizers past 23 GiB: OOM).
cd /work/main
P=.venv/bin/python; O=/root/bench_s6
if [ "$1" != inner ]; then
  while pgrep -f "bench_s6/run2?.sh" > /dev/null; do sleep 20; done
  exec /work/wt/with_study_paused.sh "$0" inner
fi
(while true; do echo "$(date +%T) $(free -m | awk '/Mem/{print $3}') MiB used, load $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; done) > $O/mem3.log 2>&1 &
MEM=$!
run() { name=$1; shift; echo "== $name: $*"; date; "$@" > $O/$name.txt 2>&1; echo "rc $? $(date)"; }
run mpi2_balanced_tunedblas env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_ OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX $P scripts/bench_resnet_mpi.py --ranks 2 --batch 16 --steps 3 --assignment balanced --no-malloc-tuning --json $O/mpi2_balanced_tunedblas.json
kill $MEM
echo ALL DONE
#!/usr/bin/env bash
# One process, tuned BLAS, all four kinds (exact amortised 10/100), 4 rounds.
cd /work/main
P=.venv/bin/python; O=/root/bench_s6
(while true; do echo "$(date +%T) $(free -m | awk '/Mem/{print $3}') MiB used, load $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; done) > $O/mem4.log 2>&1 &
MEM=$!
echo "== one_b32_tunedblas_4kinds"; date
env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_ OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX $P scripts/bench_resnet.py --batches 32 --steps 4 --no-malloc-tuning --json $O/one_b32_tunedblas_4kinds.json > $O/one_b32_tunedblas_4kinds.txt 2>&1
echo "rc $? $(date)"
kill $MEM
