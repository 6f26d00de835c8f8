# Set-up and entry points. `make quick` runs the main job, `make test` the
# checkers (`make lint`) and the tests; both create the virtual environment
# .venv first when it is missing. The package's metadata and the checkers'
# settings are in pyproject.toml.
PYTHON ?= python3
VENV := .venv
NP2_VENV := .venv-np2
BIN := $(VENV)/bin
NP2_BIN := $(NP2_VENV)/bin
# Chainer 7.8.1's setup.py imports pkg_resources: it builds only with an old
# setuptools and without build isolation.
PIP_CHAINER := pip install -q --no-build-isolation 'chainer==7.8.1'

.PHONY: venv venv-np2 venv-py312 lint test test-np2 test-py312 quick demo bench bench-comm bench-resnet fashion-mnist clean

# $(1): the environment's folder, $(2): its NumPy requirement, $(3): the
# package's extras (pyproject.toml). .venv also gets the checkers.
TEST_EXTRAS := test,tune,local-mpi
DEV_EXTRAS := test,tune,lint,local-mpi
define make_venv
	$(PYTHON) -m venv $(1)
	$(1)/bin/pip install -q --upgrade 'pip<25' 'setuptools<70' wheel
	$(1)/bin/$(PIP_CHAINER) '$(2)'
	$(1)/bin/pip install -q --no-build-isolation '$(2)' -e '.[$(3)]'
	touch $(1)/.installed
endef

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(call make_venv,$(VENV),numpy<2,$(DEV_EXTRAS))

# A second environment with NumPy 2, so the compatibility layer is tested.
venv-np2: $(NP2_VENV)/.installed
$(NP2_VENV)/.installed: pyproject.toml
	$(call make_venv,$(NP2_VENV),numpy>=2,$(TEST_EXTRAS))

# mypy over chainer_kfac/, ruff over the repository (pyproject.toml).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every test runs in .venv, on both cores (pytest-xdist). The NumPy-2 and
# Python-3.12 environments run the tests whose outcome can depend on NumPy
# or Python (COMPAT_TESTS: the library, training, data, analysis, the
# benchmarks and checks); they leave out what reads only our own files or
# drives the shell, schedulers, processes and Optuna (the static checks,
# tests/scripts, the suite runner, run folders, tuning), run in .venv.
XDIST := -n 2 -p no:cacheprovider
COMPAT_TESTS := tests --ignore=tests/scripts \
  --ignore=tests/experiments/suite --ignore=tests/experiments/folders \
  --ignore=tests/experiments/tune --ignore=tests/test_code_shape.py \
  --ignore=tests/test_layers.py --ignore=tests/test_docs.py \
  --ignore=tests/test_setup_shim.py --ignore=tests/test_boundaries.py
test: lint venv venv-np2 fashion-mnist
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q $(XDIST) tests
	$(MAKE) test-np2
	@if [ -n "$(PYTHON312)" ]; then $(MAKE) test-py312; else \
	  echo "python3.12 not found: skipping the Python 3.12 compatibility run"; fi
	$(MAKE) gpu-rehearse

test-np2: venv-np2
	OMP_NUM_THREADS=1 $(NP2_BIN)/python -m pytest -q $(XDIST) -m "not mpi" \
	  $(COMPAT_TESTS)

# Python 3.12 + NumPy 2 without setuptools (no pkg_resources, no
# numpy.distutils): the stack of the lent GPU machines. Run by `make test`
# where a python3.12 exists.
PYTHON312 ?= $(shell for p in python3.12 \
  $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12); do \
  if $$p -c "" 2>/dev/null; then echo $$p; break; fi; done)
PY312_VENV := .venv-py312
venv-py312: $(PY312_VENV)/.installed
$(PY312_VENV)/.installed: pyproject.toml
	$(PYTHON312) -m venv $(PY312_VENV)
	$(PY312_VENV)/bin/pip install -q 'setuptools<70' wheel
	$(PY312_VENV)/bin/$(PIP_CHAINER) 'numpy>=2'
	$(PY312_VENV)/bin/pip install -q --no-build-isolation 'numpy>=2' \
	  -e '.[$(TEST_EXTRAS)]'
	$(PY312_VENV)/bin/pip uninstall -q -y setuptools wheel
	touch $@

test-py312: venv-py312
	OMP_NUM_THREADS=1 $(PY312_VENV)/bin/python -m pytest -q $(XDIST) \
	  -m "not mpi" $(COMPAT_TESTS)
	OMP_NUM_THREADS=1 $$($(PY312_VENV)/bin/python -m \
	  chainer_kfac.distributed.launch 2) $(PY312_VENV)/bin/python \
	  tests/distributed/mpi/equivalence.py

# The main job: the study's 8 comparisons on Fashion-MNIST, 1 epoch, seeds
# 0-2 (the suite file's; ~11 min on 2 idle cores), then the table, report.md
# with the claims' verdicts and the figures (results/quick/).
# DATA_DIR=DIR: read Fashion-MNIST's four idx .gz files from DIR instead.
quick: venv fashion-mnist
	$(BIN)/python -m experiments suite quick --jobs 2 --out results \
	  $(if $(DATA_DIR),--set data_dir=$(DATA_DIR))

# Fashion-MNIST: Debian's dataset-fashion-mnist (installed with apt-get when
# possible), else Chainer's downloader; says which, or prints the exact fix.
fashion-mnist: venv
	$(BIN)/python -m experiments fetch-data fashion-mnist \
	  $(if $(DATA_DIR),--data-dir $(DATA_DIR))

# K-FAC vs momentum SGD on a generated problem (no dataset needed).
demo: venv
	$(BIN)/python -m experiments demo

# The benchmark (like experiments/train.py) sets one BLAS thread and glibc
# malloc keeping freed memory from inside the process (chainer_kfac.runtime).
# `make bench` runs it twice: in the environment a user has by default (no
# thread or malloc variables) and in the tuned one below, which sets the same
# through the environment (docs/results/README.md, section 3).
BENCH_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=17179869184 \
  MALLOC_TOP_PAD_=1073741824
DEFAULT_ENV := env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS \
  -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_
bench: venv
	$(DEFAULT_ENV) $(BIN)/python -m experiments bench step-time
	$(DEFAULT_ENV) $(BENCH_ENV) $(BIN)/python -m experiments bench step-time

bench-comm: venv
	$(BENCH_ENV) $(BIN)/python -m experiments bench comm --ranks 2

# ResNet-50-D at 224x224, batch 32: one process, then 2 ranks of 16
# (docs/results/README.md, section 3b; ~20 GiB, ~25 minutes on 2 cores).
bench-resnet: venv
	$(DEFAULT_ENV) $(BIN)/python -m experiments bench resnet --batches 32 \
	  --steps 3 --kinds sgd kfac kfac_pre --no-malloc-tuning
	$(DEFAULT_ENV) $(BIN)/python -m experiments bench resnet-mpi --ranks 2 \
	  --batch 16 --steps 3 --assignment balanced --no-malloc-tuning

clean:
	rm -rf $(VENV) $(NP2_VENV) $(PY312_VENV) *.egg-info .mypy_cache .ruff_cache

# The GPU check of a lent window (docs/gpu.md). `make gpu-carry` builds the
# ignored folder .gpu-carry/ (wheels for the GPU machine's Python 3.12,
# Fashion-MNIST) and prints the device call; `make gpu-check` is that call's
# command (on the GPU machine); `make gpu-rehearse` runs the same steps here
# on the CPU with tiny sizes; `make gpu-continue FROM=DIR` puts the runs a
# window returned (DIR/suite-*.tar.gz) into .gpu-carry/suite for the next.
GPU_REHEARSE_PY = $(if $(PYTHON312),$(PY312_VENV)/bin/python,$(BIN)/python)
.PHONY: gpu-carry gpu-check gpu-rehearse gpu-continue
gpu-carry: venv fashion-mnist
	PYTHON=$(BIN)/python bash scripts/gpu_carry.sh

gpu-check:
	PYTHONUNBUFFERED=1 bash scripts/gpu_check.sh

gpu-rehearse: gpu-carry $(if $(PYTHON312),venv-py312)
	REHEARSE_PYTHON=$(GPU_REHEARSE_PY) bash scripts/gpu_check.sh --rehearse \
	  $(if $(GPU_REHEARSE_OUT),--out $(GPU_REHEARSE_OUT))

gpu-continue:
	@test -n "$(FROM)" || { echo "usage: make gpu-continue FROM=DIR" \
	  "(DIR holds a window's suite-*.tar.gz)"; exit 2; }
	mkdir -p .gpu-carry/suite
	for t in $(FROM)/suite-*.tar.gz; do tar -xzf $$t -C .gpu-carry/suite; done
	$(BIN)/python -m experiments gpu-check suite status \
	  .gpu-carry/suite/fmnist_e150

# The heavy tests (marker `heavy`: ResNet-50-D at 224x224, full width, one
# K-FAC step against float64; a few minutes each), deselected by `make test`
# (tests/models/conftest.py).
.PHONY: test-heavy
test-heavy: venv
	KFAC_HEAVY=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q -m heavy tests
