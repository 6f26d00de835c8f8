"""Run N K-FAC steps of the original Chainer_K-FAC and of this port on the
same small models, data and initial weights (CPU), over a grid of
configurations, and print the largest relative parameter difference of each.

    python -m experiments compare-original --original PATH [--steps 5]

PATH is a checkout of github tyohei/chainerkfac (its root). Nothing of it is
copied or edited (see experiments/checks/original_kfac.py). For a
configuration the command compares

- the port with ``damping_in_running_average=True`` against the original as
  it is (in-place damping of its running averages): must agree;
- the port's default against the original with that in-place damping
  removed: must agree;
- the port's default against the original as it is: the size of the
  deliberate difference (not a pass/fail criterion).

The difference of two runs is ``max over parameters of max|port - orig| /
max|orig|``; PASS means <= ``--tol`` (1e-4). Exit status 1 if any required
comparison fails. Models (float32): ``linear`` (Linear-relu-Linear),
``conv`` (Conv2D-relu-Linear), ``conv_bn`` (Conv2D-BN-relu-Linear-BN-relu-
Linear), ``resnet`` (:class:`TinyResNet`: a bias-free 3x3 stem with BN, one
residual block with a strided 3x3 path and a strided 1x1 shortcut, both
with BN, then Linear). ``diagonalize`` is set on the Conv2D and BatchNorm
blocks only (the original's diagonal Linear block fails on its own:
docs/faithfulness.md). ``loss_scale=128`` runs both with the original's
static loss scale.
"""
import argparse
import contextlib
import dataclasses
import types
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from experiments.checks import original_kfac  # noqa: F401  (imports chainer_kfac first)
import chainer
import chainer.functions as F
import chainer.links as L
import chainer_kfac

MODELS = ('linear', 'conv', 'conv_bn', 'resnet')
VARIANTS = ('base', 'diagonalize', 'adjust_momentum', 'pi_type=None',
            'use_cholesky=False', 'acc_iters=2', 'loss_scale=128')
HP = dict(lr=0.05, momentum=0.9, damping=0.03)
#: learning rate per step with adjust_momentum: a rise, then two drops.
CHANGING_LR = (0.02, 0.05, 0.05, 0.02, 0.01)

#: the batches (inputs, labels) of one comparison
Data = Sequence[tuple[np.ndarray, np.ndarray]]


@dataclasses.dataclass(frozen=True)
class Config(object):
    model: str
    cov_ema_decay: float
    variant: str

    def kfac_kwargs(self) -> dict[str, Any]:
        """Hyperparameters both optimizers take, by keyword."""
        kw: dict[str, Any] = dict(HP, cov_ema_decay=self.cov_ema_decay)
        if self.variant == 'adjust_momentum':
            kw.update(adjust_momentum=True, lr=CHANGING_LR[0])
        if self.variant == 'pi_type=None':
            kw.update(pi_type=None)
        if self.variant == 'use_cholesky=False':
            kw.update(use_cholesky=False)
        if self.variant == 'acc_iters=2':
            kw.update(acc_iters=2)
        if self.variant == 'loss_scale=128':
            kw.update(loss_scale=128.0)
        return kw

    def passes(self, steps: int) -> int:
        """Forward/backward passes (``update`` calls) for ``steps``."""
        acc_iters: int = self.kfac_kwargs().get('acc_iters', 1)
        return steps * acc_iters

    def learning_rates(self, passes: int) -> list[float]:
        """The learning rate of each pass (changes only with
        ``adjust_momentum``, where one pass is one step)."""
        if self.variant != 'adjust_momentum':
            return [HP['lr']] * passes
        return [CHANGING_LR[min(i, len(CHANGING_LR) - 1)]
                for i in range(passes)]


def configurations() -> list[Config]:
    """The grid: every model x cov_ema_decay in (0.99, 1.0) x variant
    (``diagonalize`` only where a Conv2D/BN block exists)."""
    return [Config(m, r, v) for m in MODELS for r in (0.99, 1.0)
            for v in VARIANTS if not (v == 'diagonalize' and m == 'linear')]


class TinyResNet(chainer.Chain):
    """ResNet's pattern at 2 x 4 x 4: stem conv-BN-relu (4 channels), a
    block ``relu(BN(conv3x3(relu(BN(conv3x3/2(h))))) + BN(conv1x1/2(h)))``
    to 8 channels at 2 x 2, then Linear to 3 classes (convolutions without
    bias, as in ResNet)."""

    def __init__(self) -> None:
        super(TinyResNet, self).__init__()
        with self.init_scope():
            self.stem = L.Convolution2D(2, 4, 3, pad=1, nobias=True)
            self.stem_bn = L.BatchNormalization(4)
            self.conv1 = L.Convolution2D(4, 8, 3, stride=2, pad=1,
                                         nobias=True)
            self.bn1 = L.BatchNormalization(8)
            self.conv2 = L.Convolution2D(8, 8, 3, pad=1, nobias=True)
            self.bn2 = L.BatchNormalization(8)
            self.shortcut = L.Convolution2D(4, 8, 1, stride=2, nobias=True)
            self.shortcut_bn = L.BatchNormalization(8)
            self.fc = L.Linear(32, 3)

    def forward(self, x: Any) -> Any:
        h = F.relu(self.stem_bn(self.stem(x)))
        y = F.relu(self.bn1(self.conv1(h)))
        y = self.bn2(self.conv2(y))
        return self.fc(F.relu(y + self.shortcut_bn(self.shortcut(h))))


def build_model(name: str) -> chainer.Link:
    """A fresh model (initial weights from NumPy's global generator)."""
    if name == 'linear':
        layers = [L.Linear(32, 8), F.relu, L.Linear(8, 3)]
    elif name == 'conv':
        layers = [L.Convolution2D(2, 4, 3, pad=1), F.relu, L.Linear(64, 3)]
    elif name == 'conv_bn':
        layers = [L.Convolution2D(2, 4, 3, pad=1), L.BatchNormalization(4),
                  F.relu, L.Linear(64, 8), L.BatchNormalization(8), F.relu,
                  L.Linear(8, 3)]
    elif name == 'resnet':
        return L.Classifier(TinyResNet())
    else:
        raise ValueError('model must be one of {}, not {!r}'.format(
            MODELS, name))
    return L.Classifier(chainer.Sequential(*layers))


def batches(steps: int, n: int = 16,
            seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.RandomState(seed)
    return [(rng.randn(n, 2, 4, 4).astype(np.float32),
             rng.randint(0, 3, n).astype(np.int32)) for _ in range(steps)]


def relative_difference(port_model: chainer.Link,
                        original_model: chainer.Link) -> float:
    """max over parameters of max|a - b| / max|b| (names must match)."""
    worst = 0.0
    for (na, a), (nb, b) in zip(sorted(port_model.namedparams()),
                                sorted(original_model.namedparams()),
                                strict=True):
        if na != nb:
            raise ValueError('parameter {!r} vs {!r}'.format(na, nb))
        scale = float(np.abs(b.array).max()) or 1.0
        worst = max(worst, float(np.abs(a.array - b.array).max()) / scale)
    return worst


def train(optimizer: Any, model: chainer.Link, data: Data,
          lrs: Sequence[float]) -> chainer.Link:
    """The original's schedule: ``lr_pre <- lr`` before each change."""
    for (x, t), lr in zip(data, lrs, strict=True):
        if lr != optimizer.lr:
            optimizer.lr_pre = optimizer.lr
            optimizer.lr = lr
        optimizer.update(model, x, t)
    return model


def diagonalize_conv_and_bn(blocks: Any) -> None:
    for block in blocks:
        if not isinstance(block.link, L.Linear):
            block.diagonalize = True


def run_port(config: Config, init: chainer.Link, data: Data,
             in_place: bool) -> chainer.Link:
    model = build_model(config.model)
    model.copyparams(init)
    opt = chainer_kfac.KFAC(damping_in_running_average=in_place,
                            **config.kfac_kwargs()).setup(model)
    if config.variant == 'diagonalize':
        diagonalize_conv_and_bn(opt.blocks)
    return train(opt, model, data, config.learning_rates(len(data)))


def run_original(original: types.ModuleType, config: Config,
                 init: chainer.Link, data: Data,
                 in_place: bool) -> chainer.Link:
    model = build_model(config.model)
    model.copyparams(init)
    opt = original.optimizers.KFAC(**config.kfac_kwargs()).setup(model)
    if config.variant == 'diagonalize':
        diagonalize_conv_and_bn(opt.fblocks)
    patch: contextlib.AbstractContextManager[None] = \
        contextlib.nullcontext() if in_place else \
        original_kfac.damping_kept_out_of_running_average(original)
    with patch:
        return train(opt, model, data, config.learning_rates(len(data)))


Differences = tuple[float, float, float]


def compare(original: types.ModuleType, config: Config,
            steps: int) -> Differences:
    """Return (option vs as-is, default vs no-in-place, default vs
    as-is) relative differences."""
    np.random.seed(0)
    init = build_model(config.model)
    data = batches(config.passes(steps))
    as_is = run_original(original, config, init, data, in_place=True)
    copied = run_original(original, config, init, data, in_place=False)
    option = run_port(config, init, data, in_place=True)
    default = run_port(config, init, data, in_place=False)
    return (relative_difference(option, as_is),
            relative_difference(default, copied),
            relative_difference(default, as_is))


def verdict(value: float, tol: float) -> str:
    return 'PASS' if value <= tol else 'FAIL'


def table_rows(results: Sequence[tuple[Config, Differences]],
               tol: float) -> list[str]:
    """Markdown lines of the table (header included)."""
    lines = [
        '| model | cov_ema_decay | variant | port `damping_in_running_'
        'average=True` vs original as is | | port default vs original '
        'without in-place damping | | port default vs original as is '
        '(deliberate difference) |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |']
    for config, (a, b, c) in results:
        lines.append('| {} | {} | {} | {:.1e} | {} | {:.1e} | {} | {:.1e} '
                     '|'.format(config.model, config.cov_ema_decay,
                                config.variant, a, verdict(a, tol), b,
                                verdict(b, tol), c))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments '
                                     'compare-original',
                                     description=__doc__.split('\n\n')[0])
    parser.add_argument('--original', required=True,
                        help='root of a checkout of tyohei/chainerkfac')
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--tol', type=float, default=1e-4)
    args = parser.parse_args(argv)
    original = original_kfac.load(args.original)
    results = []
    with warnings.catch_warnings(), np.errstate(all='ignore'):
        warnings.simplefilter('ignore')
        for config in configurations():
            results.append((config, compare(original, config, args.steps)))
    for line in table_rows(results, args.tol):
        print(line)
    failed = [c for c, (a, b, _) in results if max(a, b) > args.tol]
    print('\n{} of {} configurations agree to {:g} ({} steps)'.format(
        len(results) - len(failed), len(results), args.tol, args.steps))
    return 1 if failed else 0
