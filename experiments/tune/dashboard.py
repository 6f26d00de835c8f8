"""``python -m experiments dashboard SUITE``: optuna-dashboard over a
suite's tuning studies, bound to 127.0.0.1 only.

    python -m experiments dashboard fmnist_e20 [--port 8080] [--out DIR]

It opens the same storage as ``tune`` (the suite's journal, or the URL
of ``--storage``, ``--storage-file`` or ``$KFAC_TUNE_STORAGE``,
experiments/tune/storage_url.py) and serves it until interrupted. The
address is the loopback one: from a laptop, reach a login node's
dashboard through an SSH tunnel (docs/cluster.md):
``ssh -L 8080:127.0.0.1:8080 LOGIN``.
"""
import argparse
import os
import threading
from collections.abc import Sequence
from wsgiref.simple_server import WSGIServer, make_server

import optuna_dashboard
from optuna.storages import BaseStorage

from experiments.folders import suites
from experiments.folders.repository import ROOT
from experiments.tune import storage as storage_module
from experiments.tune import storage_url
from experiments.tune.cli import add_storage_arguments

HOST = '127.0.0.1'


def server(storage: BaseStorage, port: int) -> WSGIServer:
    """A dashboard server on ``HOST:port`` (0: any free port)."""
    return make_server(HOST, port, optuna_dashboard.wsgi(storage))


def serve_in_background(storage: BaseStorage,
                        port: int = 0) -> tuple[WSGIServer, threading.Thread]:
    """Start :func:`server` in a daemon thread (tests, notebooks)."""
    running = server(storage, port)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    return running, thread


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments dashboard',
        description='optuna-dashboard over a suite\'s tuning studies, on '
                    '{} only'.format(HOST))
    parser.add_argument('suite')
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--out', default=os.path.join(ROOT, 'results'))
    add_storage_arguments(parser, 'the journal OUT/tune/SUITE/journal.log')
    args = parser.parse_args(argv)
    journal = storage_module.journal_path(args.out,
                                          suites.suite_name(args.suite))
    store = storage_module.open_storage(
        storage_url.resolve(args.storage, args.storage_file), journal, 60,
        180)
    running = server(store, args.port)
    print('dashboard: http://{}:{}/dashboard (Ctrl-C ends it)'.format(
        HOST, running.server_port), flush=True)
    try:
        running.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
