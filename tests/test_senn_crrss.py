"""SENN cable with CRRSS (mammalian) nodes: the published equations, rest, NEURON, threshold search.

References: Chiu, Ritchie, Rogart & Stagg 1979 (rabbit node); Sweeney, Mortimer & Durand 1987
(the node at 37 °C in a SENN-type cable; together "CRRSS"). The independent reference is NEURON
(benchmarks/neuron_reference.py ``--senn``): the same cable built from sections and a .mod
mechanism written from the published equations, thresholds stored in
benchmarks/data/senn_crrss_neuron_reference.csv.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import brentq

import coilsim.pulses as P
from coilsim.benchmarks import neuron_reference as NR
from coilsim.errors import CoilsimError, CoilsimTypeError, CoilsimValueError
from coilsim.nerves import (CrrssParameters, Fiber, SennParameters, fiber_threshold,
                            point_source_potential, senn_node_positions, senn_simulate,
                            senn_threshold)
from coilsim.nerves import _cable_kernels as K

RHO_E = 3.0


def cathode(height):
    return lambda p: point_source_potential(p, (0.0, height, 0.0), -1.0, RHO_E)


def rect(width):
    return (np.array([0.0, width]), np.array([1.0, 1.0]))


# the CRRSS rates as published in depolarisation V (mV) from rest, 37 °C (Sweeney 1987),
# transcribed here independently of the kernels (which use the absolute-potential form)
def published_rates(V):
    am = (97.0 + 0.363 * V) / (1.0 + math.exp((31.0 - V) / 5.3))
    bm = am / math.exp((V - 23.8) / 4.17)
    bh = 15.6 / (1.0 + math.exp((24.0 - V) / 10.0))
    ah = bh / math.exp((V - 5.5) / 5.0)
    return am, bm, ah, bh


def published_current(V):
    """I_ion (µA/cm²) of the node at depolarisation V with the gates at steady state."""
    am, bm, ah, bh = published_rates(V)
    m, h = am / (am + bm), ah / (ah + bh)
    return 1445.0 * m * m * h * (V - 115.64) + 128.0 * (V + 0.01)


# --------------------------------------------------------------------------- the node


@pytest.mark.parametrize("V", [-60.0, -10.0, 0.0, 5.0, 20.0, 31.0, 60.0, 110.0])
def test_rates_are_the_published_ones(V):
    """The kernel's rates (absolute-potential form, 126 + 0.363 E) against the published
    depolarisation form (97 + 0.363 V): 126 - 0.363·80 = 96.96, so they agree to 4e-4."""
    c = CrrssParameters().kernel_constants()
    got = K.crrss_rates(V, c)
    for g, r in zip(got, published_rates(V)):
        assert g == pytest.approx(r, rel=1e-3)


def test_temperature_scales_every_rate_by_q10():
    c37 = CrrssParameters().kernel_constants()
    c27 = CrrssParameters(temperature=300.15).kernel_constants()
    for V in (-20.0, 0.0, 40.0):
        for a, b in zip(K.crrss_rates(V, c37), K.crrss_rates(V, c27)):
            assert b == pytest.approx(a / 3.0, rel=1e-12)


def test_single_node_rest_is_an_equilibrium():
    """At -80 mV with steady-state gates the membrane current nearly vanishes (E_L = -80.01 mV
    is the published value that balances the sodium window current), and the exact
    equilibrium of the node lies within 1 µV of rest."""
    p = CrrssParameters()
    c = p.kernel_constants()
    g = np.empty(4)
    K.crrss_steady_gates(0.0, c, g)
    i0 = K.crrss_node_current(0.0, g[0], g[1], c)          # µA/cm²
    assert abs(i0) < 0.1 < 128.0 * 1.0                      # < 0.1 % of the leak current at 1 mV
    assert i0 == pytest.approx(published_current(0.0), rel=2e-3)
    v_eq = brentq(published_current, -1.0, 1.0, xtol=1e-9)  # mV
    assert abs(v_eq) < 1e-3
    # a single node (3-node fibre, no drive: no axial current) and a 51-node fibre stay put
    for n in (3, 51):
        run = senn_simulate(10e-6, np.zeros(n), rect(100e-6), 1.0, t_stop=3e-3, node="crrss")
        assert not run.fired
        assert np.max(np.abs(run.v)) < 1e-6                 # V
        assert run.v[-1, 0] == pytest.approx(v_eq * 1e-3, abs=1e-7)


def test_passive_crrss_fibre_matches_matrix_exponential():
    """Sweeney's cable (0.6 D, 1.5 µm nodes, 54.7 Ω·cm, C 2.5 µF/cm², g_L 128 mS/cm²) with linear
    nodes against the exact solution of the ODE system."""
    D, n, width, amp = 10e-6, 21, 100e-6, 3e-4
    p = CrrssParameters()
    assert (p.axon_ratio, p.internode_ratio, p.node_length, p.rho_i, p.c_m, p.g_l) == \
        (0.6, 100.0, 1.5e-6, 0.547, 2.5e-2, 1.28e3)
    d, L = 0.6 * D, 100 * D
    area = math.pi * d * 1.5e-6
    Ga = math.pi * d * d / (4 * 0.547 * L)
    C, Gm = 2.5e-2 * area, 1.28e3 * area
    lap = -2.0 * np.eye(n) + np.eye(n, k=1) + np.eye(n, k=-1)
    lap[0, 0] = lap[-1, -1] = -1.0
    ve = cathode(1e-3)(senn_node_positions(D, n)) * amp
    A = (Ga * lap - Gm * np.eye(n)) / C
    b = Ga * lap @ ve / C
    v_end = np.linalg.solve(A, (expm(A * width) - np.eye(n)) @ b)
    run = senn_simulate(D, ve / amp, rect(width), amp, node="crrss", membrane="passive",
                        dt=0.5e-6, t_stop=150e-6)
    i_end = int(round(width / 0.5e-6))
    scale = np.max(np.abs(v_end))
    assert scale > 10e-3
    assert np.max(np.abs(run.v[i_end] - v_end)) < 2e-3 * scale


# --------------------------------------------------------------------------- NEURON


def test_against_neuron_reference_table():
    """Every stored NEURON case (point cathode: rectangular 50/100/500 µs; smooth field 100 µs;
    D = 5 and 20 µm) within 2 %, and the same initiation node within one node."""
    rows = NR.read_senn_table()
    assert len(rows) >= 8
    pulses = NR.senn_waveforms()
    worst = 0.0
    for r in rows:
        cs = NR.coilsim_senn_threshold(float(r["diameter_um"]), r["field"], pulses[r["waveform"]],
                                       int(r["n_nodes"]))
        worst = max(worst, abs(cs.amplitude / float(r["neuron_threshold"]) - 1.0))
        assert abs(cs.site - int(r["neuron_site"])) <= 1
    assert worst <= 0.02


@pytest.mark.slow
def test_against_neuron_live():
    """One case re-run in NEURON now (21 nodes, backward Euler 0.5 µs, whose own time-step
    error is ≈ 0.5 %), when NEURON and nrnivmodl are available."""
    pytest.importorskip("neuron")
    try:
        NR._load_crrss()
    except Exception as exc:                                # no C compiler / nrnivmodl
        pytest.skip(f"NEURON mechanism could not be built: {exc}")
    pulse = P.rectangular(100e-6)
    cs = NR.coilsim_senn_threshold(20.0, "point", pulse, n_nodes=21, rel_tol=2e-3)
    thr, site, _, _ = NR.neuron_senn_threshold(20.0, "point", pulse, n_nodes=21, rel_tol=2e-3,
                                               guess=cs.amplitude, dt=0.5e-6)
    assert abs(cs.amplitude / thr - 1.0) <= 0.02
    assert abs(site - cs.site) <= 1


# --------------------------------------------------------------------------- numerics and search


def test_time_step_and_rate_table_converged():
    a = senn_threshold(20e-6, cathode(1e-3), rect(50e-6), node="crrss", rel_tol=1e-4)
    fine = senn_threshold(20e-6, cathode(1e-3), rect(50e-6), node="crrss", rel_tol=1e-4, dt=0.25e-6)
    exact = senn_threshold(20e-6, cathode(1e-3), rect(50e-6), node="crrss", rel_tol=1e-4,
                           exact_rates=True)
    assert abs(a.amplitude / fine.amplitude - 1.0) < 1e-3
    assert abs(a.amplitude / exact.amplitude - 1.0) < 1e-3


def test_fiber_threshold_runs_the_crrss_search():
    """A Fiber(model="senn", node="crrss") in a field: fiber_threshold gives senn_threshold's
    CRRSS value for the integrated potential; the bracket fires at ``amplitude`` and not at
    ``lower``; the mammalian node is not the amphibian one."""
    from scipy.special import erf
    s = 8e-3
    f = Fiber(np.array([[-0.025, 0.0, 0.0], [0.025, 0.0, 0.0]]), 10e-6, "senn", node="crrss")
    assert f.node == "crrss" and "crrss" in repr(f)

    def E(p):
        e = np.zeros(p.shape)
        e[..., 0] = np.exp(-p[..., 0] ** 2 / (2 * s ** 2))
        return e

    res = fiber_threshold(f, E, P.rectangular(100e-6))
    x = f.nodes[:, 0]
    ve = -s * math.sqrt(math.pi / 2) * erf(x / (s * math.sqrt(2)))
    ref = senn_threshold(10e-6, ve, P.rectangular(100e-6), node="crrss")
    assert res.reached and res.amplitude == pytest.approx(ref.amplitude, rel=1e-9)
    assert ref.lower < ref.amplitude <= ref.lower * 1.005 * (1 + 1e-12)
    assert senn_simulate(10e-6, ve, P.rectangular(100e-6), ref.amplitude, node="crrss",
                         record_every=0).fired
    assert not senn_simulate(10e-6, ve, P.rectangular(100e-6), ref.lower, node="crrss",
                             record_every=0).fired
    fh = fiber_threshold(f.with_model("senn", node="fh"), E, P.rectangular(100e-6))
    assert abs(fh.amplitude / res.amplitude - 1.0) > 0.05
    assert abs(res.site[0] - s) <= 2e-3                     # −dE/dx peaks at x = +σ


def test_strong_anode_stays_finite():
    """Under an anode at the search ceiling the nodes hyperpolarise by volts, far outside the
    range of the rate fit (the kernels hold the rates at rest - 250 mV): no NaN, and the
    anodal threshold (virtual cathodes beside the anode) lies above the cathodal one."""
    anode = lambda p: point_source_potential(p, (0.0, 1e-3, 0.0), +1.0, RHO_E)
    res = senn_threshold(10e-6, anode, rect(100e-6), node="crrss")
    cat = senn_threshold(10e-6, cathode(1e-3), rect(100e-6), node="crrss")
    assert res.reached and res.amplitude > 2 * cat.amplitude and res.site != 25
    run = senn_simulate(10e-6, anode, rect(100e-6), res.max_amplitude, node="crrss")
    assert np.all(np.isfinite(run.v)) and run.v.min() < -1.0


# --------------------------------------------------------------------------- bad input


def test_unknown_node_lists_the_valid_ones():
    with pytest.raises(CoilsimValueError, match=r"node must be one of \('fh', 'crrss'\)"):
        senn_threshold(10e-6, cathode(1e-3), rect(1e-4), node="hh")
    with pytest.raises(CoilsimTypeError, match="node must be a string"):
        senn_simulate(10e-6, cathode(1e-3), rect(1e-4), node=3)
    with pytest.raises(CoilsimValueError, match="node must be one of"):
        Fiber(np.array([[0.0, 0, 0], [0.05, 0, 0]]), 10e-6, "senn", node="mrg")


@pytest.mark.parametrize("call, exc, match", [
    (lambda: senn_threshold(10e-6, cathode(1e-3), rect(1e-4), node="crrss",
                            params=SennParameters()), CoilsimTypeError, "CrrssParameters"),
    (lambda: senn_threshold(10e-6, cathode(1e-3), rect(1e-4), params=CrrssParameters()),
     CoilsimTypeError, "SennParameters"),
    (lambda: CrrssParameters(g_na=-1.0), CoilsimValueError, "g_na"),
    (lambda: CrrssParameters(axon_ratio=1.5), CoilsimValueError, "axon_ratio"),
    (lambda: CrrssParameters(e_na=float("nan")), CoilsimValueError, "e_na"),
    (lambda: senn_simulate(10e-6, cathode(1e-3), rect(1e-4), membrane="crrss"),
     CoilsimValueError, "membrane"),
    (lambda: Fiber(np.array([[0.0, 0, 0], [0.05, 0, 0]]), 10e-6, "mrg", node="crrss"),
     CoilsimValueError, "node"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, CoilsimError)
