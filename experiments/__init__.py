"""The study around chainer_kfac: one sub-package per job.

From the bottom up (a package imports only from those below it;
tests/test_layers.py checks it): ``errors``; ``folders`` (what lives
where in a run or suite folder), ``data`` and ``analysis``, ``train``,
``sharpness`` and ``bench``, ``suite``, ``checks``; ``cli`` (the command
line, ``python -m experiments``) on top. Nothing in ``chainer_kfac``
imports this package.
"""
