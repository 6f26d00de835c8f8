"""Update rule of K-FAC: momentum SGD on the preconditioned gradient.

For a parameter w with preconditioned gradient ``w.kfgrad`` (or, for a link
K-FAC does not cover, its plain gradient)::

    v <- mu v - lr kfgrad
    w <- w + v

With ``adjust_momentum`` the momentum is rescaled by the ratio of the current
to the previous learning rate, mu_t = mu * lr_t / lr_{t-1} (the momentum
correction of Goyal et al. 2017), so that a learning-rate drop does not leave
a velocity sized for the old rate.
"""
import chainer
from chainer import optimizer


class KFACUpdateRule(optimizer.UpdateRule):

    """Momentum update of ``param.kfgrad`` (falls back to ``param.grad``).

    Args:
        parent_hyperparam (~chainer.optimizer.Hyperparameter): Hyperparameter
            with ``lr``, ``momentum`` and ``adjust_momentum``.
    """

    is_elementwise = True

    def init_state(self, param):
        xp = param.device.xp
        with chainer.using_device(param.device):
            self.state['v'] = xp.zeros_like(param.data)
            self.state['lr_prev'] = xp.zeros((), dtype=param.dtype)

    def update_core_cpu(self, param):
        grad = getattr(param, 'kfgrad', None)
        if grad is None:
            grad = param.grad
        if grad is None:
            return
        hp = self.hyperparam
        mu = hp.momentum
        if hp.adjust_momentum:
            lr_prev = float(self.state['lr_prev'])
            if lr_prev > 0:
                mu = mu * hp.lr / lr_prev
            self.state['lr_prev'].fill(hp.lr)
        v = self.state['v']
        v *= v.dtype.type(mu)
        v -= v.dtype.type(hp.lr) * grad
        param.data += v

    update_core_gpu = update_core_cpu
