"""Passive first-order membrane: closed-form strength–duration against numerical convolution."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.optimize import minimize_scalar

import coilsim.pulses as cp
from coilsim.analytic import membrane as mb
from coilsim.errors import CoilsimTypeError, CoilsimValueError

TAU = 150e-6  # s, REFERENCES.md §6 (human magnetic stimulation: 150–200 µs)


def numeric_peak(w, duration, breaks, tau, n_grid=160):
    """max_t ∫0^t w(t') e^{-(t-t')/tau} dt' by adaptive quadrature of the given waveform
    function, then Brent's method around the best grid point."""
    brk = [b for b in breaks if 0 < b < duration]

    def V(t):
        pts = [b for b in brk if b < t] or None
        return quad(lambda s: w(s) * math.exp(-(t - s) / tau), 0.0, t, points=pts,
                    epsabs=1e-16, epsrel=1e-13, limit=500)[0]

    grid = np.linspace(0.0, duration, n_grid)
    vals = np.array([V(t) for t in grid])
    j = int(np.argmax(vals))
    lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, n_grid - 1)]
    best = vals[j]
    if hi > lo:
        r = minimize_scalar(lambda t: -V(t), bounds=(lo, hi), method="bounded",
                            options={"xatol": 1e-13 * duration})
        best = max(best, -r.fun)
    return best


def design(name):
    """(Pulse, independent formula of w, breaks) for every shape in DESIGN.md and the trains."""
    if name == "rectangular":
        W = 120e-6
        return cp.rectangular(W), lambda t: 1.0, [W]
    if name == "biphasic":
        T = 280e-6
        return cp.biphasic(T), lambda t: math.cos(2 * math.pi * t / T), [T]
    if name == "half_sine":
        W = 150e-6
        return cp.half_sine(W), lambda t: math.sin(math.pi * t / W), [W]
    if name == "monophasic":
        r, d = 80e-6, 200e-6
        k = max(math.pi / (2 * r), 1 / d)
        return (cp.monophasic(r, d),
                lambda t: (math.pi / (2 * r) * math.cos(math.pi * t / (2 * r)) if t < r
                           else -math.exp(-(t - r) / d) / d) / k, [r])
    if name == "monophasic_decay_equals_tau":  # resonance of the closed form (z = 0)
        r, d = 60e-6, TAU
        k = max(math.pi / (2 * r), 1 / d)
        return (cp.monophasic(r, d),
                lambda t: (math.pi / (2 * r) * math.cos(math.pi * t / (2 * r)) if t < r
                           else -math.exp(-(t - r) / d) / d) / k, [r])
    if name == "polyphasic":
        T = 200e-6
        return cp.polyphasic(T, 3), lambda t: math.cos(2 * math.pi * t / T), [3 * T]
    if name == "damped":
        T, d = 300e-6, 250e-6
        om = 2 * math.pi / T  # w ∝ d/dt[e^{-t/d} sin(ωt)] = e^{-t/d}(ω cos ωt - sin ωt / d); peak at 0
        return (cp.damped(T, d, 3), lambda t: math.exp(-t / d) * (math.cos(om * t)
                                                                  - math.sin(om * t) / (om * d)),
                [3 * T])
    raise KeyError(name)


NAMES = ["rectangular", "biphasic", "half_sine", "monophasic", "monophasic_decay_equals_tau",
         "polyphasic", "damped"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("sign", [1, -1])
def test_threshold_matches_numerical_convolution(name, sign):
    p, w, brk = design(name)
    if sign < 0:
        p = p.reversed()
    ref_peak = numeric_peak(lambda t: sign * w(t), p.duration, brk, TAU)
    ratio = mb.threshold_ratio(p, TAU)
    if ref_peak <= 0:
        assert ratio == math.inf
    else:
        assert ratio == pytest.approx(TAU / ref_peak, rel=1e-8)


R_CRIT = 2.0 * math.sqrt((16e-6 + 1.5e-6) / 180e-6)


@pytest.mark.parametrize("mode,R", [("biphasic", 0.03), ("half_sine_current", 0.2),
                                    ("monophasic", 0.03), ("monophasic", R_CRIT),
                                    ("monophasic", 0.999 * R_CRIT), ("monophasic", 1.5 * R_CRIT),
                                    ("monophasic", (1 - 1e-9) * R_CRIT),
                                    ("monophasic", (1 + 1e-9) * R_CRIT)])
def test_stimulator_pulses(mode, R):
    """RLC pulses (underdamped, critically damped, over-damped): the waveform is checked against an
    ODE in test_stimulator; here its membrane response against quadrature of that waveform."""
    s = cp.Stimulator(180e-6, 1750.0, R, mode=mode)
    p = s.pulse(16e-6)
    brk = list(p.breaks)
    for pulse, sign in ((p, 1), (p.reversed(), -1)):
        ref = numeric_peak(lambda t: sign * float(p(t)), p.duration, brk, TAU)
        assert mb.threshold_ratio(pulse, TAU) == pytest.approx(TAU / ref, rel=1e-8)


def test_measured_samples():
    t = np.linspace(0.0, 300e-6, 61)
    w = np.cos(2 * np.pi * t / 300e-6) * np.exp(-t / 400e-6)
    p = cp.Pulse.from_samples(t, w)
    ref = numeric_peak(lambda x: float(np.interp(x, t, w)), t[-1], list(t), TAU)
    assert mb.threshold_ratio(p, TAU) == pytest.approx(TAU / ref, rel=1e-8)


@pytest.mark.parametrize("tau", [50e-6, 150e-6, 200e-6, 1e-3])
def test_rectangular_is_lapicque(tau):
    """Rectangular pulse: threshold/rheobase = 1/(1 - exp(-W/tau)) (Lapicque)."""
    widths = np.array([10e-6, 50e-6, 100e-6, 200e-6, 500e-6, 2e-3])
    got = np.array([mb.threshold_ratio(cp.rectangular(W), tau) for W in widths])
    ref = 1.0 / (1.0 - np.exp(-widths / tau))
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert mb.lapicque(widths, tau) == pytest.approx(ref, rel=1e-15)


def test_response_matches_ode():
    """V(t) over and after the pulse against solve_ivp of tau dV/dt = -V + tau w(t)."""
    p, w, _ = design("damped")
    sol = solve_ivp(lambda t, v: [-v[0] / TAU + w(t)], (0.0, p.duration), [0.0],
                    method="DOP853", rtol=1e-12, atol=1e-18, dense_output=True)
    t = np.linspace(0.0, p.duration, 501)
    v = mb.passive_response(p, t, TAU)
    assert np.max(np.abs(v - sol.sol(t)[0])) < 1e-9 * TAU
    late = p.duration + 3 * TAU  # free decay after the pulse
    assert mb.passive_response(p, late, TAU) == pytest.approx(sol.sol(p.duration)[0]
                                                              * math.exp(-3), rel=1e-12)
    tm, vm = mb.peak_depolarization(p, TAU)
    assert 0 <= tm <= p.duration and vm == pytest.approx(TAU / mb.threshold_ratio(p, TAU),
                                                         rel=1e-15)


def test_polarity_uses_max_v_not_abs():
    p = cp.rectangular(100e-6).reversed()  # only hyperpolarises
    assert mb.threshold_ratio(p, TAU) == math.inf
    b = cp.biphasic(300e-6)
    assert mb.threshold_ratio(b, TAU) != pytest.approx(mb.threshold_ratio(b.reversed(), TAU),
                                                       rel=1e-3)


def test_bad_arguments():
    with pytest.raises(CoilsimValueError, match="tau"):
        mb.threshold_ratio(cp.biphasic(1e-4), 0.0)
    with pytest.raises(CoilsimValueError, match="tau"):
        mb.passive_response(cp.biphasic(1e-4), [0.0], -1.0)
    with pytest.raises(CoilsimTypeError, match="pulse"):
        mb.threshold_ratio(np.ones(5), 1e-4)
