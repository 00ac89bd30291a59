"""Passive first-order membrane driven by a pulse: closed-form strength–duration.

Model (REFERENCES.md §6): ``tau dV/dt = -V + tau k s(t)``, V(0) = 0, driven by the pulse's
normalised waveform ``s = w`` (the E-field's time course, polarity as given). Then

    V(t) / k = int_0^t s(t') e^{-(t - t')/tau} dt'

which coilsim evaluates in closed form for every piecewise generalised damped cosine (every
built-in shape, every RLC discharge, and the linear interpolant of measured samples; see
:class:`coilsim.pulses.Pulse`). The fibre fires when the *largest depolarisation* reaches
``V_th`` (max V, not max |V|: a reversed pulse has its own threshold). A long rectangular pulse
gives V → k tau, so

    threshold / rheobase = tau / max_t int_0^t s(t') e^{-(t - t')/tau} dt'.

For a rectangular pulse of width W this is Lapicque's ``1 / (1 - e^{-W/tau})``
(:func:`lapicque`). Human magnetic-stimulation strength–duration time constants are about
150–200 µs (Barker 1991; D'Ostilio 2016: 197 ± 47 µs).

Any object with ``integral(t, decay_rate)`` and ``integral_extremum(decay_rate, maximum)`` (a
:class:`~coilsim.pulses.Pulse`) is accepted; this module does not import :mod:`coilsim.pulses`.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import real_scalar
from ..errors import CoilsimTypeError

__all__ = ["passive_response", "peak_depolarization", "threshold_ratio", "lapicque"]


def _check(pulse, tau):
    if not (hasattr(pulse, "integral") and hasattr(pulse, "integral_extremum")):
        raise CoilsimTypeError(f"pulse must be a coilsim Pulse; got {type(pulse).__name__}")
    return real_scalar(tau, "tau", positive=True)


def passive_response(pulse, t, tau: float) -> np.ndarray:
    """``V(t)/k = int_0^t w(t') e^{-(t-t')/tau} dt'`` in s, closed form, at times ``t`` (s).

    Parameters
    ----------
    pulse : Pulse
    t : array_like
        Times, s (any shape; V = 0 before 0 and decays after the pulse).
    tau : float
        Membrane time constant, s (> 0).
    """
    tau = _check(pulse, tau)
    return pulse.integral(t, 1.0 / tau)


def peak_depolarization(pulse, tau: float):
    """``(t_max, V_max/k)``: time (s) and value (s) of the largest V over all t >= 0."""
    tau = _check(pulse, tau)
    return pulse.integral_extremum(1.0 / tau, True)


def threshold_ratio(pulse, tau: float) -> float:
    """Threshold / rheobase of a passive membrane (dimensionless; ``inf`` if the pulse never
    depolarises, i.e. max V <= 0)."""
    vmax = peak_depolarization(pulse, tau)[1]
    tau = float(tau)
    return tau / vmax if vmax > 0 else math.inf


def lapicque(width, tau: float):
    """Threshold / rheobase of a rectangular pulse of ``width`` (s): ``1/(1 - e^{-width/tau})``."""
    tau = real_scalar(tau, "tau", positive=True)
    w = np.asarray(width, dtype=float)
    return 1.0 / -np.expm1(-w / tau)
