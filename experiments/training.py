"""Build the Trainer of one experiment from a resolved config."""
import os

import numpy

import chainer
from chainer import training
from chainer.training import extensions

import chainer_kfac
from chainer_kfac.distributed import launch
from chainer_kfac.iterators import MixupIterator
from chainer_kfac.links import MixupClassifier
from chainer_kfac.models import LeNet5
from experiments import checkpoint
from experiments.config import ConfigError
from experiments import datasets
from experiments import devices
from experiments import extensions as exp_extensions

rank_suffix = checkpoint.rank_suffix
#: The config's ``model`` and ``optimizer.name`` choices.
MODELS = ('lenet5',)
OPTIMIZERS = ('momentum_sgd', 'kfac')
#: True when this process is an MPI rank (train.py asks; one helper).
in_mpi_launch = launch.in_mpi_launch


def get_device(spec, comm):
    """The Chainer device of the config's ``device`` on this rank (see
    experiments/devices.py)."""
    return devices.get_device(spec, comm)


def load_data(config, comm):
    if comm is None or comm.rank == 0:
        train, test, info = datasets.load(
            config['dataset'], config['data_dir'],
            tuple(config['synthetic_size']))
        check_labels(train, test, info)
        check_one_batch(train, info, config['batch_size'])
    else:
        train = test = info = None
    if comm is not None:
        import chainermn
        info = comm.bcast_obj(info)
        train = chainermn.scatter_dataset(train, comm, shuffle=True,
                                          seed=config['seed'])
        test = chainermn.scatter_dataset(test, comm)
    return train, test, info


def check_labels(train, test, info, n_classes=10):
    """Every label is a class of LeNet-5 (10 outputs): 0 <= t < n_classes."""
    for split, data in (('train', train), ('test', test)):
        labels = numpy.asarray(data._datasets[1]) if hasattr(
            data, '_datasets') else numpy.asarray([t for _, t in data])
        bad = numpy.flatnonzero((labels < 0) | (labels >= n_classes))
        if bad.size:
            raise datasets.DatasetError(
                '{} {} set ({}): {} label(s) outside 0..{}, e.g. {} at index '
                '{}; the label file is corrupt or of another dataset'.format(
                    info.get('dataset'), split, info.get('path', 'generated'),
                    bad.size, n_classes - 1, labels[bad[0]], bad[0]))


def check_one_batch(train, info, batch_size):
    """The training set holds at least one global batch (else every epoch
    would be one short step)."""
    if len(train) < batch_size:
        raise datasets.DatasetError(
            '{} ({}) has {} training examples, fewer than one global batch '
            '(batch_size {}): every epoch would be a single short step. '
            'Lower batch_size to at most {}, or use more data'.format(
                info.get('dataset'), info.get('path') or info.get('source'),
                len(train), batch_size, len(train)))


def make_model(config, sample_x):
    channels, size = sample_x.shape[0], sample_x.shape[-1]
    numpy.random.seed(config['seed'])
    return MixupClassifier(LeNet5(in_channels=channels, in_size=size))


def make_optimizer(config, comm):
    opt_cfg, kfac_cfg = config['optimizer'], config['kfac']
    if opt_cfg['name'] == 'kfac':
        kwargs = dict(kfac_cfg, lr=opt_cfg['lr'],
                      momentum=opt_cfg['momentum'])
        if comm is None:
            optimizer = chainer_kfac.KFAC(**kwargs)
        else:
            optimizer = chainer_kfac.DistributedKFAC(
                comm, **dict(kwargs, **config['distributed']))
    else:
        optimizer = chainer.optimizers.MomentumSGD(
            lr=opt_cfg['lr'], momentum=opt_cfg['momentum'])
        if comm is not None:
            import chainermn
            optimizer = chainermn.create_multi_node_optimizer(optimizer,
                                                              comm)
    return optimizer


def per_rank_batch(config, comm):
    """This rank's share of the global ``batch_size``; a ConfigError if
    the ranks cannot share it evenly."""
    size = 1 if comm is None else comm.size
    batch = config['batch_size']
    if batch % size:
        lower, upper = batch - batch % size, batch - batch % size + size
        raise ConfigError(
            'batch_size {} (the global batch, shared by all ranks) is not '
            'divisible by the {} ranks: set batch_size to a multiple of {} '
            '(e.g. {}{}), or run on a number of ranks that divides '
            '{}'.format(batch, size, size, upper, ' or {}'.format(lower)
                        if lower else '', batch))
    return batch // size


def build_trainer(config, out, comm=None, progress=True):
    """Return ``(trainer, info, device)`` for the resolved ``config``."""
    rank = 0 if comm is None else comm.rank
    device = get_device(config['device'], comm)
    train, test, info = load_data(config, comm)
    model = make_model(config, train[0][0])
    model.to_device(device)
    optimizer = make_optimizer(config, comm)
    optimizer.setup(model)
    if config['optimizer']['weight_decay']:
        optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(
            config['optimizer']['weight_decay']))
    alpha = config['mixup']['alpha'] if config['mixup']['enabled'] else 0.0
    train_iter = MixupIterator(train, per_rank_batch(config, comm), alpha,
                               seed=config['seed'] * 1009 + rank)
    updater = training.updaters.StandardUpdater(train_iter, optimizer,
                                                device=device)
    trainer = training.Trainer(updater, (config['epochs'], 'epoch'), out=out)
    eval_trigger = exp_extensions.FractionOfEpochTrigger(
        config['evals_per_epoch'], config['dense_eval_epochs'])
    _extend_evaluation(trainer, config, test, model, device, comm,
                       eval_trigger)
    _extend_safety(trainer, config, optimizer, comm, eval_trigger)
    if rank == 0:
        _extend_reports(trainer, eval_trigger, progress)
    return trainer, info, device


def _extend_evaluation(trainer, config, test, model, device, comm,
                       eval_trigger):
    """Test-set evaluation (every rank's share, averaged) and the schedule."""
    test_iter = chainer.iterators.SerialIterator(
        test, max(1, config['test_batch_size'] // (
            1 if comm is None else comm.size)), repeat=False, shuffle=False)
    evaluator = extensions.Evaluator(test_iter, model, device=device)
    if comm is not None:
        import chainermn
        evaluator = chainermn.create_multi_node_evaluator(evaluator, comm)
        # Training loss/accuracy in the log: the mean over all ranks.
        trainer.extend(exp_extensions.MeanOverRanks(
            comm, ['main/loss', 'main/accuracy']))
    trainer.extend(evaluator, trigger=eval_trigger)
    trainer.extend(exp_extensions.StepLRSchedule(
        config['optimizer']['lr'], config['lr_schedule']['drop_epochs'],
        config['lr_schedule']['factor']))


def _extend_safety(trainer, config, optimizer, comm, eval_trigger):
    """Checkpoints, the on-error snapshot and the non-finite guards."""
    trainer.extend(checkpoint.ConsistentSnapshot(comm),
                   trigger=(config['snapshot_every'], 'epoch'))
    # A run that dies leaves its state in a separate file, so that it can
    # never overwrite (or be mistaken for) an end-of-epoch snapshot.
    trainer.extend(checkpoint.ErrorSnapshot(comm),
                   trigger=(10 ** 9, 'epoch'), name='snapshot_on_error')

    def save_now(tr):
        name = 'snapshot_nonfinite_iter_{}{}'.format(
            tr.updater.iteration, rank_suffix(comm))
        chainer.serializers.save_npz(os.path.join(tr.out, name), tr)
        return os.path.join(tr.out, name)

    trainer.extend(exp_extensions.NonFiniteLossGuard(save_now))
    if hasattr(optimizer, 'skipped_steps'):
        trainer.extend(exp_extensions.SkippedStepsReport(),
                       trigger=eval_trigger)


def _extend_reports(trainer, eval_trigger, progress):
    """Rank 0's JSON log, progress bar, table and plots."""
    trainer.extend(extensions.LogReport(trigger=eval_trigger))
    trainer.extend(extensions.observe_lr(), trigger=eval_trigger)
    entries = ['epoch', 'iteration', 'lr', 'main/loss', 'main/accuracy',
               'validation/main/loss', 'validation/main/accuracy',
               'elapsed_time']
    if progress:
        trainer.extend(extensions.PrintReport(entries))
        trainer.extend(extensions.ProgressBar(update_interval=10))
    if extensions.PlotReport.available():
        # A stateless trigger: PlotReport does not save its own, so the
        # default one fires again after a resume (a duplicate point).
        for kind in ('loss', 'accuracy'):
            trainer.extend(extensions.PlotReport(
                ['main/' + kind, 'validation/main/' + kind], 'epoch',
                trigger=exp_extensions.FractionOfEpochTrigger(1),
                filename=kind + '.png'))

