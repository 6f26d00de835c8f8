"""Nothing outside ``chainer_kfac/distributed/`` touches the MPI
communicator under a K-FAC communicator (issue 20, item 2): the library,
the experiments and the scripts use the declared interface
(:class:`~chainer_kfac.distributed.KFACCommunicator`). Tests of the
communicators themselves may."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def mpi_comm_uses(path):
    """Line numbers of every ``<expr>.mpi_comm`` in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == 'mpi_comm']


def test_only_distributed_touches_mpi_comm():
    inside = ROOT / 'chainer_kfac' / 'distributed'
    found = []
    for folder in ('chainer_kfac', 'experiments', 'scripts'):
        for path in sorted((ROOT / folder).rglob('*.py')):
            if inside in path.parents:
                continue
            found += ['{}:{}'.format(path.relative_to(ROOT), line)
                      for line in mpi_comm_uses(path)]
    assert not found, (
        'comm.mpi_comm used outside chainer_kfac/distributed/ ({}): declare '
        'what is needed on KFACCommunicator (distributed/interface.py) and '
        'implement it in the MPI and NCCL communicators'.format(
            ', '.join(found)))


def test_the_check_sees_a_use(tmp_path):
    probe = tmp_path / 'probe.py'
    probe.write_text('def f(comm):\n    return comm.mpi_comm.Dup()\n')
    assert mpi_comm_uses(probe) == [2]
    assert mpi_comm_uses(ROOT / 'chainer_kfac' / 'distributed' /
                         'mpi_communicator.py')
