"""fiber_threshold / activation_depth: the DESIGN.md contract, physics checks and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import coilsim.pulses as P
from coilsim.errors import CoilsimTypeError, CoilsimValueError
from coilsim.nerves import (Fiber, activation_depth, fiber_threshold, fiber_thresholds,
                            point_source_potential, probe_fibers, senn_threshold,
                            threshold_vs_depth)


def gaussian_field(sigma=8e-3, centre=0.0):
    """E_x = exp(-(x-c)²/(2σ²)) V/m per unit drive, everywhere (a smooth magnetic-like field)."""
    def E(p):
        e = np.zeros(p.shape)
        e[..., 0] = np.exp(-(p[..., 0] - centre) ** 2 / (2 * sigma ** 2))
        return e
    return E


def straight(length, depth=0.0):
    return np.array([[-length / 2, 0.0, -depth], [length / 2, 0.0, -depth]])


def test_senn_fibre_in_a_field_equals_senn_with_the_integrated_potential():
    """The coupling is -∫E dx; for a Gaussian E this is an erf: the same threshold as SENN driven
    by that closed form."""
    from scipy.special import erf
    s = 8e-3
    f = Fiber(straight(0.05), 10e-6, "senn")
    res = fiber_threshold(f, gaussian_field(s), P.rectangular(100e-6))
    x = f.nodes[:, 0]
    ve = -s * math.sqrt(math.pi / 2) * erf(x / (s * math.sqrt(2)))
    ref = senn_threshold(10e-6, ve, P.rectangular(100e-6))
    assert res.reached and res.amplitude == pytest.approx(ref.amplitude, rel=1e-9)
    # −dE/dx peaks at x = +σ: the AP starts within a node or two of it
    assert abs(res.site[0] - s) <= 2e-3


def test_uniform_field_excites_at_a_cut_end():
    f = Fiber(straight(0.06), 10e-6, "mrg")
    res = fiber_threshold(f, lambda p: np.broadcast_to([1.0, 0, 0], p.shape).copy(),
                          P.rectangular(100e-6), polarity="both")
    assert res.reached
    assert res.site_node in (1, f.n_nodes - 2)   # next to an end (the end nodes are passive)


def test_polarity_both_is_the_lower_of_the_two():
    f = Fiber(straight(0.07), 12.8e-6, "mrg")
    E = gaussian_field(10e-3, 3e-3)
    p = P.monophasic(60e-6, 150e-6)
    a = fiber_threshold(f, E, p, "given", rel_tol=0.01)
    b = fiber_threshold(f, E, p, "reversed", rel_tol=0.01)
    both = fiber_threshold(f, E, p, "both", rel_tol=0.01)
    assert both.amplitude == min(a.amplitude, b.amplitude)
    assert both.polarity == ("given" if a.amplitude <= b.amplitude else "reversed")


def test_stimulator_gives_intensity_and_not_reached():
    stim = P.Stimulator(capacitance=100e-6, max_voltage=2000.0, resistance=0.05)
    L = 15e-6
    f = Fiber(straight(0.07), 10e-6, "mrg")
    E = gaussian_field(10e-3)
    scale = 1e-5                                   # V/m per A/s: 1.2e8 A/s gives 1.2 kV/m
    res = fiber_threshold(f, lambda p: scale * E(p), stim, inductance=L, rel_tol=0.01)
    assert res.reached
    assert res.intensity == pytest.approx(res.amplitude / stim.peak_di_dt(L, 1.0), rel=1e-12)
    pulse_only = fiber_threshold(f, lambda p: scale * E(p), stim.pulse(L), rel_tol=0.01)
    assert res.amplitude == pytest.approx(pulse_only.amplitude, rel=0.011)
    weak = fiber_threshold(f, lambda p: 1e-9 * E(p), stim, inductance=L)
    assert not weak.reached and "not reached up to intensity 1" in str(weak)
    assert weak.intensity is None and weak.n_runs < 40


def test_thresholds_rise_with_depth_and_activation_depth():
    """A point-source-like field falling with depth: deeper fibres need more; the activation
    depth at an amplitude between two thresholds lies between their depths."""
    src = np.array([0.0, 0.0, 5e-3])             # above the skin
    rho = 5.0

    def E(p):                                    # E = ρ I r̂ / (4π r²), I = 1 A
        r = p - src
        return rho / (4 * math.pi) * r / np.linalg.norm(r, axis=-1, keepdims=True) ** 3

    fibs = probe_fibers([2e-3, 6e-3, 12e-3], length=0.06, diameter=10e-6)
    d, thr, res = threshold_vs_depth(fibs, E, P.rectangular(100e-6), rel_tol=0.01)
    assert np.all(np.diff(thr) > 0)
    batch = fiber_thresholds(fibs, E, P.rectangular(100e-6), rel_tol=0.01)
    single = [fiber_threshold(f, E, P.rectangular(100e-6), rel_tol=0.01) for f in fibs]
    for a, b in zip(batch, single):
        assert a.amplitude == pytest.approx(b.amplitude, rel=0.011)
    amp = math.sqrt(thr[1] * thr[2])
    ad = activation_depth(fibs, E, P.rectangular(100e-6), amp)
    assert ad.depth == pytest.approx(6e-3)
    assert list(ad.fired) == [True, True, False]


@pytest.mark.parametrize("kw, exc, match", [
    (dict(fiber="no"), CoilsimTypeError, "Fiber"),
    (dict(pulse=np.ones(3)), CoilsimTypeError, "Pulse"),
    (dict(polarity="up"), CoilsimValueError, "polarity"),
    (dict(field=lambda p: np.full(p.shape, np.nan)), CoilsimValueError, "NaN"),
    (dict(field=lambda p: p[..., 0]), CoilsimTypeError, "shape"),
    (dict(pulse=P.Stimulator(100e-6, 2000.0, 0.05)), CoilsimValueError, "inductance"),
])
def test_bad_input(kw, exc, match):
    args = dict(fiber=Fiber(straight(0.05), 10e-6, "mrg"), field=gaussian_field(),
                pulse=P.rectangular(1e-4), polarity="given")
    args.update(kw)
    with pytest.raises(exc, match=match):
        fiber_threshold(args["fiber"], args["field"], args["pulse"], args["polarity"])


def test_senn_fibre_anchored_at_its_start_with_an_even_node_count():
    """A SENN fibre that starts at a terminal (anchor="start") may hold an even number of
    nodes; its threshold is computed (it used to be refused as "not odd")."""
    f = Fiber(np.array([[0.0, 0, 0], [0.0255, 0, 0]]), 10e-6, "senn", anchor="start")
    assert f.n_nodes % 2 == 0
    r = fiber_threshold(f, lambda p: np.broadcast_to([400.0, 0.0, 0.0], np.shape(p)).copy(),
                        P.rectangular(100e-6), "both")
    assert r.reached and r.site_node in (0, 1, f.n_nodes - 2, f.n_nodes - 1)   # a cut end
