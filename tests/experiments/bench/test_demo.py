"""``python -m experiments demo``: both optimizers' loss curves."""
from experiments.bench import demo


def test_both_curves_are_printed_side_by_side(capsys):
    assert demo.main(['--steps', '4', '--batch', '16']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('momentum_sgd: 4 steps in ')
    assert lines[1].startswith('kfac: 4 steps in ')
    assert lines[2].split() == ['step', 'momentum_sgd', 'kfac']
    assert [line.split()[0] for line in lines[3:7]] == ['1', '2', '3', '4']
    assert lines[-1].startswith('mean loss of the last 5 steps: ')


def test_the_problem_and_the_model_are_seeded():
    (x, t), (y, u) = demo.make_problem(64), demo.make_problem(64)
    assert (x == y).all() and (t == u).all()
    a = demo.train(demo.chainer.optimizers.SGD(), x, t, 3, 8)
    b = demo.train(demo.chainer.optimizers.SGD(), x, t, 3, 8)
    assert a == b and len(a) == 3
