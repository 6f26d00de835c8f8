import os
import sys

# The package's compatibility layer must be imported before Chainer.
import chainer_kfac  # NOQA: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
