"""1-D loss landscape f(a) = L(theta* + a delta) of trained snapshots.

    python -m experiments landscape RUN/snapshot_epoch_4 [more snapshots]
        [--alpha-min -0.5 --alpha-max 1.5 --points 21] [--seed 0]
        [--filter-normalize] [--n-train 5000] [--n-test 10000]
        [--out landscape]

As in the study's Fig. 24/25: delta is Gaussian noise of theta's shape
(seeded: every snapshot of the same model gets the same delta), and f is the
loss and accuracy on training and test data along theta* + a delta.
``--filter-normalize`` rescales delta per filter to the norm of theta's
filter and zeroes it on biases (Li et al. 2018). Writes OUT.png/OUT.pdf with
all snapshots on one plot and, beside each snapshot,
landscape_gaussian.json (or landscape_filternorm.json) with the curves and
the sharpness, (f(-0.5) + f(0.5)) / 2 - f(0) of the training loss (the
report reads the sharpness over several directions of ``python -m
experiments sharpness`` instead, sharpness.json).
"""
import argparse
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy

os.environ.setdefault('MPLBACKEND', 'Agg')

import chainer_kfac  # NOQA: E402,F401
import chainer  # NOQA: E402
import chainer.functions as F  # NOQA: E402

from experiments.analysis import plot_common  # NOQA: E402
from experiments.data import datasets  # NOQA: E402
from experiments.errors import StudyError  # NOQA: E402
from experiments.folders import run_folder  # NOQA: E402
from experiments.folders import safe_files  # NOQA: E402
from experiments.train import config as config_module  # NOQA: E402
from experiments.train import training  # NOQA: E402

#: a ``chainer.links.Classifier`` (Chainer's types are Any here)
Model = Any
#: images and labels
Arrays = tuple[numpy.ndarray, numpy.ndarray]
#: ``{split: {'loss': [...], 'accuracy': [...]}}``
Curves = dict[str, dict[str, list[float]]]


class NotARunSnapshot(StudyError):
    """A snapshot without its run's config.yaml beside it."""


class LabelCount(StudyError):
    """``--labels`` does not give one label per snapshot."""


def gaussian_direction(model: Model, seed: int,
                       filter_normalize: bool = False
                       ) -> dict[str, numpy.ndarray]:
    rng = numpy.random.RandomState(seed)
    delta = {}
    for name, p in sorted(model.namedparams()):
        d = rng.standard_normal(p.shape).astype(p.dtype)
        if filter_normalize:
            if p.ndim < 2:
                d[...] = 0
            else:
                theta = p.array.reshape(p.shape[0], -1)
                dd = d.reshape(p.shape[0], -1)
                dd *= (numpy.linalg.norm(theta, axis=1) /
                       (numpy.linalg.norm(dd, axis=1) + 1e-10))[:, None]
        delta[name] = d
    return delta


def evaluate(model: Model, x: numpy.ndarray, t: numpy.ndarray,
             batch: int = 1000) -> tuple[float, float]:
    """Mean softmax cross entropy and accuracy of ``model.predictor``."""
    loss = acc = 0.0
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        for i in range(0, len(x), batch):
            y = model.predictor(x[i:i + batch])
            n = len(x[i:i + batch])
            loss += float(F.softmax_cross_entropy(y, t[i:i + batch]).array) \
                * n
            acc += float(F.accuracy(y, t[i:i + batch]).array) * n
    return loss / len(x), acc / len(x)


def landscape(model: Model, delta: Mapping[str, numpy.ndarray],
              alphas: Sequence[float], data: Mapping[str, Arrays]) -> Curves:
    """Curves ``{split: {'loss': [...], 'accuracy': [...]}}`` along delta;
    the model's parameters are restored afterwards."""
    theta = {n: p.array.copy() for n, p in model.namedparams()}
    curves: Curves = {split: {'loss': [], 'accuracy': []} for split in data}
    try:
        for a in alphas:
            for n, p in model.namedparams():
                p.array[...] = theta[n] + p.dtype.type(a) * delta[n]
            for split, (x, t) in data.items():
                loss, acc = evaluate(model, x, t)
                curves[split]['loss'].append(loss)
                curves[split]['accuracy'].append(acc)
    finally:
        for n, p in model.namedparams():
            p.array[...] = theta[n]
    return curves


def sharpness(alphas: Sequence[float], losses: Sequence[float]) -> float:
    """(f(-0.5) + f(0.5)) / 2 - f(0) from the curve itself."""
    at = dict(zip([round(a, 10) for a in alphas], losses, strict=True))
    return (at[-0.5] + at[0.5]) / 2 - at[0.0]


def load_snapshot(path: str) -> tuple[Model, Any, Any, Any]:
    """Model (with the snapshot's parameters), config and data info."""
    run_dir = os.path.dirname(os.path.abspath(path))
    cfg_path = os.path.join(run_dir, run_folder.CONFIG)
    if not os.path.exists(cfg_path):
        raise NotARunSnapshot('{} has no config.yaml beside it; pass a '
                              'snapshot from a run folder'.format(path))
    config = config_module.load_config(cfg_path)
    train, test, _ = datasets.load(config['dataset'], config['data_dir'],
                                   tuple(config['synthetic_size']))
    model = training.make_model(config, train[0][0])
    safe_files.load_npz(path, model, prefix='updater/model:main/')
    return model, config, train, test


def as_arrays(dataset: Any, n: int) -> Arrays:
    n = min(n, len(dataset))
    x, t = chainer.dataset.concat_examples(dataset[:n])
    return x, t


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(prog='python -m experiments landscape',
                                     description=__doc__.splitlines()[0])
    result.add_argument('snapshots', nargs='+')
    result.add_argument('--labels', nargs='*')
    result.add_argument('--alpha-min', type=float, default=-0.5)
    result.add_argument('--alpha-max', type=float, default=1.5)
    result.add_argument('--points', type=int, default=21)
    result.add_argument('--seed', type=int, default=0)
    result.add_argument('--filter-normalize', action='store_true')
    result.add_argument('--n-train', type=int, default=5000)
    result.add_argument('--n-test', type=int, default=10000)
    result.add_argument('--linear-loss', action='store_true',
                        help='linear loss axis (default: logarithmic)')
    result.add_argument('--out', default='landscape')
    return result


def measure(path: str, label: str, alphas: list[float],
            args: argparse.Namespace) -> Curves:
    """The curves of one snapshot along its direction; writes
    landscape_<kind>.json beside the snapshot."""
    model, config, train, test = load_snapshot(path)
    data = {'train': as_arrays(train, args.n_train),
            'test': as_arrays(test, args.n_test)}
    delta = gaussian_direction(model, args.seed, args.filter_normalize)
    curves = landscape(model, delta, alphas, data)
    sharp = sharpness(alphas, curves['train']['loss'])
    result = {'snapshot': os.path.abspath(path), 'alphas': alphas,
              'seed': args.seed, 'filter_normalize': args.filter_normalize,
              'curves': curves, 'sharpness': sharp,
              'sharpness_definition': '(f(-0.5)+f(0.5))/2 - f(0), '
              'training loss'}
    kind = 'filternorm' if args.filter_normalize else 'gaussian'
    with open(os.path.join(os.path.dirname(os.path.abspath(path)),
                           'landscape_{}.json'.format(kind)), 'w') as f:
        json.dump(result, f, indent=1)
    print('{}: f(0) train loss {:.4f}, sharpness {:.4f}'.format(
        label, curves['train']['loss'][alphas.index(0.0)], sharp))
    return curves


def label_axes(axes: Sequence[Any], twins: Sequence[Any],
               args: argparse.Namespace) -> None:
    for ax, tw, split in zip(axes, twins, ('train', 'test'), strict=True):
        if not args.linear_loss:
            ax.set_yscale('log')
        ax.set_xlabel('alpha')
        ax.set_ylabel('{} loss (solid)'.format(split))
        tw.set_ylabel('{} accuracy (dotted)'.format(split))
        ax.set_title('f(alpha) = L(theta* + alpha delta), {} data{}'.format(
            split, ', filter-normalized' if args.filter_normalize else ''))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc='upper left')


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    alphas = sorted(set(numpy.round(numpy.linspace(
        args.alpha_min, args.alpha_max, args.points), 10).tolist()) |
        {-0.5, 0.0, 0.5})
    labels = args.labels or [os.path.basename(os.path.dirname(
        os.path.abspath(s))) for s in args.snapshots]
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    twins = [ax.twinx() for ax in axes]
    if len(labels) != len(args.snapshots):
        raise LabelCount('--labels: {} labels for {} snapshots; give one '
                         'per snapshot'.format(len(labels),
                                               len(args.snapshots)))
    for i, (path, label) in enumerate(zip(args.snapshots, labels,
                                          strict=True)):
        curves = measure(path, label, alphas, args)
        color = 'C{}'.format(i)
        for ax, tw, split in zip(axes, twins, ('train', 'test'), strict=True):
            ax.plot(alphas, curves[split]['loss'], color=color,
                    label='{} loss'.format(label))
            tw.plot(alphas, curves[split]['accuracy'], color=color,
                    linestyle=':', label='{} accuracy'.format(label))
    label_axes(axes, twins, args)
    fig.tight_layout()
    for path in plot_common.write(fig, args.out):
        print('figure: {}'.format(path))
    return 0
