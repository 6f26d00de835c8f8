"""Old name of ``python -m experiments report`` (experiments/analysis/)."""
import sys

from experiments.cli import main

sys.exit(main(['report', *sys.argv[1:]]))
