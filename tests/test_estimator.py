"""Fast estimator: exact passive-membrane limit, the spatial filter, calibration error reporting."""

from __future__ import annotations

import math

import numpy as np
import pytest

import coilsim.pulses as P
from coilsim.analytic import membrane
from coilsim.errors import CoilsimTypeError, CoilsimValueError
from coilsim.nerves import Estimator, mrg_threshold
from coilsim.nerves.estimator import DEFAULT_CALIBRATION, activating_function, ve_from_tangential
from coilsim.nerves.mrg import mrg_geometry

PULSES = [P.rectangular(50e-6), P.rectangular(300e-6), P.biphasic(300e-6), P.half_sine(150e-6),
          P.monophasic(60e-6, 150e-6), P.biphasic(300e-6).reversed()]


@pytest.mark.parametrize("pulse", PULSES, ids=lambda p: p.name)
@pytest.mark.parametrize("tau", [50e-6, 197e-6, 1e-3])
def test_passive_limit_reproduces_closed_form_strength_duration(pulse, tau):
    """κ = β = 0: a single node behind a first-order membrane. Threshold / rheobase must be the
    closed-form passive-membrane ratio of coilsim.analytic.membrane (≤ 1e-6)."""
    est = Estimator(1e-3, tau)
    ve = np.zeros(9)
    ve[4] = -1.0                                  # a cathode-like dip: f = +2 at node 4
    rheobase = 1e-3 / 2.0
    ratio = est.thresholds(ve, pulse) / rheobase
    assert abs(ratio / membrane.threshold_ratio(pulse, tau) - 1.0) <= 1e-6


def test_rectangular_limit_is_lapicque():
    tau = 150e-6
    est = Estimator(1.0, tau)
    for w in (20e-6, 100e-6, 1e-3):
        assert est.strength_duration_ratio(P.rectangular(w)) == pytest.approx(
            float(membrane.lapicque(w, tau)), rel=1e-9)


def test_spatial_filter_is_the_exponential_kernel_sum():
    rng = np.random.default_rng(1)
    ve = rng.normal(size=15)
    f = activating_function(ve)
    k = 0.6
    idx = np.arange(15)
    h = (k ** np.abs(idx[:, None] - idx[None, :])) @ f
    est = Estimator(1.0, 100e-6, k)
    thr, site = est.thresholds(ve, P.rectangular(5e-3), return_site=True)
    fp = P.rectangular(5e-3).integral_extremum(1e4, True)[1] * 1e4
    assert thr == pytest.approx(1.0 / (h.max() * fp), rel=1e-12)
    assert site == int(np.argmax(h))


def test_ve_from_uniform_tangential_field_is_linear():
    v = ve_from_tangential(np.full((2, 5), 3.0), 1e-3)
    assert np.allclose(v, -3e-3 * np.arange(5))


def test_batch_matches_single():
    rng = np.random.default_rng(2)
    ve = rng.normal(size=(50, 31)) * 1e-3
    est = Estimator(5e-3, 200e-6, 0.7, 0.3)
    pulse = P.biphasic(300e-6)
    batch = est.thresholds(ve, pulse)
    single = [est.thresholds(v, pulse) for v in ve]
    assert np.allclose(batch, single, rtol=1e-14)


def test_default_calibration_error_is_reported_and_holds():
    """The built-in MRG calibration, tried on a case outside its fit (a 2.5 mm point source,
    150 µs rectangle): within its own reported max error."""
    D = 10e-6
    est = Estimator.default("mrg", D)
    assert 0 < est.calibration.max_error < 0.3
    g = mrg_geometry(D)
    arc = g.compartment_offsets(121)
    arc -= 0.5 * arc[-1]
    ve = -5.0 / (4 * math.pi * np.sqrt(arc ** 2 + 2.5e-3 ** 2))
    pulse = P.rectangular(150e-6)
    true = mrg_threshold(D, ve, pulse).amplitude
    guess = est.thresholds(ve[::11], pulse)
    assert abs(guess / true - 1) <= est.calibration.max_error
    for model, rows in DEFAULT_CALIBRATION.items():
        assert all(len(r) == 6 and r[5] > 0 for r in rows)


def test_bad_inputs():
    with pytest.raises(CoilsimValueError, match="kappa"):
        Estimator(1.0, 1e-4, 1.0)
    with pytest.raises(CoilsimValueError, match="tau"):
        Estimator(1.0, -1e-4)
    with pytest.raises(CoilsimTypeError, match="N >= 3"):
        Estimator(1.0, 1e-4).thresholds(np.zeros(2), P.rectangular(1e-4))
    with pytest.raises(CoilsimValueError, match="NaN"):
        Estimator(1.0, 1e-4).thresholds(np.full(5, np.nan), P.rectangular(1e-4))
    with pytest.raises(CoilsimValueError, match="calibrated range"):
        Estimator.default("mrg", 30e-6)
