"""SENN myelinated-fibre model: published thresholds, numerics and input validation.

Reference values (REFERENCES.md §6): Reilly's SENN program (Reilly, Freeman & Larkin 1985;
Reilly 1998 *Applied Bioelectricity*), 51 active nodes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

from coilsim.errors import CoilsimError, CoilsimTypeError, CoilsimValueError
from coilsim.nerves import (SennParameters, point_source_potential, senn_node_positions,
                            senn_simulate, senn_threshold)

RHO_E = 3.0          # 300 Ω·cm in Ω·m


def cathode(height):
    """V_e per ampere of cathodic electrode current at ``height`` above the centre node."""
    return lambda p: point_source_potential(p, (0.0, height, 0.0), -1.0, RHO_E)


def rect(width):
    return (np.array([0.0, width]), np.array([1.0, 1.0]))


# --------------------------------------------------------------------------- published values

@pytest.mark.parametrize("width, published_mA", [
    (50e-6, 0.9875), (100e-6, 0.6797), (200e-6, 0.5078), (500e-6, 0.3984)])
def test_reilly_rectangular_20um(width, published_mA):
    res = senn_threshold(20e-6, cathode(2e-3), rect(width))
    assert res.reached
    assert abs(res.amplitude * 1e3 / published_mA - 1.0) <= 0.02
    assert res.site == 25                     # excitation under the cathode
    assert 0.0 < res.time < 2e-3


def test_reilly_sine_cycle_20um():
    T = 100e-6
    res = senn_threshold(20e-6, cathode(2e-3), lambda t: np.sin(2 * np.pi * t / T), duration=T)
    assert res.reached
    assert abs(res.amplitude * 1e3 / 1.609 - 1.0) <= 0.02


def test_reilly_rheobase_10um():
    # a 5 ms pulse: longer than the utilisation time at rheobase, so its threshold is the rheobase
    res = senn_threshold(10e-6, cathode(1e-3), rect(5e-3))
    assert abs(res.amplitude * 1e3 / 0.18 - 1.0) <= 0.05


def test_reilly_minimum_charge_10um():
    # threshold charge of a 1 µs pulse (the charge rises with width, so this bounds Q0 from above)
    width = 1e-6
    res = senn_threshold(10e-6, cathode(1e-3), rect(width), dt=0.05e-6)
    assert abs(res.amplitude * width * 1e9 / 15.9 - 1.0) <= 0.05


# --------------------------------------------------------------------------- numerics

def test_time_step_converged():
    coarse = senn_threshold(20e-6, cathode(2e-3), rect(100e-6), rel_tol=1e-4, dt=1e-6)
    fine = senn_threshold(20e-6, cathode(2e-3), rect(100e-6), rel_tol=1e-4, dt=0.25e-6)
    assert abs(coarse.amplitude / fine.amplitude - 1.0) < 1e-3


def test_rate_table_matches_exact_rates():
    a = senn_threshold(20e-6, cathode(2e-3), rect(100e-6), rel_tol=1e-4)
    b = senn_threshold(20e-6, cathode(2e-3), rect(100e-6), rel_tol=1e-4, exact_rates=True)
    assert abs(a.amplitude / b.amplitude - 1.0) < 1e-3


def test_passive_fibre_matches_matrix_exponential():
    """Linear (C_m, g_L) nodes: the time stepper against the exact solution of the ODE system."""
    D, n, width, amp = 20e-6, 21, 100e-6, 1e-3
    p = SennParameters()
    d, L = 0.7 * D, 100 * D
    area = math.pi * d * 2.5e-6                       # m²
    Ga = math.pi * d * d / (4 * 1.10 * L)             # S
    C = 2e-2 * area                                   # F
    Gm = 303.65 * area                                # S
    assert (p.axon_ratio, p.internode_ratio, p.rho_i, p.c_m, p.g_l) == (0.7, 100.0, 1.10, 2e-2, 303.65)
    lap = -2.0 * np.eye(n) + np.eye(n, k=1) + np.eye(n, k=-1)
    lap[0, 0] = lap[-1, -1] = -1.0                    # sealed ends
    ve = cathode(2e-3)(senn_node_positions(D, n)) * amp
    A = (Ga * lap - Gm * np.eye(n)) / C
    b = Ga * lap @ ve / C
    v_end = np.linalg.solve(A, (expm(A * width) - np.eye(n)) @ b)
    v_later = expm(A * 50e-6) @ v_end

    run = senn_simulate(D, ve / amp, rect(width), amp, membrane="passive", dt=1e-6,
                        t_stop=200e-6)
    assert run.v.shape[1] == n
    i_end = int(round(width / 1e-6))
    i_later = int(round((width + 50e-6) / 1e-6))
    assert run.v.shape[0] > i_later
    np.testing.assert_allclose(run.t[[i_end, i_later]], [width, width + 50e-6], rtol=1e-12)
    scale = np.max(np.abs(v_end))
    assert scale > 10e-3                              # a meaningful depolarisation
    assert np.max(np.abs(run.v[i_end] - v_end)) < 2e-3 * scale
    assert np.max(np.abs(run.v[i_later] - v_later)) < 2e-3 * scale
    assert not run.fired


def test_rest_is_stable():
    run = senn_simulate(20e-6, np.zeros(51), rect(100e-6), 1.0, t_stop=3e-3)
    assert not run.fired
    assert np.max(np.abs(run.v)) < 1e-6               # V: I_ion(0) balances (V_L = 0.026 mV)


def test_action_potential_propagates_from_site():
    res = senn_threshold(20e-6, cathode(2e-3), rect(100e-6))
    run = senn_simulate(20e-6, cathode(2e-3), rect(100e-6), res.amplitude, record_every=0)
    assert run.fired and run.status == "ap"
    tc = run.t_cross[res.site:run.detect_node + 1]
    assert np.all(np.diff(tc) > 0)                    # travels away from the site
    below = senn_simulate(20e-6, cathode(2e-3), rect(100e-6), res.lower, record_every=0)
    assert not below.fired


def test_site_follows_electrode_and_fibre_direction():
    D = 20e-6
    L = 100 * D
    src = (-5 * L, 2e-3, 0.0)                          # above node 20 of a +x fibre

    def ve(p):
        return point_source_potential(p, src, -1.0, RHO_E)

    a = senn_threshold(D, ve, rect(100e-6))
    b = senn_threshold(D, ve, rect(100e-6), direction=(-1.0, 0.0, 0.0))
    assert a.site == 20 and b.site == 30
    assert abs(a.amplitude / b.amplitude - 1.0) < 1e-6


def test_not_reached_up_to_ceiling():
    res = senn_threshold(20e-6, cathode(2e-3), rect(100e-6), max_amplitude=0.5e-3)
    assert not res.reached
    assert res.amplitude == math.inf and res.site == -1
    assert res.max_amplitude == 0.5e-3
    assert "not reached up to" in str(res)


def test_unpacks_as_amplitude_site_time():
    res = senn_threshold(20e-6, cathode(2e-3), rect(200e-6))
    amplitude, site, time = res
    assert (amplitude, site, time) == (res.amplitude, res.site, res.time)


def test_point_source_potential():
    pts = np.array([[0.0, 0.0, 0.0], [3e-3, 4e-3, 0.0]])
    v = point_source_potential(pts, (0.0, 0.0, 2e-3), -1e-3, 3.0)
    r = np.array([2e-3, math.sqrt(9e-6 + 16e-6 + 4e-6)])
    np.testing.assert_allclose(v, 3.0 * -1e-3 / (4 * math.pi * r), rtol=1e-14)
    with pytest.raises(CoilsimValueError, match="source_pos"):
        point_source_potential(pts, (0.0, 0.0, 0.0), 1.0, 3.0)


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(diameter=0.0), CoilsimValueError, "diameter"),
    (dict(diameter=-1e-6), CoilsimValueError, "diameter"),
    (dict(ve=np.array([0.0, np.nan, 0.0])), CoilsimValueError, "ve"),
    (dict(ve=np.zeros(1)), CoilsimValueError, "ve"),
    (dict(ve=np.zeros(2)), CoilsimValueError, "ve"),
    (dict(ve=np.zeros((3, 3))), CoilsimTypeError, "ve"),
    (dict(n_nodes=50), CoilsimValueError, "n_nodes"),
    (dict(n_nodes=1), CoilsimValueError, "n_nodes"),
    (dict(ve=lambda p: np.full(len(p), np.nan)), CoilsimValueError, "ve"),
    (dict(waveform=([0.0, 1e-4], [1.0, np.nan])), CoilsimValueError, "waveform"),
    (dict(waveform=([1e-4, 0.0], [1.0, 1.0])), CoilsimValueError, "waveform"),
    (dict(waveform=lambda t: np.ones_like(t)), CoilsimValueError, "duration"),
    (dict(dt=0.0), CoilsimValueError, "dt"),
    (dict(rel_tol=0.0), CoilsimValueError, "rel_tol"),
    (dict(max_amplitude=-1.0), CoilsimValueError, "max_amplitude"),
])
def test_bad_input_names_argument(kwargs, exc, name):
    args = dict(diameter=20e-6, ve=cathode(2e-3), waveform=rect(100e-6))
    args.update(kwargs)
    with pytest.raises(exc, match=name) as info:
        senn_threshold(args.pop("diameter"), args.pop("ve"), args.pop("waveform"), **args)
    assert isinstance(info.value, CoilsimError)


def test_array_ve_and_n_nodes_must_agree():
    ve = cathode(2e-3)(senn_node_positions(20e-6, 21))
    with pytest.raises(CoilsimValueError, match="n_nodes"):
        senn_threshold(20e-6, ve, rect(100e-6), n_nodes=51)
