"""Fast estimator: exact passive-membrane limit, the spatial and temporal filters, and its error
against the nonlinear cable models computed live on held-out cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import coilsim.pulses as P
from coilsim.analytic import membrane
from coilsim.errors import CoilsimTypeError, CoilsimValueError
from coilsim.nerves import Estimator
from coilsim.nerves import estimator as E
from coilsim.nerves.estimator import DEFAULT_CALIBRATION, activating_function, ve_from_tangential
from coilsim.nerves.mrg import MRG_TABLE

PULSES = [P.rectangular(50e-6), P.rectangular(300e-6), P.biphasic(300e-6), P.half_sine(150e-6),
          P.monophasic(60e-6, 150e-6), P.biphasic(300e-6).reversed()]

#: the issue's goal: estimator vs nonlinear model within 15 %
GOAL = 0.15


@pytest.mark.parametrize("pulse", PULSES, ids=lambda p: p.name)
@pytest.mark.parametrize("tau", [50e-6, 197e-6, 1e-3])
def test_passive_limit_reproduces_closed_form_strength_duration(pulse, tau):
    """No spread, one mode, linear (the constructor's defaults): a single node behind a
    first-order membrane. Threshold / rheobase must be the closed-form passive-membrane ratio of
    coilsim.analytic.membrane (≤ 1e-6), through the same kernel the calibrated estimator uses."""
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


def test_spatial_filter_is_the_mirrored_exponential_kernel_sum():
    """One mode: h = Σ_k (κ^|n-k| + κ^(n+k+1) + κ^(2N-1-n-k)) f_k (sealed ends as mirrors)."""
    rng = np.random.default_rng(1)
    n = 15
    ve = rng.normal(size=n)
    f = activating_function(ve)
    k = 0.6
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    h = (k ** np.abs(i - j) + k ** (i + j + 1) + k ** (2 * n - 1 - i - j)) @ f
    est = Estimator(1.0, 100e-6, k)
    thr, site = est.thresholds(ve, P.rectangular(5e-3), return_site=True)
    fp = P.rectangular(5e-3).integral_extremum(1e4, True)[1] * 1e4
    assert thr == pytest.approx(1.0 / (h.max() * fp), rel=1e-12)
    assert site == int(np.argmax(h))


def test_two_mode_table_matches_a_direct_time_maximum():
    """Two modes, sign-split drive, rectified membrane and activation stage: the tabulated
    M(θ) gives the same threshold as the maximum over a fine time grid of the filtered drive."""
    est = Estimator(2e-3, 400e-6, 0.7, 0.8, 30e-6, 0.4, 0.8, 40e-6, 0.6)
    x = np.arange(31) - 15.0
    ve = -1.0 / np.sqrt(x ** 2 + 1.5 ** 2)
    for pulse in (P.biphasic(200e-6), P.monophasic(60e-6, 150e-6), P.rectangular(100e-6).reversed()):
        best = _direct_loaded_peak(est, ve, pulse, passive=False)      # β = 0: no load
        assert est.thresholds(ve, pulse) == pytest.approx(est.rheobase / best, rel=2e-3)


def _direct_loaded_peak(est, ve, pulse, passive):
    """max over sites of V_n / (1 + β (1 - ρ_n)) on a fine time grid, node by node (no table):
    V_n = max_t y_n(t) + δ H_n, y the two-mode response through the activation stage, H_n the
    deepest hyperpolarisation -min v_n(t) of the linear response before the time t* of that
    maximum; ρ_n the mean of the four nearest nodes' linear responses v_{n±1}, v_{n±2} over v_n
    at t*."""
    f = activating_function(ve)
    n = f.size
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]

    def spread(v, k):
        return (k ** np.abs(i - j) + k ** (i + j + 1) + k ** (2 * n - 1 - i - j)) @ v

    fp, fm = np.maximum(f, 0), np.minimum(f, 0)
    t = np.linspace(0, pulse.duration + 3e-3, 40001)
    p1 = pulse.integral(t, 1 / est.tau) / est.tau
    p2 = pulse.integral(t, 1 / est.tau2) / est.tau2
    dec = np.exp(-np.diff(t) / est.tau_act)
    best = 0.0
    for a_src, b_src in ((fp, fm), (fm, fp)):
        A = spread(a_src + est.cross * b_src, est.kappa)
        B = est.weight2 * spread(a_src + est.cross * b_src, est.kappa2)
        v = A[:, None] * p1 + B[:, None] * p2
        u = np.where(v > 0, v, est.hyper * v)
        y = np.zeros_like(u)
        for s in range(1, t.size):                # the activation stage, step by step
            y[:, s] = y[:, s - 1] * dec[s - 1] + (1 - dec[s - 1]) * u[:, s]
        for k in range(1 if passive else 0, n - 1 if passive else n):
            ts = int(np.argmax(y[k]))
            own = v[k, ts]
            nb = np.mean([v[m if 0 <= m < n else (-m - 1 if m < 0 else 2 * n - 1 - m), ts]
                          for m in (k - 2, k - 1, k + 1, k + 2)])      # sealed ends: mirror images
            if y[k, ts] <= 0:
                continue
            score = y[k, ts] + est.pre * max(0.0, -v[k, :ts].min(initial=0.0))   # H before t*
            if own > 0 and nb < own:
                score /= 1 + est.load * (1 - nb / own)
            best = max(best, score)
    return best


def test_axial_load_divides_by_the_neighbours_share():
    """Axial load β: a site's depolarisation V_n is divided by 1 + β (1 - ρ_n), ρ_n the mean of
    the four nearest nodes' (linear, signed) responses over its own at the time of its maximum
    (sealed ends: mirror images; ρ ≥ 1: no load); threshold = c / the largest result over
    the sites. Checked against a fine time grid, node by node, for a focal cathode, an anode
    (virtual cathodes beside a hyperpolarised centre) and a broad drive, with and without
    passive ends."""
    kw = dict(kappa=0.7, weight2=0.8, tau2=30e-6, kappa2=0.4, cross=0.8, tau_act=40e-6, hyper=0.6)
    x = np.arange(21) - 10.0
    cases = ((-1.0 / np.sqrt(x ** 2 + 1.2 ** 2), P.rectangular(300e-6)),
             (1.0 / np.sqrt((x - 2.3) ** 2 + 2.5 ** 2), P.half_sine(100e-6)),
             (-6 * np.tanh(x / 6), P.monophasic(60e-6, 150e-6)))
    for ve, pulse in cases:
        for passive in (False, True):
            est = Estimator(2e-3, 400e-6, **kw, load=1.3, passive_ends=passive)
            want = est.rheobase / _direct_loaded_peak(est, ve, pulse, passive)
            assert est.thresholds(ve, pulse) == pytest.approx(want, rel=2e-3)
            # β = 0: the estimator without the load, whose threshold is never higher
            plain = Estimator(2e-3, 400e-6, **kw, passive_ends=passive)
            assert plain.thresholds(ve, pulse) <= est.thresholds(ve, pulse)
    assert plain.thresholds(cases[0][0], cases[0][1]) < 0.9 * Estimator(
        2e-3, 400e-6, **kw, load=1.3).thresholds(cases[0][0], cases[0][1])


def test_pre_hyperpolarisation_adds_the_dip_before_the_maximum():
    """Pre-hyperpolarisation δ: a site's depolarisation max_t y(t) gains δ H, H the deepest
    hyperpolarisation of its linear response v = A ψ₁ + B ψ₂ before the time of that maximum
    (a hyperpolarising phase first makes the node more excitable), before the axial load
    divides it. Checked against a fine time grid, node by node, for reversed pulses (anodic
    first phase) at a point cathode and an anode, and a pulse with no phase before its
    maximum, which δ leaves as it is."""
    kw = dict(kappa=0.7, weight2=0.8, tau2=30e-6, kappa2=0.4, cross=0.8, tau_act=40e-6, hyper=0.6)
    x = np.arange(21) - 10.0
    cathode = -1.0 / np.sqrt((x - 0.5) ** 2 + 1.5 ** 2)
    cases = ((cathode, P.biphasic(200e-6).reversed()),
             (-cathode, P.biphasic(200e-6).reversed()),
             (cathode, P.half_sine(100e-6).reversed()),
             (-6 * np.tanh(x / 6), P.monophasic(60e-6, 150e-6).reversed()))
    for ve, pulse in cases:
        for load in (0.0, 1.3):
            est = Estimator(2e-3, 400e-6, **kw, load=load, pre=0.3, passive_ends=True)
            want = est.rheobase / _direct_loaded_peak(est, ve, pulse, True)
            assert est.thresholds(ve, pulse) == pytest.approx(want, rel=2e-3)
            plain = Estimator(2e-3, 400e-6, **kw, load=load, passive_ends=True)
            assert est.thresholds(ve, pulse) <= plain.thresholds(ve, pulse)
    # reversed biphasic at the cathode: the site fires in the cathodic second phase, after a
    # hyperpolarising first one; the term lowers its threshold by a visible amount
    est = Estimator(2e-3, 400e-6, **kw, pre=0.3)
    assert est.thresholds(*cases[0]) < 0.95 * Estimator(2e-3, 400e-6, **kw).thresholds(*cases[0])
    # one rectangular phase (nothing before its maximum): unchanged
    rect = P.rectangular(200e-6)
    assert est.thresholds(cathode, rect) == pytest.approx(
        Estimator(2e-3, 400e-6, **kw).thresholds(cathode, rect), rel=1e-12)


def test_ve_from_uniform_tangential_field_is_linear():
    v = ve_from_tangential(np.full((2, 5), 3.0), 1e-3)
    assert np.allclose(v, -3e-3 * np.arange(5))


def test_batch_matches_single():
    rng = np.random.default_rng(2)
    ve = rng.normal(size=(50, 31)) * 1e-3
    est = Estimator(5e-3, 200e-6, 0.7, 0.5, 30e-6, 0.4, 0.9, 40e-6, 0.7, passive_ends=True)
    pulse = P.biphasic(300e-6)
    batch, sites = est.thresholds(ve, pulse, return_site=True)
    single = [est.thresholds(v, pulse) for v in ve]
    assert np.allclose(batch, single, rtol=1e-14)
    assert np.all((sites >= 1) & (sites <= 29))   # passive end nodes are never sites


def _live_errors(model, diameter, cases, node=None):
    est = Estimator.default(model, diameter, node)
    refs = Estimator.reference(model, diameter, cases, node=node)
    return est, np.array([est.thresholds(r["ve"], r["pulse"]) / r["threshold"] - 1.0
                          for r in refs if np.isfinite(r["threshold"])])


@pytest.mark.parametrize("model, node, diameter, fields, pulses, bound", [
    # SENN at a diameter it was not fitted at; held-out point sources (one between nodes)
    # and a smooth field, with held-out rectangular, biphasic, monophasic and reversed pulses:
    # the goal holds
    ("senn", None, 15e-6, [0, 2, 5], [1, 5, 7, 11], GOAL),
    # SENN with CRRSS (mammalian) nodes: its own row, held-out diameter, fields (one between
    # nodes, a shifted smooth field) and pulses (rectangular, half-sine, biphasic, monophasic,
    # reversed); the nonlinear CRRSS cable computed here, a few ms per threshold: the goal holds
    ("senn", "crrss", 15e-6, [0, 3, 6], [0, 4, 6, 8, 10], GOAL),
    # MRG at a calibrated diameter, 12.8 µm: held-out point sources (one between nodes, an
    # anodic one with the reversed pulses) and a shifted smooth field: the goal holds
    ("mrg", None, 12.8e-6, [1, 2, 6], [0, 5, 8, 10], GOAL),
    # MRG at 9.33 µm, between the 8.7 and 10 µm rows (the constants are interpolated in log D):
    # held-out sources, smooth fields and pulses; the goal holds
    ("mrg", None, 9.33e-6, [1, 4], [0, 5, 8, 10], GOAL),
], ids=["senn-15um", "senn-crrss-15um", "mrg-12.8um", "mrg-9.33um"])
def test_error_against_nonlinear_model_on_held_out_cases(model, node, diameter, fields, pulses, bound):
    """The error table computed live: the nonlinear model's thresholds on held-out validation
    cases (never in the fit) against the built-in estimator."""
    cases = E.calibration_cases("validation", fields=fields, pulses=pulses)
    est, err = _live_errors(model, diameter, cases, node)
    assert err.size == len(cases)
    worst = np.max(np.abs(err))
    detail = dict(zip([c[0] for c in cases], np.round(err, 3)))
    # within what the calibration reports for its held-out set (at a row's own diameter; between
    # MRG rows the neighbours' figures do not bound the interpolated constants' error), and the
    # bound: the goal where it is met
    if model != "mrg" or diameter in E.MRG_CALIBRATION_DIAMETERS:
        assert worst <= est.calibration.val_max_error + 1e-9, detail
    assert worst <= bound, detail
    assert np.sqrt(np.mean(err ** 2)) <= 0.1, detail


def test_default_calibration_rows_and_reported_errors():
    for model, rows in DEFAULT_CALIBRATION.items():
        assert rows
        for r in rows:
            assert len(r) == 16
            fit_max, fit_rms, val_max, val_rms = r[12:]
            # rms errors well below the goal everywhere; worst errors within it on the held-out
            # cases at every row
            assert 0 < fit_rms < fit_max < 0.25 and 0 < val_rms < val_max <= GOAL
            assert fit_rms <= 0.07 and val_rms <= 0.07
    assert set(DEFAULT_CALIBRATION) == {"mrg", "senn", "senn_crrss"}
    # a row at every diameter of the published MRG table
    assert tuple(r[0] for r in DEFAULT_CALIBRATION["mrg"]) == E.MRG_CALIBRATION_DIAMETERS
    np.testing.assert_allclose(E.MRG_CALIBRATION_DIAMETERS, MRG_TABLE[:, 0] * 1e-6, rtol=1e-12)
    assert len(DEFAULT_CALIBRATION["senn_crrss"]) == 1
    # SENN is scale-free: one row for every diameter
    a, b = Estimator.default("senn", 8e-6), Estimator.default("senn", 25e-6)
    assert (a.rheobase, a.tau, a.kappa) == (b.rheobase, b.tau, b.kappa)
    m = Estimator.default("mrg", 10e-6)
    assert m.passive_ends and not a.passive_ends


def test_calibration_sets_are_disjoint():
    f, v = E._CASES["fit"], E._CASES["validation"]
    assert not set(f[0]) & set(v[0]) and not set(f[1]) & set(v[1])


def test_bad_inputs():
    with pytest.raises(CoilsimValueError, match="kappa"):
        Estimator(1.0, 1e-4, 1.0)
    with pytest.raises(CoilsimValueError, match="kappa2"):
        Estimator(1.0, 1e-4, 0.5, 1.0, 1e-5, 1.2)
    with pytest.raises(CoilsimValueError, match="cross"):
        Estimator(1.0, 1e-4, cross=1.5)
    with pytest.raises(CoilsimValueError, match="hyper"):
        Estimator(1.0, 1e-4, hyper=-0.1)
    with pytest.raises(CoilsimValueError, match="load"):
        Estimator(1.0, 1e-4, load=-0.5)
    with pytest.raises(CoilsimValueError, match="tau"):
        Estimator(1.0, -1e-4)
    with pytest.raises(CoilsimTypeError, match="N >= 3"):
        Estimator(1.0, 1e-4).thresholds(np.zeros(2), P.rectangular(1e-4))
    with pytest.raises(CoilsimValueError, match="NaN"):
        Estimator(1.0, 1e-4).thresholds(np.full(5, np.nan), P.rectangular(1e-4))
    with pytest.raises(CoilsimTypeError, match="Pulse"):
        Estimator(1.0, 1e-4).thresholds(np.zeros(5), "rect")
    with pytest.raises(CoilsimValueError, match="calibrated range"):
        Estimator.default("mrg", 30e-6)
    with pytest.raises(CoilsimValueError, match="split"):
        E.calibration_cases("train")
    with pytest.raises(CoilsimValueError, match="model"):
        Estimator.reference("hh", 10e-6, [])


def test_crrss_fibre_gets_the_crrss_calibration_never_fh():
    """The built-in SENN row was fitted with Frankenhaeuser–Huxley nodes; a CRRSS fibre gets the
    CRRSS row (fitted to the CRRSS cable), never FH's silently."""
    import coilsim as cs
    from coilsim.nerves.estimator import estimate_thresholds
    path = np.array([[-0.03, 0.0, -0.01], [0.03, 0.0, -0.01]])
    pulse = cs.pulses.rectangular(100e-6)

    def field(p):
        x = p[..., 0]
        return np.stack([np.exp(-x ** 2 / (2 * 0.004 ** 2)), 0 * x, 0 * x], axis=-1)

    fcr = cs.Fiber(path, 10e-6, model="senn", node="crrss")
    ffh = cs.Fiber(path, 10e-6, model="senn")
    cr, fh = Estimator.default("senn", 10e-6, "crrss"), Estimator.default("senn", 10e-6, "fh")
    assert (cr.model, cr.node, cr.calibration.node, fh.node) == ("senn", "crrss", "crrss", "fh")
    assert cr.rheobase != fh.rheobase and not cr.passive_ends
    from coilsim.nerves import quasi_potential
    got = estimate_thresholds([fcr, ffh], field, pulse)
    ve = quasi_potential(fcr, field, fcr.node_arc)
    assert got[0] == pytest.approx(cr.thresholds(ve, pulse), rel=1e-12)
    assert got[1] == pytest.approx(fh.thresholds(ve, pulse), rel=1e-12)
    assert abs(got[0] / got[1] - 1) > 0.05
    # scale-free: one CRRSS row for every diameter; "CRRSS" in any case
    a, b = Estimator.default("senn", 5e-6, "crrss"), Estimator.default("SENN", 25e-6, "CRRSS")
    assert (a.rheobase, a.tau, a.kappa, a.weight2) == (b.rheobase, b.tau, b.kappa, b.weight2)


def test_unsupported_model_node_combinations_are_clear_errors():
    with pytest.raises(CoilsimValueError, match="applies to model='senn'"):
        Estimator.default("mrg", 10e-6, "crrss")
    with pytest.raises(CoilsimValueError, match="applies to model='senn'"):
        Estimator.default("mrg", 10e-6, "fh")
    with pytest.raises(CoilsimValueError, match="node must be one of"):
        Estimator.default("senn", 10e-6, "hh")
    with pytest.raises(CoilsimTypeError, match="node must be a string"):
        Estimator.default("senn", 10e-6, 2)
    with pytest.raises(CoilsimValueError, match="no built-in estimator calibration for model 'hh'"):
        Estimator.default("hh", 10e-6)
    with pytest.raises(CoilsimValueError, match="applies to model='senn'"):
        Estimator.reference("mrg", 10e-6, [], node="crrss")
    refs = Estimator.reference("senn", 20e-6, E.calibration_cases("fit", fields=[1], pulses=[1]))
    with pytest.raises(CoilsimValueError, match="model/node"):   # FH references for a CRRSS fit
        Estimator.calibrate("senn", 20e-6, refs * 10, node="crrss")


def test_crrss_estimator_against_the_stored_neuron_table():
    """The CRRSS row against NEURON's own thresholds (benchmarks/data/
    senn_crrss_neuron_reference.csv): point cathode 1 mm and a smooth 8 mm field, rectangular
    50–500 µs, at 5 µm (a diameter never fitted, where the cathode sits two internodes away) and
    20 µm. Within the row's stated error (the larger of fit and held-out) plus the 2 % that
    coilsim's cable is allowed against NEURON."""
    from coilsim.benchmarks import neuron_reference as NR
    est = Estimator.default("senn", 5e-6, "crrss")
    bound = max(est.calibration.max_error, est.calibration.val_max_error) + 0.02
    pulses = NR.senn_waveforms()
    rows = NR.read_senn_table()
    assert len(rows) >= 8
    err = {}
    for r in rows:
        ve = NR.senn_case_ve(r["field"], float(r["diameter_um"]), int(r["n_nodes"]))
        thr = est.thresholds(ve, pulses[r["waveform"]])
        err[(r["field"], r["waveform"], r["diameter_um"])] = thr / float(r["neuron_threshold"]) - 1
    assert max(abs(e) for e in err.values()) <= bound, err


def test_calibrate_then_polish():
    """Estimator.calibrate on live SENN references, then Estimator.polish from its constants:
    each reports its errors as its table has them, and the polish lowers what it minimises —
    the sum of squared log errors weighed steeply beyond the knee (not necessarily the single
    worst case)."""
    fit = Estimator.reference("senn", 20e-6, E.calibration_cases("fit", fields=[0, 3, 5],
                                                                  pulses=[1, 7, 10, 12]))
    val = Estimator.reference("senn", 20e-6, E.calibration_cases("validation", fields=[0, 4],
                                                                  pulses=[0, 5]))
    est, tab = Estimator.calibrate("senn", 20e-6, fit, validation=val, starts=1)
    pol, ptab = Estimator.polish(est, fit, validation=val)
    for e, t in ((est, tab), (pol, ptab)):
        fe = [abs(r["error"]) for r in t if r["set"] == "fit"]
        ve = [abs(r["error"]) for r in t if r["set"] == "validation"]
        assert len(fe) == 12 and len(ve) == 4
        assert e.calibration.max_error == pytest.approx(max(fe), rel=1e-12)
        assert e.calibration.val_max_error == pytest.approx(max(ve), rel=1e-12)
    def steep(t):
        r = np.log1p([x["error"] for x in t if x["set"] == "fit"])
        return float(np.sum((r * np.sqrt(1.0 + (np.abs(r) / E._MINIMAX_KNEE) ** 16)) ** 2))
    assert steep(ptab) <= steep(tab) * (1 + 1e-9)
    assert est.calibration.max_error < 0.3          # a fit, not a failure
