"""BEM on a slab against the planar closed form (issue 4: "the two methods check each other").

A slab's top face is the skin of the planar model (z = 0). Its finite width is the only
difference from the half-space (the planar field has E_z ≡ 0, so the flat faces carry no charge);
:func:`coilsim.benchmarks.accuracy_efield.slab_rim_correction` gives that difference exactly, so a
narrow slab checks the BEM to the same 1 % as the wide slab of the benchmark cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import coilsim as cs
from coilsim.benchmarks.accuracy_efield import (SLAB_TILTS, slab_coil, slab_points,
                                                slab_rim_correction, slab_tissue)
from coilsim.metrics import field_error

PLANAR = [("muscle", math.inf, 0.34)]


def test_rim_correction_meets_the_rim_condition_and_falls_off_at_least_as_the_cube_of_the_width():
    """No BEM: the correction cancels the z-mean normal field on the rim, and for a figure-eight
    (a quadrupole source) its size near the coil falls off at least as R⁻³ (measured: 7.9×, 8.2×,
    12× from R = 0.25 to 0.5 m; the 45°-about-y rim field is mostly the faster n = 2 mode)."""
    planar = cs.TissueModel.planar(PLANAR)
    pts = slab_points(np.random.default_rng(1), 200)
    for axis, deg in SLAB_TILTS.values():
        fp = cs.solve_efield(slab_coil(axis, deg), planar)
        ep = fp.E(pts)
        R, T = 0.15, 0.04
        phi = np.linspace(0.0, 2 * np.pi, 90, endpoint=False)
        zg, wz = np.polynomial.legendre.leggauss(8)
        rim = np.stack(np.broadcast_arrays(R * np.cos(phi)[:, None], R * np.sin(phi)[:, None],
                                           -0.5 * T * (1 - zg)[None, :]), -1).reshape(-1, 3)
        e = fp.E(rim) + slab_rim_correction(fp.E, rim, R, T)
        er = (e[:, 0] * np.repeat(np.cos(phi), 8) + e[:, 1] * np.repeat(np.sin(phi), 8)).reshape(90, 8)
        er0 = np.abs((fp.E(rim)[:, 0] * np.repeat(np.cos(phi), 8)
                      + fp.E(rim)[:, 1] * np.repeat(np.sin(phi), 8))).max()
        assert np.abs(er @ (0.5 * wz)).max() <= 1e-3 * er0
        err = [field_error(ep + slab_rim_correction(fp.E, pts, r, 0.05), ep) for r in (0.25, 0.5)]
        assert err[0] / err[1] >= 7.5, (axis, err)
        assert err[1] <= 0.002                  # the benchmark slab's width costs ≤ 0.2 %


@pytest.mark.slow
def test_narrow_slab_bem_matches_planar_plus_rim_correction():
    """R = 150 mm, 40 mm thick: the BEM differs from the half-space by 3–8 % near the coil, all of
    it the rim (the old '1.3 %, 2.1 %, 0.65 %, independent of the mesh' puzzle); with the rim
    correction the two agree to 1 % (0.05 %, 0.73 %, 0.36 % on this mesh of 11k triangles)."""
    R, T = 0.15, 0.04
    tissue, faces = slab_tissue(R, T, h_min=2e-3, growth=0.25, max_edge=0.03)
    planar = cs.TissueModel.planar(PLANAR)
    pts = slab_points(np.random.default_rng(0), 300)
    direct = {}
    for key, (axis, deg) in SLAB_TILTS.items():
        coil = slab_coil(axis, deg)
        fp = cs.solve_efield(coil, planar)
        ep = fp.E(pts)
        eb = cs.solve_efield(coil, tissue).E(pts)
        ref = ep + slab_rim_correction(fp.E, pts, R, T)
        assert field_error(eb, ref) <= 0.01, (key, field_error(eb, ref))
        direct[key] = field_error(eb, ep)
    assert direct["tiltx45"] >= 0.05, direct   # the correction is what makes them agree


def _slab_cases():
    from coilsim.benchmarks import accuracy_efield
    from coilsim.benchmarks.suite import Registry
    reg = Registry()
    accuracy_efield.register(reg)
    return reg


@pytest.mark.slow
def test_wide_slab_acceptance_cases():
    """The benchmark cases (disc 1 m across): BEM against the planar closed form itself, 1 %.
    One Context, so the three orientations share one operator (~30 s, 23k unknowns)."""
    from coilsim.benchmarks.suite import Context, run_case
    reg, ctx = _slab_cases(), Context(quick=False)
    for key in SLAB_TILTS:
        r = run_case(reg[f"efield_slab_planar_{key}"], ctx)
        assert r["passed"], (key, r["error"], r["tolerance"], r["exception"])
        assert r["details"]["finite_width_error"] <= 0.002
