"""Polynomial learning-rate decay with a start epoch (Chainer_K-FAC's
``LrPolynomialDecay``, examples/imagenet/train.py).

At epoch e (the updater's ``epoch_detail``), with s the start epoch, E the
end epoch and p the power::

    lr(e) = lr0                               e <  s
    lr(e) = lr0 * (1 - (e - s) / (E - s))^p   s <= e < E
    lr(e) = 0                                 e >= E

The recipe takes E = max(epochs, end_epoch), so a run shorter than E stops
before the rate reaches 0. (The original's comment calls e < s a "linear
warm-up" and it takes a ``start_rate``, but the rate there is constant
lr0; so is it here.)

How each call sets ``lr_pre`` and the rate: chainer_kfac/extensions/
lr_schedule.py. The recipe calls it every ``acc_iters`` iterations, i.e.
once per optimizer update, after it. :meth:`initialize` sets the rate for the
current epoch only (a new run: lr0; a resumed run: the rate it had), and
leaves ``lr_pre`` to the optimizer (its snapshot keeps it).
"""
from chainer_kfac.extensions.lr_schedule import LearningRateSchedule


def polynomial_rate(epoch: float, start: float, end: float,
                    power: float) -> float:
    """lr(e) / lr0 of the formula above."""
    if epoch < start:
        return 1.0
    if epoch < end:
        return (1.0 - (epoch - start) / (end - start)) ** power
    return 0.0


class PolynomialDecay(LearningRateSchedule):
    """Set ``attr`` (``'lr'``; Adam's is ``'alpha'``) of the main optimizer
    to ``base_lr * polynomial_rate(epoch)`` each time it is called."""

    def __init__(self, base_lr: float, start_epoch: float, end_epoch: float,
                 power: float, attr: str = 'lr') -> None:
        if not end_epoch > start_epoch:
            raise ValueError(
                'PolynomialDecay: end epoch {} must be after the start epoch '
                '{}'.format(end_epoch, start_epoch))
        self.base_lr = base_lr
        self.start_epoch = start_epoch
        self.end_epoch = end_epoch
        self.power = power
        super(PolynomialDecay, self).__init__(attr)

    def lr_at(self, epoch_detail: float) -> float:
        return self.base_lr * polynomial_rate(
            epoch_detail, self.start_epoch, self.end_epoch, self.power)
