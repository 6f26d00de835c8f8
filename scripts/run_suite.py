"""Old name of ``python -m experiments suite`` (experiments/suite/)."""
import sys

from experiments.cli import main

sys.exit(main(['suite', *sys.argv[1:]]))
