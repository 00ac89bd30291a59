"""Tissue model files, conductivity table, mixing rule and the anatomical calf geometry."""

import re

import numpy as np
import pytest

from coilsim.errors import CoilFileError, CoilsimValueError
from coilsim.tissue import anatomy as A
from coilsim.tissue import conductivity as C
from coilsim.tissue import io
from coilsim.tissue import mesh as M

FILES = io.list_tissue_files()
GROUPS = ["child_4_6y", "child_7_10y", "child_11_14y"]
_SOURCE = re.compile(r"(19|20)\d\d|REFERENCES\.md|assumption|\.toml|https?://", re.I)


def test_all_files_listed():
    assert set(FILES) == {"child_4_6y", "child_7_10y", "child_11_14y", "adult",
                          "child_4_6y_cp", "child_7_10y_cp", "child_11_14y_cp"}


@pytest.mark.parametrize("name", FILES)
def test_file_loads_with_provenance(name):
    spec = io.read_tissue_file(name)
    assert spec.name == name and spec.kind == "calf" and spec.side == "right"
    for key in spec.parameters:
        assert _SOURCE.search(spec.provenance[key]), (name, key)
    for key in spec.composition:
        assert _SOURCE.search(spec.provenance[key]), (name, key)
    assert set(spec.conductivities) == set(C.conductivity_table())
    assert all(s > 0 for s in spec.conductivities.values())
    sc = spec.surface_conductivities()
    assert set(sc) == set(A.SURFACE_NAMES)
    g = spec.geometry()
    assert g.circumference == spec.parameters["circumference"]


@pytest.mark.parametrize("name", FILES)
def test_geometry_sane(name):
    g = io.read_tissue_file(name).geometry()
    surf = g.surfaces(max_edge=0.012, check=True)  # checks each surface and neighbours' disjointness
    assert [s[0] for s in surf] == list(A.SURFACE_NAMES)
    assert M.containment_tree(surf) == [-1, 0, 1, 2, 3, 2, 5]
    # circumference of the skin mesh at the widest section within 1 % of the given value
    v, f = surf[0][1], surf[0][2]
    zw = float(g.z_at(g.widest_fraction)) + 1e-7
    perim = _section_perimeter(v, f, zw)
    assert abs(perim / g.circumference - 1) < 0.01, perim
    # tapered towards the ankle
    assert abs(_section_perimeter(v, f, -0.5 * g.length + 1e-4) / (g.ankle_ratio * g.circumference) - 1) < 0.02
    # layer thicknesses on the posterior midline at mid-calf
    z = float(g.z_at(0.4))
    for nm, d in (("fat", g.skin), ("muscle", g.skin + g.fat)):
        _, _, a, b = g.section(nm, z)
        assert np.isclose(g.depth(np.array([0.0, float(b), z])), d, rtol=0.01)  # taper tilts the normal


def _section_perimeter(v, f, z0):
    """Length of the polygon where the plane z = z0 cuts a closed surface, m."""
    d = v[:, 2] - z0
    tri = f[np.sum(d[f] > 0, axis=1) % 3 != 0]
    total = 0.0
    for t in tri:
        pts = []
        for i in range(3):
            a, b = t[i], t[(i + 1) % 3]
            if (d[a] > 0) != (d[b] > 0):
                s = d[a] / (d[a] - d[b])
                pts.append(v[a] + s * (v[b] - v[a]))
        total += np.linalg.norm(pts[0] - pts[1])
    return total


@pytest.mark.parametrize("group", GROUPS)
def test_cp_variants_smaller_and_fattier(group):
    td, cp = io.read_tissue_file(group), io.read_tissue_file(group + "_cp")
    for key in ("circumference", "gastrocnemius", "soleus", "length", "tibia_diameter", "tibia_cortex"):
        assert cp.parameters[key] < td.parameters[key], key
    assert cp.composition["intramuscular_fat_fraction"] > 0
    assert cp.conductivities["muscle"] < td.conductivities["muscle"]
    f = cp.composition["intramuscular_fat_fraction"]
    assert np.isclose(cp.conductivities["muscle"], C.effective_muscle_conductivity(f, cp.composition["mixing"]))


def test_adult_has_yellow_marrow():
    assert io.read_tissue_file("adult").conductivities["marrow"] == 0.003
    assert io.read_tissue_file("child_4_6y").conductivities["marrow"] == 0.1


@pytest.mark.parametrize("rule", C.MIXING_RULES)
def test_mixing_rule_limits_and_wiener_bounds(rule):
    sm, sf = C.conductivity("muscle"), C.conductivity("fat")
    assert np.isclose(C.mix_conductivity(sm, sf, 0.0, rule), sm)
    assert np.isclose(C.mix_conductivity(sm, sf, 1.0, rule), sf)
    f = np.linspace(0, 1, 101)
    s = C.mix_conductivity(sm, sf, f, rule)
    lo, hi = C.wiener_bounds(sm, sf, f)
    assert np.all(s >= lo - 1e-12) and np.all(s <= hi + 1e-12)
    assert np.all(np.diff(s) < 0)
    # first order in f: both rules agree with the dilute limit dσ/df = 3σm(σf−σm)/(σf+2σm)
    eps = 1e-6
    slope = (C.mix_conductivity(sm, sf, eps, rule) - sm) / eps
    assert np.isclose(slope, 3 * sm * (sf - sm) / (sf + 2 * sm), rtol=1e-4)


def test_mixing_rule_errors():
    with pytest.raises(CoilsimValueError, match="fraction"):
        C.mix_conductivity(0.34, 0.04, 1.5)
    with pytest.raises(CoilsimValueError, match="mixing rule"):
        C.mix_conductivity(0.34, 0.04, 0.1, "wiener")


def test_conductivity_table_and_overrides():
    t = C.conductivity_table()
    assert t["muscle"] == 0.34 and t["skin"] == 0.2 and t["fat"] == 0.04 and t["cortical_bone"] == 0.02
    for e in C.conductivity_entries().values():
        assert e.range[0] <= e.default <= e.range[1] and e.source
    assert C.conductivity("muscle", {"muscle": 0.3}) == 0.3
    with pytest.raises(CoilsimValueError, match="unknown tissue 'musle'"):
        C.conductivity_table({"musle": 0.3})
    with pytest.raises(CoilsimValueError, match="> 0"):
        C.conductivity_table({"muscle": 0.0})
    with pytest.raises(CoilsimValueError, match="> 0"):
        C.conductivity_table({"muscle": float("nan")})
    with pytest.raises(CoilsimValueError, match="unknown tissue"):
        C.conductivity("bone")


BASE = io._models_dir() / "child_4_6y.toml"


def _write(tmp_path, text):
    p = tmp_path / "leg.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("edit, match", [
    (lambda s: s + "\n[extra]\nx = 1\n", r"unknown key\(s\) \['extra'\] in \[top level\]"),
    (lambda s: s.replace('kind = "calf"', 'kind = "calf"\ncolour = "red"'), r"\['colour'\] in \[tissue\]"),
    (lambda s: s.replace("skin = 0.001\n", "skin = 0.001\nskinn = 0.001\n", 1), r"\['skinn'\] in \[tissue.parameters\]"),
    (lambda s: s.replace('kind = "calf"', 'kind = "arm"'), "tissue.kind"),
    (lambda s: s.replace('side = "right"', 'side = "up"'), "tissue.side"),
    (lambda s: re.sub(r'\nsoleus = "[^"]*"', "", s), "missing provenance for 'soleus'"),
    (lambda s: s.replace("[tissue.provenance]", "[tissue.conductivity]\nmusle = 0.3\n\n[tissue.provenance]"), "unknown tissue 'musle'"),
    (lambda s: s.replace("[tissue.provenance]", "[tissue.conductivity]\nmuscle = -0.3\n\n[tissue.provenance]"), "> 0"),
    (lambda s: s.replace("[tissue.provenance]", "[tissue.conductivity]\nmuscle = 0.3\n\n[tissue.provenance]"), "conductivity.muscle|provenance.conductivity"),
    (lambda s: s.replace("[tissue.provenance]", "[tissue.composition]\nintramuscular_fat_fraction = 1.5\n\n[tissue.provenance]"), "intramuscular_fat_fraction"),
    (lambda s: s.replace("tibia_diameter = 0.0135", "tibia_diameter = 0.05"), "tibia"),
    (lambda s: s.replace("circumference = 0.24", "circumference = 24.0"), "circumference"),
    (lambda s: s.replace("skin = 0.001\n", 'skin = "thin"\n', 1), "tissue.parameters.skin"),
    (lambda s: s.replace("length = 0.272\n", "", 1), "length"),
    (lambda s: s.replace("[tissue.parameters]", '[tissue.parameters]\nside = "left"'), "side"),
    (lambda s: s.replace("ankle_ratio = 0.6", "ankle_ratio = 0.6\nankle_ratio = 0.7"), "not valid TOML"),
])
def test_schema_errors_named(tmp_path, edit, match):
    p = _write(tmp_path, edit(BASE.read_text()))
    with pytest.raises(CoilFileError, match=match) as exc:
        io.read_tissue_file(p)
    assert "leg.toml" in str(exc.value)


def test_unknown_model_name():
    with pytest.raises(CoilFileError, match="child_4_6y"):
        io.read_tissue_file("toddler")


def test_geometry_functions():
    g = io.read_tissue_file("child_4_6y").geometry()
    # surface frame: on the skin, unit outward normal; posterior at angle 0, medial (+x) at +90°
    p, n = g.surface_frame(0.41, 0.0)
    assert abs(g.depth(p)) < 1e-9 and np.isclose(np.linalg.norm(n), 1) and n[1] > 0.99
    p, n = g.surface_frame(0.5, np.pi / 2)
    assert p[0] > 0 and n[0] > 0.99
    p, n = g.surface_frame(0.8, 0.0)  # tapering: the normal tilts distally (-z)
    assert n[2] < 0
    # motor points at the stated fractions, z = length/2 - fraction * length
    for name, (frac, _) in A.MOTOR_POINTS.items():
        p, n = g.motor_point(name)
        assert np.isclose(p[2], g.length / 2 - frac * g.length)
        assert abs(g.depth(p)) < 1e-9
    pm, _ = g.motor_point("medial_gastrocnemius")
    pl, _ = g.motor_point("lateral_gastrocnemius")
    assert pm[0] > 0 > pl[0]
    # left leg mirrors x
    gl = A.calf_geometry(**io.read_tissue_file("child_4_6y").parameters, side="left")
    assert np.allclose(gl.motor_point("medial_gastrocnemius")[0] * (-1, 1, 1), pm)
    assert np.allclose(np.array(gl.bone_centre("tibia", 0.0)) * (-1, 1), g.bone_centre("tibia", 0.0))
    # tibia antero-medial, fibula postero-lateral, at the REFERENCES fractions at mid-calf
    z = float(g.z_at(0.25))  # above the widest section: no taper, section distance = depth
    tx, ty = g.bone_centre("tibia", z)
    fx, fy = g.bone_centre("fibula", z)
    _, _, a, b = g.skin_section(z)
    assert np.allclose([tx / a, ty / b, fx / a, fy / b], [0.25, -0.45, -0.35, 0.10])
    # labels along the posterior midline at 0.4 of the length
    d0 = g.skin + g.fat
    _, _, a, b = g.skin_section(z)
    depth = np.array([0.5 * g.skin, d0 + 0.5 * g.gastrocnemius, d0 + g.gastrocnemius + 0.5 * g.soleus,
                      d0 + g.gastrocnemius + g.soleus + 2e-3])
    pts = np.stack([np.zeros(4), b - depth, np.full(4, z)], 1)
    assert np.allclose(g.depth(pts), depth, atol=1e-9)
    assert list(g.muscle_label(pts)) == ["other", "gastrocnemius", "soleus", "other"]
    anterior = pts * (1, -1, 1)
    assert set(g.muscle_label(anterior)) == {"other"}
    # distal to the gastrocnemius, the soleus lies right under the fat
    zd = float(g.z_at(0.7))
    _, _, _, bd = g.skin_section(zd)
    assert g.muscle_label(np.array([0.0, bd - d0 - 1e-3, zd])) == "soleus"
    with pytest.raises(CoilsimValueError, match="fraction"):
        g.surface_frame(1.2, 0.0)
    with pytest.raises(CoilsimValueError, match="motor point"):
        g.motor_point("tibialis")


def test_depth_accurate():
    g = io.read_tissue_file("child_7_10y").geometry()
    # points along inward normals at known distances from the skin
    p, n = g.surface_frame(np.array([0.2, 0.45, 0.6, 0.8]), np.array([0.3, -1.0, 2.0, 0.0]))
    for d in (0.002, 0.01, 0.02):
        assert np.allclose(g.depth(p - d * n), d, rtol=2e-3)


def test_calf_geometry_validation():
    kw = dict(io.read_tissue_file("child_4_6y").parameters)
    with pytest.raises(CoilsimValueError, match="side"):
        A.calf_geometry(**kw, side="middle")
    bad = dict(kw, tibia_cortex=0.01)
    with pytest.raises(CoilsimValueError, match="tibia_cortex"):
        A.calf_geometry(**bad)
    bad = dict(kw, fat=0.03)
    with pytest.raises(CoilsimValueError, match="no muscle"):
        A.calf_geometry(**bad)
    bad = dict(kw, circumference=24.0)
    with pytest.raises(CoilsimValueError, match="metres"):
        A.calf_geometry(**bad)


def test_graded_surfaces_child():
    g = io.read_tissue_file("child_4_6y").geometry()
    p, _ = g.motor_point("medial_gastrocnemius")
    surf = g.surfaces(max_edge=0.01, focus=p, h_min=0.002, check=True)
    v, f = surf[0][1], surf[0][2]
    e = np.unique(np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1), axis=0)
    mid = 0.5 * (v[e[:, 0]] + v[e[:, 1]])
    length = np.linalg.norm(v[e[:, 1]] - v[e[:, 0]], axis=1)
    dist = np.linalg.norm(mid - p, axis=1)
    assert np.all(length <= np.clip(0.002 + 0.25 * dist, 0.002, 0.01) + 1e-12)
    assert length[dist < 0.003].max() <= 0.00275
    assert length.max() <= 0.01
    only_soft = g.surfaces(max_edge=0.01, focus=p, bones="none", check=False)
    assert [s[0] for s in only_soft] == ["skin", "fat", "muscle"]
