"""The repository the study package runs from.

``configs/``, the default ``results/`` folder and the git commit a result
names (experiments/folders/provenance.py) are found relative to
:data:`ROOT`: the package is used as an editable install of a checkout, as
the Makefile makes it.
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
