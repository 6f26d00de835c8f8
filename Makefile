# Set-up and entry points. `make quick` runs the main job, `make test` the
# tests; both create the virtual environment .venv first when it is missing.
PYTHON ?= python3
VENV := .venv
NP2_VENV := .venv-np2
BIN := $(VENV)/bin
NP2_BIN := $(NP2_VENV)/bin
# Chainer 7.8.1's setup.py imports pkg_resources: it builds only with an old
# setuptools and without build isolation.
PIP_CHAINER := pip install -q --no-build-isolation 'chainer==7.8.1'

.PHONY: venv venv-np2 test test-np2 quick bench clean

venv: $(VENV)/.installed
$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip<25' 'setuptools<70' wheel
	$(BIN)/$(PIP_CHAINER) 'numpy<2'
	$(BIN)/pip install -q --no-build-isolation 'numpy<2' -e '.[test]'
	touch $@

# A second environment with NumPy 2, so the compatibility layer is tested.
venv-np2: $(NP2_VENV)/.installed
$(NP2_VENV)/.installed: setup.py
	$(PYTHON) -m venv $(NP2_VENV)
	$(NP2_BIN)/pip install -q --upgrade 'pip<25' 'setuptools<70' wheel
	$(NP2_BIN)/$(PIP_CHAINER) 'numpy>=2'
	$(NP2_BIN)/pip install -q --no-build-isolation 'numpy>=2' -e '.[test]'
	touch $@

test: venv venv-np2
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q tests
	$(MAKE) test-np2

test-np2: venv-np2
	OMP_NUM_THREADS=1 $(NP2_BIN)/python -m pytest -q -m "not mpi" tests

quick: venv
	$(BIN)/python scripts/quick_compare.py

bench: venv
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python scripts/bench_step_time.py

clean:
	rm -rf $(VENV) $(NP2_VENV) *.egg-info
