"""MRG double cable: published geometry, the block-tridiagonal stepper against a dense solve,
and thresholds against NEURON (the stored reference table of benchmarks/neuron_reference.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coilsim.benchmarks import neuron_reference as NR
from coilsim.errors import CoilsimTypeError, CoilsimValueError
from coilsim.nerves import mrg_geometry, mrg_simulate, mrg_threshold, point_source_potential
from coilsim.nerves.mrg import MRG_TABLE, mrg_geometry as geom_of
import coilsim.pulses as P

import naive


def test_geometry_reproduces_the_published_table():
    for D, spacing, flut, axon, node, lam in MRG_TABLE:
        g = mrg_geometry(D * 1e-6)
        assert (g.node_spacing, g.flut_length, g.axon_diameter, g.node_diameter, g.lamellae) == \
            pytest.approx((spacing * 1e-6, flut * 1e-6, axon * 1e-6, node * 1e-6, lam), rel=1e-12)
        # node + 2 MYSA + 2 FLUT + 6 STIN fill the internode exactly
        assert g.section_lengths().sum() == pytest.approx(g.node_spacing, rel=1e-12)


def test_geometry_interpolates_between_entries():
    g = mrg_geometry(12.15e-6)                   # halfway between 11.5 and 12.8
    assert g.node_spacing == pytest.approx(1300e-6)
    assert g.lamellae == pytest.approx(132.5)


def test_geometry_outside_range():
    for d in (5e-6, 17e-6):
        with pytest.raises(CoilsimValueError, match="extrapolate"):
            mrg_geometry(d)
    assert mrg_geometry(17e-6, extrapolate=True).extrapolated


def test_passive_cable_matches_a_dense_solve():
    from coilsim.nerves.senn import _waveform_steps
    D, n_nodes, dt = 10e-6, 5, 5e-6
    g = geom_of(D)
    arc = g.compartment_offsets(n_nodes)
    arc -= 0.5 * arc[-1]
    pts = np.stack([arc, np.zeros_like(arc), np.zeros_like(arc)], axis=1)
    ve = point_source_potential(pts, (0.0, 0.5e-3, 0.0), -1.0, 5.0)
    pulse = P.rectangular(100e-6)
    wbar, _ = _waveform_steps(pulse, dt, None)
    amp, n_steps = 2e-5, 60
    run = mrg_simulate(D, ve, pulse, amp, membrane="passive", t_stop=n_steps * dt, record_every=1)
    dense = naive.mrg_dense_passive(D, np.arange(-1, n_nodes - 1), lambda j, sec: ve[j], wbar, amp,
                                    dt, n_steps)
    v = run.v[1:] - (-80e-3)                 # the run may stop early once quiet
    assert v.shape[0] >= 25
    dense = dense[:v.shape[0]]
    assert np.max(np.abs(dense)) > 1e-3          # a real test: millivolts of polarisation
    assert np.max(np.abs(v - dense)) < 1e-9 * np.max(np.abs(dense))


def test_rest_is_quiet_and_a_strong_cathode_fires():
    ve = lambda p: point_source_potential(p, (0.0, 1e-3, 0.0), -1.0, 5.0)
    r0 = mrg_simulate(10e-6, ve, P.rectangular(100e-6), 0.0, n_nodes=21, t_stop=3e-3)
    assert not r0.fired and np.all(np.abs(r0.v + 80e-3) < 0.5e-3)
    r1 = mrg_simulate(10e-6, ve, P.rectangular(100e-6), 1e-3, n_nodes=21)
    assert r1.fired and np.argmin(r1.t_cross) == 10
    assert np.all((0.01 < r1.v_max[13:17]) & (r1.v_max[13:17] < 0.05))   # propagated overshoot ≈ +30 mV


def test_conduction_velocity_in_the_published_range():
    """MRG 2002 (fig. 3): conduction velocity ≈ 5–6 m/s per µm of fibre diameter at 37 °C."""
    n = 41
    ve = lambda p: point_source_potential(p, (-15 * 1.15e-3, 1e-3, 0.0), -1.0, 5.0)
    r = mrg_simulate(10e-6, ve, P.rectangular(100e-6), 0.3e-3, n_nodes=n, ap_threshold=-30e-3)
    assert r.fired
    # the run stops when node 36 fires; time the AP between nodes 10 and 30
    tc = r.t_cross
    v = 20 * 1.15e-3 / (tc[30] - tc[10])
    assert 40 < v < 70


def test_bad_inputs():
    with pytest.raises(CoilsimValueError, match="compartments"):
        mrg_threshold(10e-6, np.zeros(30), P.rectangular(1e-4))
    with pytest.raises(CoilsimValueError, match="NaN"):
        mrg_threshold(10e-6, np.full(21 * 11 - 10, np.nan), P.rectangular(1e-4))
    with pytest.raises(CoilsimValueError, match="outside"):
        mrg_threshold(4e-6, np.zeros(21 * 11 - 10), P.rectangular(1e-4))


def test_not_reached_is_reported():
    ve = lambda p: point_source_potential(p, (0.0, 1e-3, 0.0), -1.0, 5.0)
    r = mrg_threshold(10e-6, ve, P.rectangular(100e-6), n_nodes=21, max_amplitude=1e-6)
    assert not r.reached and "not reached up to 1e-06" in str(r)


# --------------------------------------------------------------------------- NEURON


def test_against_neuron_reference_table():
    """Every stored NEURON case (point and smooth fields; four waveforms; 5.7–16 µm) within 2 %."""
    rows = NR.read_table()
    assert len(rows) >= 8
    pulses = NR.waveforms()
    worst = 0.0
    for r in rows:
        cs = NR.coilsim_threshold(float(r["diameter_um"]), r["field"], pulses[r["waveform"]],
                                  int(r["n_nodes"]), rel_tol=2e-3)
        worst = max(worst, abs(cs.amplitude / float(r["neuron_threshold"]) - 1.0))
    assert worst <= 0.02
