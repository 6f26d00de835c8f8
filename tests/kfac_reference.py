"""A NumPy re-derivation of K-FAC for the tests, independent of the package.

Everything here is written from the formulas in the issue / the paper, in
float64, with naive loops where that is clearer: im2col, forward and backward
of conv / linear / relu / softmax cross entropy, the Kronecker factors, the
running average, pi, damped inverses and the momentum update.
"""
import numpy as np


# -- layers -----------------------------------------------------------------
def im2col(x, k, pad):
    """Rows (n*ho*wo) of patches in (c, kh, kw) order; stride 1."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    rows = np.empty((n, ho, wo, c, k, k))
    for i in range(ho):
        for j in range(wo):
            rows[:, i, j] = xp[:, :, i:i + k, j:j + k]
    return rows.reshape(n * ho * wo, c * k * k), ho, wo


def softmax_ce(y, t):
    y = y - y.max(axis=1, keepdims=True)
    p = np.exp(y)
    p /= p.sum(axis=1, keepdims=True)
    n = len(t)
    loss = -np.log(p[np.arange(n), t]).mean()
    gy = p.copy()
    gy[np.arange(n), t] -= 1
    return loss, gy / n


class RefNet(object):
    """conv(k, pad) -> relu -> [linear -> relu]* -> linear, or an MLP.

    ``layers`` is a list of dicts: {'type': 'conv'|'linear', 'W', 'b',
    'k', 'pad'}; a relu follows every layer but the last.
    """

    def __init__(self, layers):
        self.layers = layers

    def forward_backward(self, x, t):
        acts, cache = [], []
        h = x
        for i, layer in enumerate(self.layers):
            if layer['type'] == 'conv':
                n = h.shape[0]
                P, ho, wo = im2col(h, layer['k'], layer['pad'])
                c_out = layer['W'].shape[0]
                y = P @ layer['W'].reshape(c_out, -1).T + layer['b']
                y = y.reshape(n, ho, wo, c_out).transpose(0, 3, 1, 2)
                cache.append((P, ho, wo, h.shape))
            else:
                h2 = h.reshape(len(h), -1)
                y = h2 @ layer['W'].T + layer['b']
                cache.append((h2, None, None, h.shape))
            acts.append(y)
            h = np.maximum(y, 0) if i < len(self.layers) - 1 else y
        loss, g = softmax_ce(h, t)
        grads, stats = [None] * len(self.layers), [None] * len(self.layers)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            if i < len(self.layers) - 1:
                g = g * (acts[i] > 0)
            inp, ho, wo, in_shape = cache[i]
            if layer['type'] == 'conv':
                n, c_out = g.shape[:2]
                g_rows = g.transpose(0, 2, 3, 1).reshape(-1, c_out)
                gW = (g_rows.T @ inp).reshape(layer['W'].shape)
                gb = g_rows.sum(axis=0)
                stats[i] = (inp, g_rows, n, ho, wo)
                g_in_rows = g_rows @ layer['W'].reshape(c_out, -1)
                g = col2im(g_in_rows, in_shape, layer['k'], layer['pad'])
            else:
                n = g.shape[0]
                gW = g.T @ inp
                gb = g.sum(axis=0)
                stats[i] = (inp, g, n, None, None)
                g = (g @ layer['W']).reshape(in_shape)
            grads[i] = (gW, gb)
        return loss, grads, stats


def col2im(rows, in_shape, k, pad):
    n, c, h, w = in_shape
    ho, wo = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    rows = rows.reshape(n, ho, wo, c, k, k)
    out = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i:i + k, j:j + k] += rows[:, i, j]
    return out[:, :, pad:pad + h, pad:pad + w]


# -- K-FAC --------------------------------------------------------------------
def factors(layer_type, stat, diagonalize=False):
    """A and G; with ``diagonalize`` (Chainer_K-FAC's FisherBlock option)
    Linear keeps A = mean(a~^2) and G = diag(mean((n gy)^2)), Conv keeps A
    full and G = diag(mean over rows of (n gy)^2), as diagonal matrices."""
    inp, g, n, ho, wo = stat
    a = np.concatenate([inp, np.ones((len(inp), 1))], axis=1)
    if layer_type == 'conv':
        A = a.T @ a / n
        G = g.T @ g * n * n / (n * ho * wo)
        if diagonalize:
            G = np.diag(((n * g) ** 2).mean(axis=0))
    else:
        A = a.T @ a / n
        G = (n * g).T @ (n * g) / n
        if diagonalize:
            A = np.diag((a * a).mean(axis=0))
            G = np.diag(((n * g) ** 2).mean(axis=0))
    return A, G


class RefKFAC(object):

    def __init__(self, net, lr, momentum, cov_ema_decay, damping,
                 diagonalize=False, damping_in_running_average=False,
                 inv_update_freq=1):
        """``damping_in_running_average``: the original's ``update_invs``,
        which adds the damping to its stored running averages in place,
        except to a 1-D one (a diagonal Linear A; its diagonal G, Conv's
        and BN's are diagonal matrices there); ``inv_update_freq``: invert
        every k-th step."""
        self.net, self.lr, self.mu = net, lr, momentum
        self.diagonalize = diagonalize
        self.in_place = damping_in_running_average
        self.inv_every, self.t = inv_update_freq, 0
        self.inv = [None] * len(net.layers)
        self.r, self.d = cov_ema_decay, damping
        self.ema = [None] * len(net.layers)
        self.v = [(np.zeros_like(L['W']), np.zeros_like(L['b']))
                  for L in net.layers]
        self.log = []

    def step(self, x, t):
        loss, grads, stats = self.net.forward_backward(x, t)
        record = []
        for i, layer in enumerate(self.net.layers):
            A, G = factors(layer['type'], stats[i], self.diagonalize)
            if self.ema[i] is None or self.r == 1:
                self.ema[i] = (A, G)
            else:
                eA, eG = self.ema[i]
                self.ema[i] = (self.r * A + (1 - self.r) * eA,
                               self.r * G + (1 - self.r) * eG)
            eA, eG = self.ema[i]
            if self.t % self.inv_every == 0:
                self.inv[i] = self._invert(layer['type'], i)
            pi, A_inv, G_inv = self.inv[i]
            gW, gb = grads[i]
            c_out = gW.shape[0]
            M = np.concatenate([gW.reshape(c_out, -1), gb[:, None]], axis=1)
            K = G_inv @ M @ A_inv
            kW, kb = K[:, :-1].reshape(gW.shape), K[:, -1]
            vW, vb = self.v[i]
            vW = self.mu * vW - self.lr * kW
            vb = self.mu * vb - self.lr * kb
            self.v[i] = (vW, vb)
            layer['W'] = layer['W'] + vW
            layer['b'] = layer['b'] + vb
            record.append(dict(A=A, G=G, ema_A=eA, ema_G=eG, pi=pi,
                               stored_A=self.ema[i][0],
                               stored_G=self.ema[i][1],
                               A_inv=A_inv, G_inv=G_inv, kW=kW, kb=kb,
                               W=layer['W'].copy(), b=layer['b'].copy()))
        self.log.append(record)
        self.t += 1
        return loss

    def _invert(self, layer_type, i):
        """pi of the stored averages, then their damped inverses; with
        ``in_place`` the damped full factors become the stored averages."""
        eA, eG = self.ema[i]
        pi = np.sqrt((np.trace(eA) / len(eA)) / (np.trace(eG) / len(eG)))
        dA = eA + pi * np.sqrt(self.d) * np.eye(len(eA))
        dG = eG + np.sqrt(self.d) / pi * np.eye(len(eG))
        if self.in_place:   # except a diagonal Linear A: a 1-D vector there
            a_is_vector = self.diagonalize and layer_type == 'linear'
            self.ema[i] = (eA if a_is_vector else dA, dG)
        return pi, np.linalg.inv(dA), np.linalg.inv(dG)
