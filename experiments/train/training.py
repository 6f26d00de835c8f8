"""Build the Trainer of one experiment from a resolved config."""
import os
from collections.abc import Mapping
from typing import Any

import numpy

import chainer
from chainer import training
from chainer.training import extensions

import chainer_kfac
from chainer_kfac import models
from chainer_kfac.distributed import KFACCommunicator
from chainer_kfac.distributed import launch
from chainer_kfac.distributed.multi_node_optimizer import \
    create_multi_node_optimizer
from experiments.data import datasets
from experiments.data.data_info import DataInfo
from experiments.train import checkpoint
from experiments.train import devices
from experiments.train import extensions as exp_extensions
from experiments.train import precision
from experiments.train import recipe
from experiments.train import run_data
from experiments.train.run_data import RunData
from experiments.train.config_file import Config
from experiments.train.config_file import ConfigError

Comm = KFACCommunicator | None
rank_suffix = checkpoint.rank_suffix
#: The config's ``model`` and ``optimizer.name`` choices.
MODELS = tuple(sorted(models.MODELS))
OPTIMIZERS = ('momentum_sgd', 'kfac', 'adam')
#: True when this process is an MPI rank (train.py asks; one helper).
in_mpi_launch = launch.in_mpi_launch


def get_device(spec: int | str, comm: Comm) -> Any:
    """The Chainer device of the config's ``device`` on this rank (see
    experiments/devices.py)."""
    return devices.get_device(spec, comm)


def make_model(config: Config, sample_x: numpy.ndarray, rank: int = 0
               ) -> Any:
    """The registered ``model:`` in its classifier (experiments/recipe.py).
    """
    channels, size = sample_x.shape[0], sample_x.shape[-1]
    numpy.random.seed(config['seed'])
    n_classes = datasets.n_classes(config['dataset'])
    try:
        with precision.building(config):
            predictor = models.build(config['model'], channels, size,
                                     n_classes)
    except ValueError as e:
        raise datasets.DatasetError('`model: {}`: {}'.format(
            config['model'], e)) from e
    return recipe.make_classifier(config, predictor, n_classes,
                                  stream_seed=config['seed'] * 1009 + rank)


def make_optimizer(config: Config, comm: Comm) -> Any:
    """K-FAC (DistributedKFAC under MPI), Adam or momentum SGD (multi-node
    under MPI), as ``optimizer.name`` says."""
    opt_cfg, kfac_cfg = config['optimizer'], config['kfac']
    if opt_cfg['name'] == 'kfac':
        kwargs = dict(kfac_cfg, lr=opt_cfg['lr'],
                      momentum=opt_cfg['momentum'])
        if kwargs['mc_seed'] is None:   # sampled labels follow the run's
            kwargs['mc_seed'] = config['seed']
        if comm is None:
            optimizer = chainer_kfac.KFAC(**kwargs)
        else:
            optimizer = chainer_kfac.DistributedKFAC(
                comm, **dict(kwargs, **config['distributed']))
    else:
        if opt_cfg['name'] == 'adam':   # examples/mnist's baseline
            optimizer = chainer.optimizers.Adam(alpha=opt_cfg['lr'])
        else:
            optimizer = chainer.optimizers.MomentumSGD(
                lr=opt_cfg['lr'], momentum=opt_cfg['momentum'])
        if comm is not None:
            optimizer = create_multi_node_optimizer(optimizer, comm)
    return optimizer


def per_rank_batch(config: Mapping[str, Any], comm: Comm) -> int:
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


def evaluation_trigger(config: Mapping[str, Any]
                       ) -> exp_extensions.FractionOfEpochTrigger:
    """When the test set is evaluated and the log written
    (``evals_per_epoch``, ``dense_eval_epochs``)."""
    return exp_extensions.FractionOfEpochTrigger(
        config['evals_per_epoch'], config['dense_eval_epochs'])


def build_trainer(config: Config, out: str, comm: Comm = None,
                  progress: bool = True) -> tuple[Any, DataInfo, Any]:
    """Return ``(trainer, info, device)`` for the resolved ``config``."""
    rank = 0 if comm is None else comm.rank
    device = get_device(config['device'], comm)
    recipe.check(config)
    run_data.check(config)
    data = _cast(run_data.load_data(config, comm), config)
    model = make_model(config, data.train[0][0], rank)
    model.to_device(device)
    optimizer = make_optimizer(config, comm)
    optimizer.setup(model)
    precision.apply(optimizer, config)
    hook_states = recipe.add_update_hooks(optimizer, config)
    if rank == 0:
        print(kfac_coverage(optimizer, config['model']))
    if config['optimizer']['weight_decay']:
        optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(
            config['optimizer']['weight_decay']))
    train_iter = recipe.make_train_iterator(
        config, data.train, per_rank_batch(config, comm),
        stream_seed=config['seed'] * 1009 + rank)
    updater = training.updaters.StandardUpdater(train_iter, optimizer,
                                                device=device)
    trainer = training.Trainer(updater, (config['epochs'], 'epoch'), out=out)
    for state in hook_states:
        trainer.extend(state)
    eval_trigger = evaluation_trigger(config)
    names = _extend_evaluation(trainer, config, data, model, device, comm,
                               eval_trigger)
    _extend_safety(trainer, config, optimizer, comm, eval_trigger)
    if rank == 0:
        _extend_reports(trainer, eval_trigger, progress, names)
    return trainer, data.info, device


def _cast(data: RunData, config: Config) -> RunData:
    """Every split's inputs in the model's dtype."""
    return data._replace(**{
        split: precision.cast_inputs(getattr(data, split), config)
        for split in ('train', 'test', 'held_out')
        if getattr(data, split) is not None})


def _extend_evaluation(trainer: Any, config: Config, data: RunData,
                       model: Any, device: Any, comm: Comm,
                       eval_trigger: exp_extensions.FractionOfEpochTrigger
                       ) -> list[str]:
    """The test set's evaluation (``validation/``) and the held-out
    split's (``holdout/``), each rank's share averaged, and the schedule;
    returns the evaluators' names."""
    evaluated = [(name, split) for name, split in (
        ('validation', data.test), (run_data.HOLDOUT, data.held_out))
        if split is not None]
    for name, split in evaluated:
        trainer.extend(_evaluator(config, split, model, device, comm, name),
                       trigger=eval_trigger, name=name)
    if comm is not None:
        # Training loss/accuracy in the log: the mean over all ranks.
        trainer.extend(exp_extensions.MeanOverRanks(
            comm, ['main/loss', 'main/accuracy']))
    recipe.extend_lr_schedule(trainer, config)
    return [name for name, _ in evaluated]


def _evaluator(config: Config, split: Any, model: Any, device: Any,
               comm: Comm, name: str) -> Any:
    """An Evaluator of ``split`` whose log keys start with ``name/``."""
    split_iter = recipe.make_test_iterator(
        config, split, max(1, config['test_batch_size'] // (
            1 if comm is None else comm.size)))
    evaluator = extensions.Evaluator(split_iter, model, device=device)
    evaluator.name = name
    if comm is not None:
        import chainermn
        evaluator = chainermn.create_multi_node_evaluator(evaluator, comm)
    return evaluator


def _extend_safety(trainer: Any, config: Config, optimizer: Any, comm: Comm,
                   eval_trigger: exp_extensions.FractionOfEpochTrigger
                   ) -> None:
    """Checkpoints, the on-error snapshot and the non-finite guards."""
    trainer.extend(checkpoint.ConsistentSnapshot(comm),
                   trigger=(config['snapshot_every'], 'epoch'))
    # A run that dies leaves its state in a separate file, so that it can
    # never overwrite (or be mistaken for) an end-of-epoch snapshot.
    trainer.extend(checkpoint.ErrorSnapshot(comm),
                   trigger=(10 ** 9, 'epoch'), name='snapshot_on_error')

    def save_now(tr: Any) -> str:
        name = 'snapshot_nonfinite_iter_{}{}'.format(
            tr.updater.iteration, rank_suffix(comm))
        chainer.serializers.save_npz(os.path.join(tr.out, name), tr)
        return os.path.join(tr.out, name)

    trainer.extend(exp_extensions.NonFiniteLossGuard(save_now))
    if isinstance(optimizer, chainer_kfac.optimizers.KFAC):
        trainer.extend(exp_extensions.SkippedStepsReport(),
                       trigger=eval_trigger)


def _extend_reports(trainer: Any,
                    eval_trigger: exp_extensions.FractionOfEpochTrigger,
                    progress: bool, evaluated: list[str]) -> None:
    """Rank 0's JSON log, progress bar, table and plots (of the
    ``evaluated`` splits' keys)."""
    trainer.extend(extensions.LogReport(trigger=eval_trigger))
    trainer.extend(extensions.observe_lr(), trigger=eval_trigger)
    entries = ['epoch', 'iteration', 'lr', 'main/loss', 'main/accuracy'] + [
        '{}/main/{}'.format(name, kind) for name in evaluated
        for kind in ('loss', 'accuracy')] + ['elapsed_time']
    if progress:
        trainer.extend(extensions.PrintReport(entries))
        trainer.extend(extensions.ProgressBar(update_interval=10))
    if extensions.PlotReport.available():
        # A stateless trigger: PlotReport does not save its own, so the
        # default one fires again after a resume (a duplicate point).
        for kind in ('loss', 'accuracy'):
            trainer.extend(extensions.PlotReport(
                ['main/' + kind] + ['{}/main/{}'.format(name, kind)
                                    for name in evaluated], 'epoch',
                trigger=exp_extensions.FractionOfEpochTrigger(1),
                filename=kind + '.png'))


# -- the run's header: what K-FAC covers (issue 24) ---------------------------
def kfac_coverage(optimizer: Any, model_name: str) -> str:
    """One line for the run's first lines: the model, K-FAC's blocks by
    type, and every link K-FAC does NOT cover (plain momentum update)."""
    if not isinstance(optimizer, chainer_kfac.KFAC):
        return 'model {}: {} (no K-FAC)'.format(
            model_name, type(optimizer).__name__)
    kinds: dict[str, int] = {}
    for block in optimizer.blocks:
        kinds[type(block).__name__] = kinds.get(type(block).__name__, 0) + 1
    uncovered = ', '.join('{} ({})'.format(name, type(link).__name__)
                          for name, link in optimizer.uncovered_links)
    return 'model {}: K-FAC blocks {}; not covered by K-FAC: {}'.format(
        model_name, ', '.join('{} {}'.format(n, k)
                              for k, n in sorted(kinds.items())),
        uncovered or 'none')
