"""experiments/tune/dashboard.py: optuna-dashboard serves a tuning
journal's studies and trials over HTTP, on the loopback address only."""
import json
import urllib.request

import optuna

from experiments.tune import dashboard, storage

optuna.logging.set_verbosity(optuna.logging.WARNING)


def get(server, path):
    url = 'http://127.0.0.1:{}{}'.format(server.server_port, path)
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def test_the_dashboard_serves_the_trials_of_a_journal(tmp_path):
    store = storage.open_storage(None, str(tmp_path / 'journal.log'), 60,
                                 180)
    study = optuna.create_study(storage=store, study_name='quick/sb_kfac',
                                direction='maximize')
    for value in (0.5, 0.7, 0.6):
        trial = study.ask()
        trial.suggest_float('optimizer.lr', 1e-4, 1e-1, log=True)
        study.tell(trial, value)
    server, thread = dashboard.serve_in_background(store)
    try:
        assert server.server_address[0] == '127.0.0.1'
        studies = get(server, '/api/studies')['study_summaries']
        assert [s['study_name'] for s in studies] == ['quick/sb_kfac']
        detail = get(server, '/api/studies/{}'.format(studies[0]['study_id']))
        assert [t['values'] for t in detail['trials']] == [[0.5], [0.7],
                                                           [0.6]]
        assert detail['best_trials'][0]['number'] == 1
    finally:
        server.shutdown()
        thread.join(10)
