"""A shim over pyproject.toml, where everything about the package is
declared (PEP 621 metadata, packages, extras, the console script).

It exists for pip releases without PEP 660 editable installs (before
21.3), which some clusters still ship: their ``pip install -e .`` runs
``setup.py develop``, and setuptools (>= 61) reads pyproject.toml from
here. tests/test_setup_shim.py installs the package with pip 21.1.
"""
from setuptools import setup

setup()
