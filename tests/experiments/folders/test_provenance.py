import subprocess

from experiments.folders import provenance


def test_commit_and_dirty_flag_of_this_repository():
    state = provenance.git_state()
    head = subprocess.run(['git', '-C', provenance.ROOT, 'rev-parse', 'HEAD'],
                          capture_output=True, text=True).stdout.strip()
    assert state['commit'] == head
    assert isinstance(state['dirty'], bool)


def test_outside_a_work_tree_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance, 'ROOT', str(tmp_path))
    state = provenance.git_state()
    assert state['commit'] is None and state['dirty'] is None
    assert 'not a git repository' in state['error']
