"""TissueModel: kinds, regions, depth, frames, mesh files, pyvista export."""

from __future__ import annotations

import math

import numpy as np
import pytest

import coilsim as cs
from coilsim.errors import CoilsimError, CoilsimValueError
from coilsim.tissue import mesh


def test_planar_regions_and_depth():
    leg = cs.TissueModel.planar([("skin", 1e-3, 0.2), ("fat", 4e-3, 0.04), ("muscle", math.inf, 0.34)])
    z = np.array([0.5e-3, 2e-3, 10e-3, -1e-3])
    pts = np.c_[0 * z, 0 * z, -z]
    np.testing.assert_array_equal(leg.region(pts), [0, 1, 2, -1])
    np.testing.assert_allclose(leg.depth(pts), z)
    assert leg.muscle_regions == ("muscle",)
    np.testing.assert_allclose(leg.conductivity_at(pts[:3]), [0.2, 0.04, 0.34])


def test_cylinder_layers_have_inset_end_caps():
    leg = cs.TissueModel.cylinder([("skin", 0.002, 0.2), ("muscle", 0.03, 0.34)], length=0.2,
                                  max_edge=0.01)
    s = leg.surfaces()
    assert [x.name for x in s] == ["skin", "muscle"] and [x.parent for x in s] == [-1, 0]
    assert s[0].vertices[:, 2].max() == pytest.approx(0.1)
    assert s[1].vertices[:, 2].max() == pytest.approx(0.098)      # inset by the skin thickness
    pts = np.array([[0.0, 0.031, 0.0], [0.0, 0.0, 0.099], [0.0, 0.0, 0.0], [0.0, 0.0, 0.11]])
    np.testing.assert_array_equal(leg.region(pts), [0, 0, 1, -1])


def test_calf_regions_follow_the_surfaces_and_bones():
    leg = cs.load_tissue("child_7_10y", max_edge=0.012)
    geo = leg.geometry
    z = geo.z_at(0.4)
    tib = geo.bone_centre("tibia", z)
    pts = np.array([[tib[0], tib[1], z], [0.0, 0.0, z], [0.0, 0.3, z]])
    names = np.array(leg.regions + ("outside",))[leg.region(pts)]
    assert names[0] == "tibia_marrow" and names[1] == "muscle" and names[2] == "outside"
    p, n = leg.motor_point("medial_gastrocnemius")
    assert leg.depth((p - 0.01 * n)[None])[0] == pytest.approx(0.01, abs=5e-4)
    assert len(cs.load_tissue("child_7_10y", bones="none", max_edge=0.012).surfaces()) == 3


def test_from_mesh_files_and_containment(tmp_path):
    pv = pytest.importorskip("pyvista")
    v, f = mesh.icosphere(0.05, 0.01)
    vi, fi = mesh.icosphere(0.02, 0.01)
    for name, (vv, ff) in (("outer.stl", (v, f)), ("inner.ply", (vi, fi))):
        pv.PolyData(vv, np.hstack([np.full((len(ff), 1), 3), ff]).ravel()).save(tmp_path / name)
    leg = cs.TissueModel.from_meshes([(str(tmp_path / "outer.stl"), 0.3),
                                      (str(tmp_path / "inner.ply"), 0.1)], names=["body", "core"])
    assert [s.parent for s in leg.surfaces()] == [-1, 0]
    np.testing.assert_array_equal(leg.region([[0, 0, 0], [0.03, 0, 0], [0.06, 0, 0]]), [1, 0, -1])
    blocks = leg.to_pyvista()
    assert blocks.n_blocks == 2 and blocks["core"].n_cells == len(fi)
    with pytest.raises(CoilsimValueError, match="not found"):
        cs.TissueModel.from_meshes([(str(tmp_path / "missing.stl"), 0.3)])


def test_mesh_options_are_validated():
    with pytest.raises(CoilsimError, match="unknown mesh option"):
        cs.TissueModel.sphere(0.04, 0.3, max_edg=0.01)
    with pytest.raises(CoilsimError):
        cs.TissueModel.sphere(0.04, 0.3, max_edge=-1.0)
    leg = cs.TissueModel.sphere(0.04, 0.3, max_edge=0.01).with_mesh(max_edge=0.02)
    assert leg.options.max_edge == 0.02


def test_surface_h_min_refines_only_the_named_surfaces():
    """A finer skin (its charge sets the field under a coil on edge): the named surface is graded
    from its own h_min, the others keep the model's."""
    kw = dict(h_min=3e-3, growth=0.05, max_edge=8e-3, focus=(0.0, 0.0, 0.04))
    base = cs.TissueModel.sphere([0.04, 0.034], [0.2, 0.34], **kw)
    fine = cs.TissueModel.sphere([0.04, 0.034], [0.2, 0.34], surface_h_min={"shell0": 1e-3}, **kw)
    nb, nf = ([len(s.faces) for s in m.surfaces()] for m in (base, fine))
    assert nf[0] > 2 * nb[0] and nf[1] == nb[1]
    s = fine.surfaces()[0]
    near = np.linalg.norm(s.vertices[s.faces].mean(1) - [0, 0, 0.04], axis=1) < 3e-3
    edges = np.linalg.norm(np.diff(s.vertices[s.faces][near][:, [0, 1, 2, 0]], axis=1), axis=-1)
    assert edges.max() <= 1e-3 * (1 + 0.05 * 3) + 1e-9
    # kept by with_mesh, and on the calf by surface name
    assert fine.with_mesh(growth=0.06).options.surface_h_min == (("shell0", 1e-3),)
    calf = cs.load_tissue("child_7_10y", bones="none", max_edge=0.012)
    n0 = [len(s.faces) for s in calf.surfaces()]
    n1 = [len(s.faces) for s in calf.with_mesh(surface_h_min={"skin": 1e-3}).surfaces()]
    assert n1[0] > n0[0] and n1[1:] == n0[1:]


def test_surface_h_min_is_validated():
    kw = dict(h_min=3e-3, max_edge=8e-3, focus=(0.0, 0.0, 0.04))
    with pytest.raises(CoilsimValueError, match="no surface 'skin'.*shell0"):
        cs.TissueModel.sphere(0.04, 0.3, surface_h_min={"skin": 1e-3}, **kw)
    with pytest.raises(CoilsimValueError, match="focus"):
        cs.TissueModel.sphere(0.04, 0.3, surface_h_min={"shell0": 1e-3}, max_edge=8e-3)
    with pytest.raises(CoilsimError, match="surface_h_min"):
        cs.TissueModel.sphere(0.04, 0.3, surface_h_min={"shell0": -1e-3}, **kw)
    for bad in (5e-3, 0.0):
        with pytest.raises(CoilsimError, match="surface_h_min"):
            cs.TissueModel.sphere(0.04, 0.3, surface_h_min=bad, **kw)
    with pytest.raises(CoilsimValueError, match="no surface"):
        cs.load_tissue("child_7_10y", bones="none").with_mesh(surface_h_min={"tibia_cortex": 1e-3})
