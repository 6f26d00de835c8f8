"""The PBS (ABCI 3.0), Grid Engine (TSUBAME 4.0) and Slurm job scripts:
their directives against each site's documented requirements, and their
bodies dry-run with the scheduler's variables, a recording site ``mpirun``
(and ``srun``) on PATH and a venv whose own ``mpirun`` must not be used."""
import os
import re

import pytest

from tests.scripts.cluster_dry_run import directives, dry_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CLUSTER = os.path.join(ROOT, 'scripts', 'cluster')
ABCI3 = [os.path.join(CLUSTER, 'abci3', n) for n in ('train.sh', 'suite.sh')]
GE = [os.path.join(CLUSTER, 'gridengine', n)
      for n in ('train.sh', 'suite.sh')]
SLURM = [os.path.join(CLUSTER, 'slurm', n) for n in ('train.sh', 'suite.sh')]
COMMON = 'source "$REPO/scripts/cluster/common.sh"'
#: how a job starts the study: by module name, never by a file's path
TRAIN = ['-m', 'experiments', 'train']
SUITE = '"$VENV/bin/python" -m experiments suite "$SUITE"'


def body(script):
    with open(script) as f:
        return f.read()


@pytest.mark.parametrize('script', ABCI3 + GE + SLURM)
def test_every_script_sources_the_shared_preamble(script):
    text = body(script)
    assert COMMON in text and 'kfac_setup' in text
    assert not re.search(r'^\s*(exec\s+)?mpirun\b', text, re.M), \
        'mpirun must come from kfac_launcher (launch.py)'


@pytest.mark.parametrize('script', ABCI3 + GE + SLURM)
def test_every_script_starts_the_study_by_module_name(script):
    text = body(script)
    assert not re.findall(r'[\w/]+\.py\b', ''.join(
        line for line in text.splitlines(True)
        if not line.lstrip().startswith('#'))), 'a .py path is run'
    if script.endswith('train.sh'):
        assert '"$VENV/bin/python" -m experiments train \\\n' in text
    else:
        assert 'exec {} --out "$RESULTS"'.format(SUITE) in text


#: ABCI 3.0 resource types and their GPUs (job-execution.md).
ABCI3_GPUS = {'rt_HF': 8, 'rt_HG': 1, 'rt_HC': 0}
TINY = 'dataset: synthetic\nepochs: 1\nbatch_size: 64\n'


def hours(walltime):
    h, m, s = (int(x) for x in walltime.split(':'))
    return h + m / 60 + s / 3600


def resources(found):
    """The ``-l`` resources as one dict (a PBS select chunk's items too)."""
    out = {}
    for value in found.get('-l', []):
        key, _, val = value.partition('=')
        if key == 'select':   # select=N:mpiprocs=M (a PBS chunk)
            count, *chunk = val.split(':')
            out.update(item.split('=', 1) for item in chunk)
            val = count
        out[key] = val
    return out


@pytest.mark.parametrize('script', ABCI3)
def test_abci3_directives_are_the_required_set(script):
    found = directives(script)
    assert found['-q'] == ['rt_HF'], 'multi-node jobs need rt_HF'
    res = resources(found)
    assert int(res['select']) >= 1
    # mpi.md: MPI processes per node in select; one rank per GPU.
    assert int(res['mpiprocs']) == ABCI3_GPUS['rt_HF']
    assert 'ncpus' not in res, 'ncpus is fixed by the resource type'
    assert 0 < hours(res['walltime']) <= 168, 'Spot limit: 168:00:00'
    # one run 12 h, a suite 24 h a job (submitted again to go on)
    assert hours(res['walltime']) == (12 if 'train' in script else 24)
    assert len(found['-P']) == 1 and found['-P'][0], '-P group: mandatory'
    assert found['-k'] == ['oe'], 'stream the output while the job runs'
    text = body(script)
    assert 'GPUS_PER_NODE="${GPUS_PER_NODE:-8}"' in text
    assert 'hpcx/2.20' in text


@pytest.mark.parametrize('script', GE)
def test_gridengine_directives_are_the_required_set(script):
    found = directives(script)
    res = resources(found)
    assert int(res['node_f']) >= 1, 'a resource type: node_f=N'
    assert hours(res['h_rt']) > 0, 'h_rt is mandatory on TSUBAME 4.0'
    assert '-cwd' in found
    assert found['-S'] == ['/bin/bash'], 'the script is bash'
    assert 'cuda/12.3.2 openmpi/5.0.2-gcc' in body(script), 'pinned'
    with open(script) as f:
        lines = [line for line in f if line.startswith('#$')]
    # TSUBAME's FAQ: spaces around '=' make qsub reject the job.
    assert not [line for line in lines if re.search(r'\s=|=\s', line)]


@pytest.mark.parametrize('script', SLURM)
def test_slurm_directives_one_rank_per_gpu(script):
    found = directives(script)
    assert found['--ntasks-per-node'] == found['--gpus-per-node']
    assert hours(found['--time'][0]) > 0 and '--nodes' in found


def two_hosts(tmp_path, repeat):
    nodefile = tmp_path / 'nodefile'
    nodefile.write_text(''.join('hnode00{}\n'.format(i) * repeat
                                for i in (1, 2)))
    return str(nodefile)


def check_train_call(record, ranks, per_node, config, device='cuda'):
    argv = record['argv']
    assert record['prog'].endswith('/bin/mpirun')
    assert '/venv/' not in record['prog'], "the venv's mpirun was used"
    assert argv[argv.index('-n') + 1] == str(ranks)
    assert argv[argv.index('--map-by') + 1] == 'ppr:{}:node'.format(per_node)
    python = argv.index('-m') - 1
    assert argv[python].endswith('venv/bin/python')
    assert argv[python + 1:python + 4] == TRAIN
    assert argv[argv.index('--config') + 1] == config
    assert 'device={}'.format(device) in argv
    assert argv[argv.index('--resume') + 1] == 'auto'
    assert record['cwd'] == ROOT


@pytest.mark.parametrize('mpiprocs', [8, 1])
def test_abci3_train_dry_run_two_nodes(tmp_path, mpiprocs):
    # select=2:mpiprocs=8 lists each host 8 times; select=2 once.
    nodefile = two_hosts(tmp_path, repeat=mpiprocs)
    config = 'configs/hpml2019/sb_kfac_mixup.yaml'
    records, modules, out = dry_run(ABCI3[0], tmp_path, {
        'PBS_JOBID': '1234.pbs1', 'PBS_O_WORKDIR': ROOT,
        'PBS_NODEFILE': nodefile, 'CONFIG': config}, cwd=tmp_path)
    assert modules == 'module load python/3.12/3.12.9 cuda/12.6/12.6.1 ' \
        'hpcx/2.20\n'
    [record] = records
    check_train_call(record, 16, 8, config)
    argv = record['argv']
    assert record['hosts'] == ['hnode001 slots=8', 'hnode002 slots=8', '']
    assert argv[argv.index('--out') + 1] == 'results/hpml2019/sb_kfac_mixup'
    assert '2 node(s) x 8 ranks' in out
    assert 'mpiexec: {} (site MPI on PATH, in a PBS job)'.format(
        tmp_path / 'bin' / 'mpirun') in out


def test_gridengine_train_dry_run_two_nodes(tmp_path):
    pe_hostfile = tmp_path / 'pe_hostfile'
    # A host on two lines (two queues) counts once.
    pe_hostfile.write_text('r1n1 96 all.q@r1n1 UNDEFINED\n'
                           'r1n1 96 gpu.q@r1n1 UNDEFINED\n'
                           'r1n2 192 all.q@r1n2 UNDEFINED\n')
    config = 'configs/hpml2019/lb_sgd_mixup.yaml'
    records, modules, _ = dry_run(GE[0], tmp_path, {
        'JOB_ID': '77', 'PE_HOSTFILE': str(pe_hostfile), 'NSLOTS': '384',
        'CONFIG': config, 'DATA_DIR': '/data/cifar'}, cwd=ROOT)
    assert modules == 'module load cuda/12.3.2 openmpi/5.0.2-gcc\n'
    [record] = records
    check_train_call(record, 8, 4, config)
    assert record['hosts'] == ['r1n1 slots=4', 'r1n2 slots=4', '']
    assert 'data_dir=/data/cifar' in record['argv']


SLURM_ENV = {'SLURM_JOB_ID': '9', 'SLURM_SUBMIT_DIR': ROOT,
             'SLURM_NTASKS': '8', 'SLURM_NTASKS_PER_NODE': '4',
             'SLURM_JOB_NUM_NODES': '2'}


def check_srun_call(record, config_name):
    assert record['prog'].endswith('/bin/srun')
    argv = record['argv']
    assert sorted(argv[:3]) == [
        '--mpi=pmix', '--ntasks-per-node=4', '--ntasks=8']
    assert argv[3].endswith('venv/bin/python')
    assert argv[4:7] == TRAIN
    assert os.path.basename(argv[argv.index('--config') + 1]) == config_name


@pytest.mark.parametrize('launcher', ['mpirun', 'srun'])
def test_slurm_train_dry_run_two_nodes(tmp_path, launcher):
    config = 'configs/hpml2019/lb_sgd_mixup.yaml'
    records, modules, out = dry_run(SLURM[0], tmp_path, dict(
        SLURM_ENV, CONFIG=config, LAUNCHER=launcher), cwd=tmp_path)
    assert modules == ''
    [record] = records
    if launcher == 'srun':
        check_srun_call(record, 'lb_sgd_mixup.yaml')
    else:
        check_train_call(record, 8, 4, config)
        assert '--hostfile' not in record['argv'], 'Slurm has the nodes'
    assert 'job 9: 8 rank(s) on 2 node(s)' in out


def test_slurm_unknown_launcher_is_refused(tmp_path):
    with pytest.raises(AssertionError, match='LAUNCHER=mpich: use mpirun'):
        dry_run(SLURM[0], tmp_path, dict(SLURM_ENV, LAUNCHER='mpich'),
                cwd=tmp_path)


def suite_folder(tmp_path):
    configs = tmp_path / 'tiny_suite'
    configs.mkdir()
    for name in ('a', 'b'):
        (configs / (name + '.yaml')).write_text(TINY)
    # the suite runner's report reads the suite's target and batch sizes here
    # (no seeds: one run per config).
    (configs / '_suite.yaml').write_text(
        'target_accuracy: 0.75\nbatch_classes: {SB: 32, LB: 512}\n')
    return configs


@pytest.mark.parametrize('scheduler', ['abci3', 'gridengine', 'slurm',
                                       'slurm_srun'])
def test_suite_dry_run_runs_each_config_on_all_gpus(tmp_path, scheduler):
    configs = suite_folder(tmp_path)
    env = {'SUITE': str(configs), 'RESULTS': str(tmp_path / 'results')}
    if scheduler == 'abci3':
        hosts = two_hosts(tmp_path, repeat=8)
        env.update(PBS_JOBID='1.pbs1', PBS_O_WORKDIR=ROOT, PBS_NODEFILE=hosts)
        script, ranks, per_node, cwd = ABCI3[1], 16, 8, tmp_path
    elif scheduler == 'gridengine':
        pe = tmp_path / 'pe'
        pe.write_text('n1 192 q@n1 UNDEFINED\nn2 192 q@n2 UNDEFINED\n')
        env.update(JOB_ID='5', PE_HOSTFILE=str(pe))
        script, ranks, per_node, cwd = GE[1], 8, 4, ROOT
    else:
        env.update(SLURM_ENV, LAUNCHER=scheduler[6:] or 'mpirun')
        script, ranks, per_node, cwd = SLURM[1], 8, 4, tmp_path
    # The node's GPUs, as the scheduler makes them visible to the job.
    env['CUDA_VISIBLE_DEVICES'] = ','.join(str(g) for g in range(per_node))
    records, _, out = dry_run(script, tmp_path, env, cwd=cwd)
    assert sorted(os.path.basename(r['argv'][r['argv'].index('--config') +
                                             1]) for r in records) == [
        'a.yaml', 'b.yaml']
    if scheduler == 'slurm_srun':
        for record, name in zip(records, ('a.yaml', 'b.yaml'), strict=True):
            check_srun_call(record, name)
        return
    assert 'mpiexec: {} (site MPI on PATH'.format(
        tmp_path / 'bin' / 'mpirun') in out
    for record in records:
        argv = record['argv']
        assert '/venv/' not in record['prog']
        assert argv[argv.index('-n') + 1] == str(ranks)
        assert argv[argv.index('--map-by') + 1] == 'ppr:{}:node'.format(
            per_node)
        assert 'device=cuda' in argv
        assert ('--hostfile' in argv) == (scheduler != 'slurm')
    assert (tmp_path / 'results' / 'tiny_suite' / 'a' / 'train.log').exists()
