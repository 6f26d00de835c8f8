"""Tikhonov damping: the value d and how a layer's blocks split it.

K-FAC inverts damped factors F + Lambda (Martens & Grosse 2015, sec. 6.3).
:class:`Damping` is one frozen value holding d and the hyperparameters that
decide the Lambda of each factor; the optimizer makes it from its
hyperparameters and raises d tenfold to retry an inversion that failed.
For a parameter p, Chainer_K-FAC's ``get_diagval`` raises d to p's weight
decay where larger::

    d_p = max(d, p.l2_coef)

A Kronecker pair A (x) G (Linear, Convolution2D) splits d_W between its two
factors with the trace-norm pi, so that the damped product stays balanced::

    pi = sqrt( (tr A / dim A) / (tr G / dim G) )     (1 when pi_type is None)
    A_d = A + pi sqrt(d_W) I,     G_d = G + sqrt(d_W) / pi I

BatchNorm's Fisher F (full, diagonal or unit-wise) is damped entrywise,
without pi, each entry with its own parameter's d_p::

    F_d = F + stab_coeff * diag(d_gamma, ..., d_beta, ...)
"""
import dataclasses
import typing

#: Values of ``pi_type``.
PI_TYPES = ('tracenorm', None)


@dataclasses.dataclass(frozen=True)
class Damping(object):
    """The damping of one inversion.

    Attributes:
        value: d (> 0).
        pi_type: ``'tracenorm'`` or None (pi = 1), Kronecker pairs.
        stab_coeff: Multiplier of BatchNorm's damping.
        use_cholesky: Invert full damped factors by Cholesky (else LU).
    """

    value: float
    pi_type: typing.Optional[str] = 'tracenorm'
    stab_coeff: float = 16.0
    use_cholesky: bool = True

    def __post_init__(self) -> None:
        if self.pi_type not in PI_TYPES:
            raise ValueError('pi_type must be one of {}, not {!r}'.format(
                PI_TYPES, self.pi_type))

    def times(self, factor: float) -> 'Damping':
        """The same damping with d multiplied by ``factor``."""
        return dataclasses.replace(self, value=self.value * factor)

    def for_param(self, param: typing.Any) -> float:
        """``d_p = max(d, p.l2_coef)`` (``l2_coef`` absent: 0)."""
        return max(self.value, getattr(param, 'l2_coef', 0.0) or 0.0)

    def kronecker(self, mean_diag_a: float, mean_diag_g: float,
                  param: typing.Any) -> typing.Tuple[float, float, float]:
        """``(pi, pi sqrt(d_p), sqrt(d_p) / pi)`` for A and G with the given
        ``tr / dim`` and weight ``param``."""
        pi = self.pi(mean_diag_a, mean_diag_g)
        root = self.for_param(param) ** 0.5
        return pi, pi * root, root / pi

    def pi(self, mean_diag_a: float, mean_diag_g: float) -> float:
        """The trace-norm pi from ``tr A / dim A`` and ``tr G / dim G``."""
        if self.pi_type is None:
            return 1.0
        if mean_diag_a <= 0 or mean_diag_g <= 0:
            # A zero factor (e.g. a layer whose gradient vanished): fall
            # back to an even split rather than dividing by zero.
            return 1.0
        return (mean_diag_a / mean_diag_g) ** 0.5

    def batch_normalization(self, param: typing.Any) -> float:
        """``stab_coeff * d_p``, the damping of ``param``'s entries of
        BatchNorm's F."""
        return self.stab_coeff * self.for_param(param)
