"""Pulse: the parametric shapes against DESIGN.md's formulas, current by independent quadrature,
measured samples, validation and vectorised evaluation."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import cumulative_trapezoid, quad

import coilsim.pulses as cp
from coilsim.errors import CoilsimError, CoilsimTypeError, CoilsimValueError


def mono_current(t, rise, decay):
    """DESIGN.md: current sin(πt/(2 rise)) up to rise, then exp(-(t - rise)/decay)."""
    t = np.asarray(t, float)
    return np.where(t <= rise, np.sin(np.pi * t / (2 * rise)), np.exp(-(t - rise) / decay))


def damped_current(t, period, decay):
    return np.exp(-t / decay) * np.sin(2 * np.pi * t / period)


def central_diff(f, t, h):
    return (f(t + h) - f(t - h)) / (2 * h)


# shape, DESIGN.md formula for w on the pulse's support
SHAPES = [
    (lambda: cp.rectangular(100e-6), lambda t: np.ones_like(t)),
    (lambda: cp.biphasic(280e-6), lambda t: np.cos(2 * np.pi * t / 280e-6)),
    (lambda: cp.half_sine(150e-6), lambda t: np.sin(np.pi * t / 150e-6)),
    (lambda: cp.polyphasic(200e-6, 3), lambda t: np.cos(2 * np.pi * t / 200e-6)),
]


@pytest.mark.parametrize("make,formula", SHAPES)
def test_shapes_follow_design_formulas(make, formula):
    p = make()
    t = np.linspace(0.0, p.duration, 20001)[:-1]
    assert np.max(np.abs(p(t) - formula(t))) < 1e-13
    assert p.t[0] == 0.0 and p.t[-1] == p.duration
    assert np.max(np.abs(p.w)) == pytest.approx(1.0, abs=1e-15)
    assert np.all(p(np.array([-1e-9, p.duration * (1 + 1e-9)])) == 0.0)


def test_monophasic_w_is_the_normalised_derivative_of_the_design_current():
    rise, decay = 80e-6, 250e-6
    p = cp.monophasic(rise, decay)
    assert p.duration == pytest.approx(rise + decay * math.log(1e3), rel=1e-15)
    t = np.linspace(1e-7, p.duration - 1e-7, 4001)
    t = t[np.abs(t - rise) > 1e-7]
    h = 1e-9
    didt = central_diff(lambda x: mono_current(x, rise, decay), t, h)
    ref = didt / max(np.pi / (2 * rise), 1 / decay)  # peak |dI/dt| of the design current
    assert np.max(np.abs(p(t) - ref)) < 1e-6  # central-difference truncation ~1e-8
    # the running integral of w is the design current, scaled by the normalisation
    cur = p.current(t, peak_di_dt=1.0) * max(np.pi / (2 * rise), 1 / decay)
    assert np.max(np.abs(cur - mono_current(t, rise, decay))) < 1e-12
    assert p.current_factor * max(np.pi / (2 * rise), 1 / decay) == pytest.approx(1.0, rel=1e-12)


def test_damped_train_is_the_derivative_of_a_ringing_current():
    T, d = 300e-6, 400e-6
    p = cp.damped(T, d, cycles=4)
    assert p.duration == pytest.approx(4 * T, rel=1e-15)
    t = np.linspace(1e-7, p.duration - 1e-7, 4001)
    ref = central_diff(lambda x: damped_current(x, T, d), t, 1e-9)
    dense = np.linspace(0, p.duration, 400_001)
    peak = np.max(np.abs(central_diff(lambda x: damped_current(x, T, d), dense, 1e-9)))
    assert np.max(np.abs(p(t) - ref / peak)) < 1e-6


@pytest.mark.parametrize("make", [lambda: cp.rectangular(100e-6), lambda: cp.biphasic(280e-6),
                                  lambda: cp.half_sine(150e-6), lambda: cp.monophasic(80e-6, 2e-4),
                                  lambda: cp.polyphasic(200e-6, 2),
                                  lambda: cp.damped(300e-6, 200e-6, 3)])
def test_current_is_the_integral_of_di_dt(make):
    """Closed-form current against adaptive quadrature of the waveform; peak current too."""
    p = make()
    amp = 1.3e8
    t = np.linspace(0.0, p.duration, 41)
    brk = [b for b in p.breaks[1:-1]]
    ref = np.array([quad(lambda s: amp * p(s), 0.0, x, points=[b for b in brk if b < x] or None,
                         epsabs=1e-14 * amp * p.duration, epsrel=1e-13, limit=200)[0]
                    for x in t])
    scale = amp * p.duration
    assert np.max(np.abs(p.current(t, amp) - ref)) / scale < 1e-11
    assert np.allclose(p.di_dt(t, amp), amp * p(t), rtol=0, atol=0)
    dense = np.linspace(0.0, p.duration, 200_001)
    assert p.peak_current(amp) == pytest.approx(np.max(np.abs(p.current(dense, amp))), rel=1e-8)
    after = p.current(p.duration * 1.5, amp)
    assert after == pytest.approx(p.current(p.duration, amp), rel=1e-14)


def test_reversed_flips_polarity():
    p = cp.monophasic(80e-6, 2e-4)
    r = p.reversed()
    t = np.linspace(0, p.duration, 1001)
    assert np.array_equal(r(t), -p(t)) and np.array_equal(r.w, -p.w)
    np.testing.assert_allclose(r.current(t, 1e8), -p.current(t, 1e8), rtol=1e-14, atol=1e-9)
    assert r.duration == p.duration


# ---- measured samples -----------------------------------------------------------------------
def test_from_samples_is_the_linear_interpolant():
    t = np.sort(np.concatenate(([0.0, 300e-6], np.random.default_rng(1).uniform(0, 300e-6, 500))))
    w = 2.5 * np.sin(2 * np.pi * t / 300e-6 + 0.3)
    p = cp.Pulse.from_samples(t, w)
    assert np.max(np.abs(p.w)) == 1.0 and p.duration == t[-1]
    x = np.linspace(0, t[-1], 10007)
    wn = w / np.max(np.abs(w))
    assert np.max(np.abs(p(x) - np.interp(x, t, wn))) < 1e-14
    # current of a piecewise-linear w at the samples: the trapezoid rule is exact
    ref = cumulative_trapezoid(wn, t, initial=0.0)
    assert np.max(np.abs(p.integral(t) - ref)) < 1e-13 * t[-1]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=16, max_size=60),
       st.floats(1e-6, 1e-2))
def test_from_samples_integral_property(vals, dt):
    w = np.array(vals)
    if not np.any(w != 0):
        w[3] = 1.0
    t = dt * np.arange(w.size)
    p = cp.Pulse.from_samples(t, w)
    ref = cumulative_trapezoid(w / np.max(np.abs(w)), t, initial=0.0)
    assert np.max(np.abs(p.integral(t) - ref)) <= 1e-12 * t[-1]


@pytest.mark.parametrize("t,w,word,cls", [
    (np.linspace(0, 1e-4, 20)[::-1], np.ones(20), "increasing", CoilsimValueError),
    (np.r_[0.0, 1e-6, 1e-6, np.linspace(2e-6, 1e-4, 17)], np.ones(20), "increasing",
     CoilsimValueError),
    (np.linspace(0, 1e-4, 20), np.r_[np.ones(19), np.nan], "w contains NaN", CoilsimValueError),
    (np.r_[np.linspace(0, 1e-4, 19), np.nan], np.ones(20), "t contains NaN", CoilsimValueError),
    (np.linspace(1e-6, 1e-4, 20), np.ones(20), "t must start at 0", CoilsimValueError),
    (np.linspace(0, 1e-4, 5), np.ones(5), "at least", CoilsimValueError),
    (np.linspace(0, 1e-4, 20), np.zeros(20), "zero", CoilsimValueError),
    (np.linspace(0, 1e-4, 20), np.ones(21), "equal length", CoilsimTypeError),
])
def test_from_samples_validation(t, w, word, cls):
    with pytest.raises(cls, match=word):
        cp.Pulse.from_samples(t, w)


@pytest.mark.parametrize("call,word", [
    (lambda: cp.rectangular(0.0), "width"), (lambda: cp.rectangular(-1e-4), "width"),
    (lambda: cp.half_sine(float("nan")), "width"), (lambda: cp.biphasic(0.0), "period"),
    (lambda: cp.biphasic("1e-4"), "period"), (lambda: cp.monophasic(-1e-4, 1e-4), "rise"),
    (lambda: cp.monophasic(1e-4, 0.0), "decay"), (lambda: cp.polyphasic(1e-4, 0), "cycles"),
    (lambda: cp.damped(1e-4, -1.0), "decay"), (lambda: cp.biphasic(1e-4)([np.nan]), "NaN"),
    (lambda: cp.biphasic(1e-4).integral([0.0], decay_rate=-1.0), "decay_rate"),
])
def test_shape_validation(call, word):
    with pytest.raises(CoilsimError, match=word):
        call()


def test_evaluation_of_a_million_points_is_vectorised():
    p = cp.biphasic(280e-6)
    t = np.linspace(-10e-6, 290e-6, 1_000_000).reshape(1000, 1000)
    p(t[:2])  # warm-up
    t0 = time.perf_counter()
    w = p(t)
    elapsed = time.perf_counter() - t0
    assert w.shape == t.shape
    ref = np.where((t >= 0) & (t <= 280e-6), np.cos(2 * np.pi * t / 280e-6), 0.0)
    assert np.max(np.abs(w - ref)) < 1e-13
    assert elapsed < 2.0, elapsed  # ~0.2 s measured; a Python loop over 1e6 points takes >> 2 s
    t0 = time.perf_counter()
    i = p.current(t, 1e8)
    assert time.perf_counter() - t0 < 4.0 and i.shape == t.shape
