"""The mechanism every learning-rate schedule shares (Chainer_K-FAC sets
``lr_pre`` the same way in all its schedules).

A schedule is a function lr(e) of the updater's ``epoch_detail`` e. Each
call first sets K-FAC's ``lr_pre`` to the rate in use, then lr(e), so that
``adjust_momentum`` scales the next step's momentum by lr / lr_pre;
:meth:`initialize` sets lr(e) only (a new run: lr(0); a resumed run: the
rate it had) and leaves ``lr_pre`` to the optimizer (its snapshot keeps
it). Subclasses give :meth:`lr_at`.
"""
import abc

from chainer import training

from chainer_kfac.optimizers.kfac import KFAC


class LearningRateSchedule(training.Extension, metaclass=abc.ABCMeta):
    """Set ``attr`` (``'lr'``; Adam's is ``'alpha'``) of the main
    optimizer to :meth:`lr_at` of the current epoch each time it is
    called."""

    priority = training.PRIORITY_WRITER

    def __init__(self, attr: str = 'lr') -> None:
        self.attr = attr

    @abc.abstractmethod
    def lr_at(self, epoch_detail: float) -> float:
        """The rate at ``epoch_detail``."""

    def initialize(self, trainer: training.Trainer) -> None:
        self._set(trainer, keep_previous=False)

    def __call__(self, trainer: training.Trainer) -> None:
        self._set(trainer, keep_previous=True)

    def _set(self, trainer: training.Trainer, keep_previous: bool) -> None:
        updater = trainer.updater
        optimizer = updater.get_optimizer('main')
        if keep_previous and isinstance(optimizer, KFAC):
            optimizer.lr_pre = getattr(optimizer, self.attr)
        setattr(optimizer, self.attr, self.lr_at(updater.epoch_detail))
