"""Factored Tikhonov damping: the trace-norm pi (Martens & Grosse 2015, 6.3).

The damping d is split between the two factors so that the damped product
stays balanced::

    pi = sqrt( (tr A / dim A) / (tr G / dim G) )
    (A + pi sqrt(d) I)^-1  and  (G + sqrt(d) / pi I)^-1

A factor given as a 1-D array is a diagonal matrix (its trace is the sum).
"""
from chainer import backend

PI_TYPES = ('tracenorm', None)


def compute_pi(A, G, pi_type='tracenorm'):
    """Return pi for the factors A and G (1.0 when ``pi_type`` is None)."""
    if pi_type is None:
        return 1.0
    if pi_type != 'tracenorm':
        raise ValueError('pi_type must be one of {}, not {!r}'.format(
            PI_TYPES, pi_type))
    trace_a = _mean_diagonal(A)
    trace_g = _mean_diagonal(G)
    if trace_a <= 0 or trace_g <= 0:
        # A zero factor (e.g. a layer whose gradient vanished): fall back to
        # an even split rather than dividing by zero.
        return 1.0
    return (trace_a / trace_g) ** 0.5


def _mean_diagonal(factor):
    xp = backend.get_array_module(factor)
    diagonal = factor if factor.ndim == 1 else xp.diagonal(factor)
    return float(diagonal.sum()) / factor.shape[0]
