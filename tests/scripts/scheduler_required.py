"""A scheduler test that cannot run: a skip on a developer's machine, a
failure under CI.

CI (``CI=true``, as root, where .ci/run installs the packages) must prove
that the real Slurm and Grid Engine tests ran, so there an unavailable
scheduler fails the run with the reason instead of turning into a skip.
"""
import os

import pytest


def under_ci():
    """True under CI as root (where the scheduler packages install)."""
    return os.environ.get('CI', '').lower() in ('true', '1', 'yes') and \
        os.geteuid() == 0


def unavailable(what, reason):
    """Skip (or, under CI, fail) a test that needs ``what``."""
    message = 'no {} for the job test: {}'.format(what, reason)
    if under_ci():
        pytest.fail('{} (CI=true as root: the scheduler tests must run; '
                    '.ci/run installs slurm-wlm and gridengine-*)'.format(
                        message), pytrace=False)
    pytest.skip(message)
