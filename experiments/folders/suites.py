"""Which suites exist: a name (``quick``, ``fmnist_e20``...) or any folder
of configs. A suite is the folder's ``*.yaml`` files not starting with
``_`` (one run each); ``_suite.yaml`` holds what the report needs,
``_tune.yaml`` what tuning searches. The suite's name in output folders is
the folder's base name (``configs/fmnist_e20_tuned`` -> ``fmnist_e20_tuned``).
"""
import glob
import os

from experiments.errors import StudyError
from experiments.folders.repository import ROOT

#: the suites known by name, relative to the checkout
SUITES = {'hpml2019': 'configs/hpml2019', 'quick': 'configs/quick',
          'fmnist_e20': 'configs/fmnist_e20',
          'fmnist_e20_tuned': 'configs/fmnist_e20_tuned',
          'fmnist_e150': 'configs/fmnist_e150',
          # the original's examples (issue 24)
          'imagenet': 'configs/imagenet',
          'cifar10_examples': 'configs/cifar10_examples',
          'mnist_examples': 'configs/mnist_examples'}


class UnknownSuite(StudyError, ValueError):
    """Neither a suite's name nor a folder of configs."""


def suite_folder(suite: str) -> str:
    """The folder of configs of ``suite`` (a name or a folder)."""
    folder = os.path.join(ROOT, SUITES.get(suite, suite))
    if not os.path.isdir(folder):
        raise UnknownSuite('unknown suite {!r}: use {} or a folder of '
                           'configs'.format(suite, ', '.join(SUITES)))
    return folder


def suite_name(suite: str) -> str:
    """The name of ``suite``'s folder, as its output folder is called."""
    return os.path.basename(SUITES.get(suite, suite).rstrip('/'))


def suite_configs(suite: str) -> list[str]:
    """The run configs of ``suite``, sorted."""
    return sorted(p for p in glob.glob(os.path.join(suite_folder(suite),
                                                    '*.yaml'))
                  if not os.path.basename(p).startswith('_'))
