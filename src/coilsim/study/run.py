"""``run(scenario) -> Results``: coil, leg, field, fibres, thresholds, activation depth, heating.

Two stages, so that sweeps can reuse the expensive one:

1. :func:`field_stage` (what the solved field determines, cached by :meth:`Scenario.field_digest`):
   place the coil, solve the E-field (``cs.solve_efield``), sample it on a leg-conforming grid
   around the coil (layers, depth profile, d½ V½ S½) and integrate the quasi-potential
   ``V_e = -∫E·dl`` along the fibre paths (one path per depth, following the skin) on a fine arc
   grid. The result, :class:`FieldData`, is arrays only: it pickles and saves as ``.npz``.
2. :func:`evaluate` (cheap): per fibre family and waveform the estimator's thresholds at every
   depth, activation depth at the scenario's intensity, up to ten nonlinear-model (MRG/SENN)
   thresholds that check the key numbers, pulse energy and coil heating.

All fields are per unit dI/dt (V/m per A/s); thresholds are peak dI/dt in A/s and, for a
stimulator waveform, the intensity (fraction of maximum output) that delivers it.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from ..errors import CoilsimError, CoilsimValueError
from .scenario import FAMILIES, Scenario, ScenarioError, _NERVE_DEFAULTS, _OUTPUT_DEFAULTS

log = logging.getLogger(__name__)

__all__ = ["run", "field_stage", "evaluate", "Results", "FieldData", "FamilyThresholds",
           "Confirmation", "EFieldSummary", "PulseSummary", "build_coil", "build_tissue",
           "build_stimulator", "place_coil", "versions"]

#: arc step (m) between fibre-path vertices (Gauss points on each step; V_e splined between them:
#: the spline error in the activating function is ~1e-4 of it for fields varying over >= 5 mm)
ARC_STEP = 1.0e-3
#: Gauss–Legendre points per arc step
GAUSS_ORDER = 3


# ---------------------------------------------------------------------------- building blocks


def _nerves(scenario):
    d = dict(_NERVE_DEFAULTS)
    d.update(scenario.section("nerves"))
    return d


def _output(scenario):
    d = dict(_OUTPUT_DEFAULTS)
    d.update(scenario.section("output"))
    return d


def build_coil(scenario: Scenario):
    """The scenario's coil in its own frame (a built-in or file coil, builder overrides applied)."""
    import coilsim as cs
    from ..coils import io as cio
    sec = scenario.section("coil")
    overrides = {k: v for k, v in sec.items() if k not in ("name", "file", "builder")}
    where = scenario.source
    try:
        if not overrides and "builder" not in sec:
            return cs.load_coil(sec.get("file") or sec["name"])
        from .scenario import _coil_file
        base = _coil_file(where, sec)
        builder, params, casing, label = base if base else (sec["builder"], {}, 0.0, sec["builder"])
        if "builder" in sec and base and sec["builder"] != base[0]:
            builder, params = sec["builder"], {}
        params.update({k: v for k, v in overrides.items() if k != "casing_offset"})
        if "conductor" in params:
            params["conductor"] = tuple(params["conductor"])
        casing = overrides.get("casing_offset", casing)
        name = label if not overrides else f"{label} (modified)"
        c = cio.BUILDERS[builder](**params, casing_offset=casing, name=name)
        c.metadata.update({"builder": builder, "parameters": params})
        return c
    except ScenarioError:
        raise
    except CoilsimError as exc:
        raise ScenarioError(f"{where}: [coil]: {exc}; fix the coil parameters") from exc
    except TypeError as exc:
        raise ScenarioError(f"{where}: [coil]: {exc}; check the builder's parameters") from exc


MESH_KEYS = ("max_edge", "h_min", "growth", "bones")


def build_tissue(scenario: Scenario):
    """The scenario's tissue model: a built-in or file calf (with any measurement overrides of a
    given child, and the ``[solver]`` mesh options max_edge, h_min, growth, bones), or a planar
    model. The mesh focus is set by :func:`place_coil` (the coil site)."""
    import coilsim as cs
    from ..tissue.io import read_tissue_file
    sec = scenario.section("tissue")
    solver = scenario.section("solver")
    where = scenario.source
    try:
        if sec.get("kind") == "planar":
            layers = [(str(n), float(t), float(s)) for n, t, s in sec["layers"]]
            return cs.TissueModel.planar(layers, name=sec.get("name", "planar"))
        spec = read_tissue_file(sec["model"])
        params = dict(spec.parameters)
        overrides = {k: v for k, v in sec.items() if k not in ("model", "kind", "name", "side")}
        params.update({k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()})
        mesh = {k: solver[k] for k in MESH_KEYS if k in solver}
        name = sec.get("name") or (spec.name if not overrides else f"{spec.name} (measured)")
        return cs.TissueModel.calf(**params, side=sec.get("side", spec.side),
                                   conductivities=dict(spec.conductivities), name=name, **mesh)
    except CoilsimError as exc:
        raise ScenarioError(f"{where}: [tissue]: {exc}; fix the tissue model or its measurements") from exc


def build_stimulator(scenario: Scenario):
    """The scenario's :class:`~coilsim.Stimulator` (a preset or the given circuit)."""
    from ..pulses import Stimulator
    sec = scenario.section("stimulator")
    try:
        if "preset" in sec:
            return Stimulator.preset(sec["preset"])
        kw = {k: sec[k] for k in ("capacitance", "max_voltage", "resistance", "mode",
                                   "internal_inductance", "damping_resistance") if k in sec}
        return Stimulator(**kw, name="custom")
    except CoilsimError as exc:
        raise ScenarioError(f"{scenario.source}: [stimulator]: {exc}") from exc


def _is_planar(tissue) -> bool:
    return getattr(tissue, "kind", "") == "planar" or getattr(tissue, "geometry", None) is None


def _site(scenario, tissue):
    """(fraction, angle rad) of the placement site on a calf; None for a planar model."""
    if _is_planar(tissue):
        return None
    from ..tissue.anatomy import MOTOR_POINTS
    sec = scenario.section("placement")
    if "fraction" in sec or "angle_deg" in sec:
        return float(sec.get("fraction", 0.41)), math.radians(float(sec.get("angle_deg", 30.0)))
    f, a = MOTOR_POINTS[sec.get("site", "medial_gastrocnemius")]
    return float(f), float(a)


def _frame(tissue, site):
    if site is None:
        return np.zeros(3), np.array([0.0, 0.0, 1.0])
    p, n = tissue.surface_frame(site[0], site[1])
    return np.asarray(p, dtype=float), np.asarray(n, dtype=float)


def _frames(tissue, fractions, angles):
    """Vectorised (points, normals) on a calf's skin."""
    p, n = tissue.geometry.surface_frame(fractions, angles)
    return np.asarray(p, dtype=float), np.asarray(n, dtype=float)


def _rotate(v, axis, angle):
    axis = axis / np.linalg.norm(axis)
    return (v * math.cos(angle) + np.cross(axis, v) * math.sin(angle)
            + axis * (axis @ v) * (1 - math.cos(angle)))


def place_coil(scenario, coil, tissue):
    """(placed coil, tissue (its mesh focused on the site), skin point (3,), outward normal (3,),
    coil +x direction (3,))."""
    sec = scenario.section("placement")
    site = _site(scenario, tissue)
    p, n = _frame(tissue, site)
    axial = np.array([0.0, 0.0, 1.0]) if site is not None else np.array([1.0, 0.0, 0.0])
    d0 = axial - (axial @ n) * n
    d0 /= np.linalg.norm(d0)
    d = _rotate(d0, n, math.radians(float(sec.get("rotation_deg", 0.0))))
    gap = float(sec.get("gap", 0.0))
    placed = coil.placed(p + gap * n, n, d)
    _check_outside(scenario, placed, tissue)
    if site is not None and "focus" not in scenario.section("solver"):
        tissue = tissue.with_mesh(focus=p)       # finest mesh under the coil
    return placed, tissue, p, n, d


def _check_outside(scenario, coil, tissue):
    pts = np.concatenate(coil.polylines())
    if _is_planar(tissue):
        depth = -pts[:, 2]
    else:
        depth = np.asarray(tissue.depth(pts), dtype=float)
    r = coil.wires[0].bundle.equivalent_radius if coil.wires else 0.0
    worst = float(depth.max()) + r
    if worst > 0:
        k = int(np.argmax(depth))
        raise ScenarioError(
            f"{scenario.source}: placement: the coil's windings lie {worst * 1e3:.3g} mm inside the leg "
            f"(at {np.round(pts[k] * 1e3, 1).tolist()} mm); increase placement.gap, check coil.casing_offset, "
            "or check the coil's units (m)")


# ---------------------------------------------------------------------------- fibre paths


def fiber_paths(scenario, tissue, point, normal, direction):
    """(depths (k,), paths (k, m, 3)): one polyline per depth, vertices every ARC_STEP along it,
    following the skin at constant depth (calf) or straight (planar)."""
    nv = _nerves(scenario)
    depths = np.linspace(float(nv["depth_min"]), float(nv["depth_max"]), int(nv["depth_count"]))
    length = float(nv["fiber_length"])
    m = int(round(length / ARC_STEP)) + 1
    s = np.linspace(-0.5 * length, 0.5 * length, m)
    site = _site(scenario, tissue)
    if site is None:
        u = np.array([1.0, 0.0, 0.0]) if nv["direction"] == "axial" else np.array([0.0, 1.0, 0.0])
        top = point[None, :] + s[:, None] * u[None, :]
        paths = top[None, :, :] - depths[:, None, None] * normal[None, None, :]
        return depths, paths
    geom = tissue.geometry
    f0, a0 = site
    if nv["direction"] == "axial":
        # fractions along the leg: the arc of the skin line at this angle, then resampled uniformly
        ff = f0 + np.linspace(-0.6, 0.6, 1201) * length / geom.length
        ff = np.clip(ff, 0.01, 0.99)
        pts, nrm = _frames(tissue, ff, np.full_like(ff, a0))
    else:
        R = 0.5 * geom.circumference / math.pi
        aa = a0 + np.linspace(-0.6, 0.6, 1201) * length / R * geom.sign
        pts, nrm = _frames(tissue, np.full_like(aa, f0), aa)
    pts, nrm = np.asarray(pts, dtype=float), np.asarray(nrm, dtype=float)
    paths = np.empty((depths.size, m, 3))
    for k, d in enumerate(depths):
        line = pts - d * nrm
        cum = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(line, axis=0), axis=1))))
        mid = np.interp(0.0, np.arange(len(cum)) - 600, cum)  # arc of the site (index 600)
        if cum[0] > mid - 0.5 * length or cum[-1] < mid + 0.5 * length:
            raise ScenarioError(f"{scenario.source}: nerves.fiber_length = {length:g} m: the fibres run "
                                "past the end of the leg; shorten them or move the site")
        target = mid + s
        paths[k] = np.stack([np.interp(target, cum, line[:, i]) for i in range(3)], axis=-1)
    inside = np.asarray(tissue.depth(paths.reshape(-1, 3)), dtype=float).reshape(paths.shape[:2])
    if inside.min() <= 0:
        k = int(np.argmin(inside.min(axis=1)))
        raise ScenarioError(f"{scenario.source}: nerves: the fibre at depth {depths[k] * 1e3:.3g} mm leaves the "
                            "leg; lower nerves.depth_max / nerves.fiber_length or move the site")
    return depths, paths


def _gauss_points(paths):
    """Gauss points (k, m-1, g, 3), weights (g,), tangents (k, m-1, 3), lengths (k, m-1)."""
    xg, wg = np.polynomial.legendre.leggauss(GAUSS_ORDER)
    a, b = paths[:, :-1], paths[:, 1:]
    d = b - a
    h = np.linalg.norm(d, axis=-1)
    t = d / h[..., None]
    f = 0.5 * (1.0 + xg)
    pts = a[:, :, None, :] + f[None, None, :, None] * d[:, :, None, :]
    return pts, wg, t, h


def _ve_from_samples(E, wg, t, h):
    """V_e (k, m) at the path vertices from E at the Gauss points (k, m-1, g, 3); V_e[:, 0] = 0."""
    et = np.einsum("kmgc,kmc->kmg", E, t)
    piece = 0.5 * h * (et @ wg)
    out = np.zeros((piece.shape[0], piece.shape[1] + 1))
    out[:, 1:] = -np.cumsum(piece, axis=1)
    return out


# ---------------------------------------------------------------------------- sampling grid


def _grid(scenario, tissue, point, normal, direction):
    """Leg-conforming grid (nu, nv, nd, 3) around the site and its depth levels (nd,)."""
    out = _output(scenario)
    h = float(out["grid_spacing"])
    ext = float(out["grid_extent"])
    nv_ = _nerves(scenario)
    n = int(round(ext / h)) + 1
    u = np.linspace(-0.5 * ext, 0.5 * ext, n)
    dmax = float(nv_["depth_max"])
    # levels every h/2 down to 20 mm (where the half-maximum volume lies), then every h
    levels = list(np.arange(0.5 * h, min(dmax, 0.02) + 1e-12, 0.5 * h))
    levels += list(np.arange(0.02 + h, dmax + 1e-12, h))
    geom = getattr(tissue, "geometry", None)
    for name, top in _layer_tops(tissue).items():
        if top > 0:
            levels += [top + 1e-4]
    first = min([t for t in _layer_tops(tissue).values() if t > 0], default=None)
    if first is not None:
        levels += [0.5 * first]
    levels = np.unique(np.round(np.asarray(levels), 9))
    levels = levels[levels <= dmax + 1e-12]
    site = _site(scenario, tissue)
    if site is None:
        e1 = np.array([1.0, 0.0, 0.0])
        e2 = np.cross(normal, e1)
        top = point + u[:, None, None] * e1 + u[None, :, None] * e2
        nrm = np.broadcast_to(normal, top.shape)
    else:
        f0, a0 = site
        R = 0.5 * geom.circumference / math.pi
        F = np.clip(f0 - u / geom.length, 0.0, 1.0)      # +u proximal
        A = a0 + u / R * geom.sign                        # +u around the leg
        FF, AA = np.meshgrid(F, A, indexing="ij")
        top, nrm = _frames(tissue, FF, AA)
        top, nrm = np.asarray(top, dtype=float), np.asarray(nrm, dtype=float)
    pts = top[:, :, None, :] - levels[None, None, :, None] * nrm[:, :, None, :]
    return pts, levels


def _layer_tops(tissue) -> dict:
    """{layer: depth of its top, m} for calf and planar models (empty otherwise)."""
    geom = getattr(tissue, "geometry", None)
    if geom is not None:
        return {"skin": 0.0, "fat": float(geom.skin), "muscle": float(geom.skin + geom.fat)}
    if getattr(tissue, "kind", "") == "planar":
        out, z = {}, 0.0
        for l in tissue.layers:
            out[l.name] = z
            z += l.thickness
        return out
    return {}


def _cell_volumes(pts):
    """Volume (m³) attributed to each point of a curvilinear grid (nu, nv, nd, 3)."""
    du = np.gradient(pts, axis=0)
    dv = np.gradient(pts, axis=1)
    dd = np.gradient(pts, axis=2)
    return np.abs(np.einsum("...i,...i->...", np.cross(du, dv), dd))


# ---------------------------------------------------------------------------- field stage


@dataclass(frozen=True, eq=False)
class FieldData:
    """Everything the solved field determines for a study (arrays only; picklable, ``.npz``).

    Per unit dI/dt: E in V/m per A/s, V_e in V per A/s. ``paths`` (k, m, 3) m, one per depth in
    ``depths`` (k,) m, with ``ve`` (k, m) at their vertices; ``grid`` (nu, nv, nd, 3) m with
    ``grid_E`` (same, 3), ``grid_region`` (nu, nv, nd) int (index into ``regions``, -1 outside),
    ``grid_depth`` (nd,) m the depth of each level and ``grid_volume`` (nu, nv, nd) m³;
    ``profile_depth`` (p,) m and ``profile_E`` (p, 3) along the inward normal under the site.
    """

    key: str
    coil_name: str
    tissue_name: str
    tissue_kind: str
    regions: tuple
    inductance: float
    site_point: np.ndarray
    site_normal: np.ndarray
    coil_direction: np.ndarray
    depths: np.ndarray
    paths: np.ndarray
    ve: np.ndarray
    grid: np.ndarray
    grid_E: np.ndarray
    grid_region: np.ndarray
    grid_depth: np.ndarray
    grid_volume: np.ndarray
    profile_depth: np.ndarray
    profile_E: np.ndarray
    layer_tops: dict
    solver: dict
    timings: dict

    _ARRAYS = ("site_point", "site_normal", "coil_direction", "depths", "paths", "ve", "grid",
               "grid_E", "grid_region", "grid_depth", "grid_volume", "profile_depth", "profile_E")

    def save(self, path) -> None:
        """Write ``path`` (.npz) atomically."""
        path = Path(path)
        meta = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self._ARRAYS}
        meta["regions"] = list(self.regions)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, _meta=np.array(json.dumps(meta)), **{k: getattr(self, k) for k in self._ARRAYS})
        tmp.replace(path)

    @classmethod
    def load(cls, path) -> "FieldData":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["_meta"]))
            arrays = {k: z[k] for k in cls._ARRAYS}
        meta["regions"] = tuple(meta["regions"])
        return cls(**meta, **arrays)


def _solver_report(field) -> dict:
    rep = getattr(field, "report", None)
    if rep is None:
        return {}
    try:
        d = asdict(rep)
    except TypeError:
        d = dict(getattr(rep, "__dict__", {}))
    return json.loads(json.dumps(d, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))


def field_stage(scenario, progress=None) -> FieldData:
    """Place the coil, solve the field and sample it (stage 1; see the module docstring)."""
    import coilsim as cs
    scenario = Scenario.coerce(scenario)
    step = progress or (lambda name: None)
    t = {}
    t0 = time.perf_counter()
    step("coil and leg")
    ckey = json.dumps(scenario.section("coil"), sort_keys=True)
    coil = _memo(("coil", ckey), lambda: build_coil(scenario))
    tissue = build_tissue(scenario)
    L = _memo(("inductance", ckey), lambda: float(coil.inductance()))
    placed, tissue, p, n, d = place_coil(scenario, coil, tissue)
    depths, paths = fiber_paths(scenario, tissue, p, n, d)
    grid, levels = _grid(scenario, tissue, p, n, d)
    t["setup"] = time.perf_counter() - t0

    step("E-field solve")
    t1 = time.perf_counter()
    solver = {k: v for k, v in scenario.section("solver").items() if k not in MESH_KEYS}
    try:
        field = cs.solve_efield(placed, tissue, **solver)
    except TypeError as exc:
        raise ScenarioError(f"{scenario.source}: [solver]: {exc}; remove the keys cs.solve_efield "
                            "does not take") from exc
    t["solve"] = time.perf_counter() - t1

    step("E-field sampling")
    t2 = time.perf_counter()
    gp, wg, tang, h = _gauss_points(paths)
    pdepth = np.linspace(0.0, float(_nerves(scenario)["depth_max"]), 141)[1:]
    pprof = p[None, :] - pdepth[:, None] * n[None, :]
    allp = np.concatenate([gp.reshape(-1, 3), grid.reshape(-1, 3), pprof])
    a, b = gp.size // 3, gp.size // 3 + grid.size // 3
    reg_all = np.asarray(tissue.region(allp), dtype=np.int64)
    if np.any(reg_all[:a] < 0):
        bad = np.flatnonzero(reg_all[:a] < 0)
        kd = int(bad[0] // (gp.shape[1] * gp.shape[2]))
        raise ScenarioError(
            f"{scenario.source}: nerves: the fibre at depth {depths[kd] * 1e3:.3g} mm runs outside the "
            f"tissue mesh at {bad.size} sample points; raise nerves.depth_min (the skin mesh may sit up "
            "to half the skin thickness inside the true skin) or shorten nerves.fiber_length")
    inside = reg_all >= 0
    E = np.full(allp.shape, np.nan)
    E[inside] = np.asarray(field.E(allp[inside]), dtype=float)
    if not np.all(np.isfinite(E[inside])):
        raise CoilsimValueError("the solved field returned non-finite values at the sample points; "
                                "check the tissue model and the solver")
    ve = _ve_from_samples(E[:a].reshape(gp.shape), wg, tang, h)
    gE = E[a:b].reshape(grid.shape)
    pE = E[b:]
    region = reg_all[a:b].reshape(grid.shape[:-1])
    t["sampling"] = time.perf_counter() - t2
    tops = _layer_tops(tissue)
    regions = tuple(str(r) for r in getattr(tissue, "regions", ()))
    t["total"] = time.perf_counter() - t0
    return FieldData(
        key=scenario.field_digest(), coil_name=coil.name, tissue_name=str(getattr(tissue, "name", "")),
        tissue_kind=str(getattr(tissue, "kind", "")), regions=regions, inductance=L,
        site_point=p, site_normal=n, coil_direction=d, depths=depths, paths=paths, ve=ve, grid=grid,
        grid_E=gE, grid_region=region, grid_depth=levels, grid_volume=_cell_volumes(grid),
        profile_depth=pdepth, profile_E=pE, layer_tops=tops, solver=_solver_report(field), timings=t)


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class EFieldSummary:
    """E-field per unit dI/dt (V/m per A/s) and its depth/spread metrics (DESIGN.md).

    ``layer_peak``: {region: max |E|} on the sampling grid; ``E_max``: max |E| in muscle and
    deeper tissue (its surface); ``d_half`` (m), ``V_half`` (m³), ``S_half`` (m²);
    ``skin_peak``: max |E| in the skin; ``profile_depth`` (p,) m and ``profile`` (p,) |E| under
    the site; ``level_depth`` (nd,) m and ``level_max`` (nd,) the max |E| at each depth level.
    """

    layer_peak: dict
    E_max: float
    d_half: float
    V_half: float
    S_half: float
    skin_peak: float
    profile_depth: np.ndarray
    profile: np.ndarray
    level_depth: np.ndarray
    level_max: np.ndarray


def efield_summary(fd: FieldData) -> EFieldSummary:
    mag = np.nan_to_num(np.linalg.norm(fd.grid_E, axis=-1), nan=0.0)
    reg = fd.grid_region
    layer_peak = {}
    for i, name in enumerate(fd.regions):
        m = reg == i
        if m.any():
            layer_peak[name] = float(mag[m].max())
    muscle_top = fd.layer_tops.get("muscle")
    if muscle_top is None:
        mi = fd.regions.index("muscle") if "muscle" in fd.regions else (len(fd.regions) - 1)
        lv = np.where((reg == mi).any(axis=(0, 1)))[0]
        muscle_top = float(fd.grid_depth[lv[0]]) if lv.size else 0.0
    deep = (fd.grid_depth >= muscle_top)[None, None, :] & (reg >= 0)
    E_max = float(mag[deep].max()) if deep.any() else math.nan
    level_max = np.array([mag[:, :, k][(reg[:, :, k] >= 0)].max() if (reg[:, :, k] >= 0).any()
                          else 0.0 for k in range(mag.shape[2])])
    dl = fd.grid_depth
    ok = dl >= muscle_top
    d_half = math.nan
    if ok.any() and E_max > 0:
        dd, mm = dl[ok], level_max[ok]
        above = np.where(mm >= 0.5 * E_max)[0]
        if above.size:
            k = int(above.max())
            d_half = float(dd[k])
            if k + 1 < dd.size and mm[k + 1] < 0.5 * E_max:   # linear crossing between levels
                f = (mm[k] - 0.5 * E_max) / (mm[k] - mm[k + 1])
                d_half = float(dd[k] + f * (dd[k + 1] - dd[k]))
    V_half = float(fd.grid_volume[deep & (mag >= 0.5 * E_max)].sum()) if deep.any() else math.nan
    S_half = V_half / d_half if d_half and d_half > 0 else math.nan
    skin = layer_peak.get("skin", float(level_max[0]) if level_max.size else math.nan)
    return EFieldSummary(layer_peak=layer_peak, E_max=E_max, d_half=d_half, V_half=V_half,
                         S_half=S_half, skin_peak=skin, profile_depth=fd.profile_depth,
                         profile=np.linalg.norm(fd.profile_E, axis=-1), level_depth=dl,  # NaN outside
                         level_max=level_max)


@dataclass(frozen=True)
class FamilyThresholds:
    """Estimated thresholds of one fibre family (probe fibres at increasing depths).

    ``thresholds`` (n_waveforms, k) A/s of peak dI/dt; ``intensity`` (n_waveforms, k): the
    fraction of that waveform's stimulator output (NaN for a bare pulse shape; > 1: out of
    reach); ``activation_depth`` (m): the deepest fibre whose threshold (first waveform) is at or
    below the scenario's drive (NaN: none fires). ``model`` "mrg" or "senn"; ``node`` the SENN
    node membrane, "fh" or "crrss" (None for MRG).
    """

    name: str
    diameter: float
    model: str
    depths: np.ndarray
    thresholds: np.ndarray
    intensity: np.ndarray
    sites: np.ndarray
    activation_depth: float
    min_threshold: float
    min_depth: float
    node: str | None = None


@dataclass(frozen=True)
class Confirmation:
    """One nonlinear-model threshold that checks the estimator (A/s of peak dI/dt)."""

    family: str
    waveform: str
    depth: float
    why: str
    estimate: float
    nonlinear: float
    ratio: float
    seconds: float


@dataclass(frozen=True)
class PulseSummary:
    """The scenario's pulse at its intensity and what it costs (SI units)."""

    stimulator: str
    mode: str
    intensity: float
    inductance: float
    duration: float
    peak_di_dt: float
    max_di_dt: float
    peak_current: float
    energy_stored: float
    energy_dissipated: float
    energy_returned: float
    coil_heat_per_pulse: float
    rate: float
    max_rate: float
    train_pulses: int
    coil_temperature_end: float
    train_limit_pulses: float
    notes: tuple


@dataclass(frozen=True)
class Results:
    """What :func:`run` returns: small frozen arrays and numbers (no live solver objects).

    ``waveforms``: names, the first is the scenario's stimulator; ``families``: one
    :class:`FamilyThresholds` each; ``activation_depth``: {family: m} at the scenario's
    intensity; ``confirmations``: the nonlinear-model checks; ``efield``: :class:`EFieldSummary`;
    ``pulse``: :class:`PulseSummary`; ``field``: the :class:`FieldData` (grids for figures and VTK);
    ``timings`` (s) and ``versions``.
    """

    scenario: Scenario
    coil_name: str
    tissue_name: str
    waveforms: tuple
    waveform_max_drive: np.ndarray
    families: tuple
    activation_depth: dict
    confirmations: tuple
    efield: EFieldSummary
    pulse: PulseSummary
    field: FieldData
    timings: dict
    versions: dict

    def family(self, name) -> FamilyThresholds:
        for f in self.families:
            if f.name == name:
                return f
        raise KeyError(f"no family {name!r}; have {[f.name for f in self.families]}")

    def threshold_table(self):
        """Long table (pandas): family, waveform, depth_m, threshold_A_per_s, threshold_intensity."""
        import pandas as pd
        rows = []
        for f in self.families:
            for w, wname in enumerate(self.waveforms):
                for k, d in enumerate(f.depths):
                    rows.append({"family": f.name, "diameter_m": f.diameter, "model": f.model,
                                 "waveform": wname, "depth_m": float(d),
                                 "threshold_A_per_s": float(f.thresholds[w, k]),
                                 "threshold_intensity": float(f.intensity[w, k])})
        return pd.DataFrame(rows)

    def summary_rows(self) -> list:
        """One dict per family: the numbers a sweep tabulates (unit-suffixed keys)."""
        drive = self.pulse.peak_di_dt
        rows = []
        for f in self.families:
            rows.append({
                "family": f.name, "diameter_m": f.diameter, "model": f.model,
                "waveform": self.waveforms[0],
                "threshold_A_per_s": f.min_threshold,
                "threshold_intensity": f.min_threshold / self.pulse.max_di_dt,
                "threshold_depth_m": f.min_depth,
                "activation_depth_m": f.activation_depth,
                "intensity": self.pulse.intensity,
                "peak_di_dt_A_per_s": drive,
                "E_max_V_per_m": self.efield.E_max * drive,
                "skin_E_max_V_per_m": self.efield.skin_peak * drive,
                "d_half_m": self.efield.d_half, "V_half_m3": self.efield.V_half,
                "S_half_m2": self.efield.S_half,
                "inductance_H": self.pulse.inductance,
                "pulse_energy_J": self.pulse.energy_stored,
                "pulse_loss_J": self.pulse.energy_dissipated,
                "coil_heat_per_pulse_J": self.pulse.coil_heat_per_pulse,
                "coil_temperature_end_C": self.pulse.coil_temperature_end,
            })
        return rows

    def to_dict(self) -> dict:
        """JSON-ready summary (no grids)."""
        def clean(x):
            if isinstance(x, np.ndarray):
                return clean(x.tolist())
            if isinstance(x, float):
                return x if math.isfinite(x) else None
            if isinstance(x, (list, tuple)):
                return [clean(v) for v in x]
            if isinstance(x, dict):
                return {k: clean(v) for k, v in x.items()}
            if isinstance(x, (np.floating, np.integer)):
                return clean(x.item())
            return x
        ef = asdict(self.efield)
        return clean({
            "scenario": self.scenario.to_dict(), "coil": self.coil_name, "tissue": self.tissue_name,
            "waveforms": list(self.waveforms),
            "waveform_max_di_dt_A_per_s": self.waveform_max_drive,
            "activation_depth_m": self.activation_depth,
            "families": [{k: v for k, v in asdict(f).items() if k != "sites"} for f in self.families],
            "confirmations": [asdict(c) for c in self.confirmations],
            "efield_per_A_per_s": {k: v for k, v in ef.items()},
            "pulse": asdict(self.pulse), "solver": self.field.solver,
            "inductance_H": self.field.inductance, "timings_s": self.timings,
            "versions": self.versions,
        })


# ---------------------------------------------------------------------------- evaluation

#: per-process memo of things a sweep recomputes at every point (bounded; keyed by content)
_MEMO: dict = {}


def _memo(key, make):
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) > 4096:
            _MEMO.clear()
        hit = _MEMO[key] = make()
    return hit


def _stim_key(stim):
    return (stim.name, stim.mode, stim.capacitance, stim.max_voltage, stim.resistance,
            stim.internal_inductance, stim.damping_resistance)


def _stim_pulse(stim, L):
    """The stimulator's pulse into ``L``, one object per (device, L): the estimator caches its
    filtered-waveform table per pulse object."""
    return _memo(("pulse",) + _stim_key(stim) + (L,), lambda: stim.pulse(L))


def _waveforms(scenario, stim, L):
    """[(name, pulse, max drive A/s or NaN)]: the scenario's stimulator first."""
    from .. import pulses as P
    from ..pulses import Stimulator
    nv = _nerves(scenario)
    out = [(f"{stim.name or 'stimulator'} ({stim.mode})", _stim_pulse(stim, L), stim.peak_di_dt(L, 1.0))]
    for w in nv["waveforms"]:
        if w == "stimulator":
            continue
        if isinstance(w, str):
            s = Stimulator.preset(w)
            if s.name == stim.name:
                continue
            out.append((f"{w} ({s.mode})", _stim_pulse(s, L), s.peak_di_dt(L, 1.0)))
        else:
            shape = w["shape"]
            args = {k: float(v) for k, v in w.items() if k not in ("shape", "name")}
            pulse = _memo(("shape", shape, tuple(sorted(args.items()))), lambda: getattr(P, shape)(**args))
            label = w.get("name") or f"{shape} " + ", ".join(f"{k} {v * 1e6:.0f} µs" for k, v in args.items())
            out.append((label, pulse, math.nan))
    return out


def _families(scenario, fd):
    nv = _nerves(scenario)
    out = []
    for f in nv["families"]:
        spec = dict(FAMILIES[f]) if isinstance(f, str) else dict(f)
        name = f if isinstance(f, str) else f["name"]
        lo = spec.get("depth_min", 0.0)
        hi = spec.get("depth_max", math.inf)
        if hi == "subcutis":
            t = fd.layer_tops
            hi = t.get("muscle", math.inf)
        if lo == "subcutis":
            lo = fd.layer_tops.get("muscle", 0.0)
        model = spec.get("model", "mrg")
        node = spec.get("node", "fh" if model == "senn" else None)
        out.append((name, float(spec["diameter"]), model, float(lo), float(hi), node))
    return out


def _fiber(fd, k, diameter, model, node=None):
    from ..nerves import Fiber
    return Fiber(fd.paths[k], diameter, model, extrapolate=diameter > 16e-6 and model == "mrg",
                 depth=float(fd.depths[k]), node=node)


def _ve_at(fd, k, arc):
    from scipy.interpolate import CubicSpline
    cum = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(fd.paths[k], axis=0), axis=1))))
    return CubicSpline(cum, fd.ve[k])(np.clip(arc, 0.0, cum[-1]))


def _family_thresholds(fd, name, diameter, model, lo, hi, waves, drive, polarity, node=None):
    from ..nerves import Estimator
    idx = np.where((fd.depths >= lo - 1e-12) & (fd.depths <= hi + 1e-12))[0]
    if idx.size == 0:
        idx = np.array([0])
    est = Estimator.default(model, min(max(diameter, 5.7e-6 if model == "mrg" else 10e-6),
                                       16e-6 if model == "mrg" else 20e-6), node)
    fibers = [_memo(("fiber", fd.key, int(k), diameter, model, node),
                    lambda k=k: _fiber(fd, k, diameter, model, node)) for k in idx]
    thr = np.full((len(waves), idx.size), np.inf)
    site = np.zeros((len(waves), idx.size, 3))
    groups = {}
    for j, fib in enumerate(fibers):
        groups.setdefault(fib.n_nodes, []).append(j)
    for n, js in groups.items():
        ve = np.array([_memo(("ve", fd.key, int(idx[j]), diameter, model, node),
                             lambda j=j: _ve_at(fd, idx[j], fibers[j].node_arc)) for j in js])
        for w, (_, pulse, _) in enumerate(waves):
            p = pulse if polarity == "given" else pulse.reversed()
            t, s = est.thresholds(ve, p, return_site=True)
            thr[w, js] = t
            for jj, j in enumerate(js):
                site[w, j] = fibers[j].nodes[max(int(s[jj]), 0)]
    maxd = np.array([m for _, _, m in waves])
    inten = thr / maxd[:, None]
    depths = fd.depths[idx]
    fired = thr[0] <= drive
    act = float(depths[fired].max()) if fired.any() else math.nan
    k = int(np.argmin(thr[0]))
    return FamilyThresholds(name=name, diameter=diameter, model=model, depths=depths,
                            thresholds=thr, intensity=inten, sites=site, activation_depth=act,
                            min_threshold=float(thr[0, k]), min_depth=float(depths[k]), node=node), idx


def _nonlinear(fd, k, diameter, model, pulse, polarity, ceiling, node=None):
    from ..nerves import mrg as _mrg
    from ..nerves.senn import senn_threshold
    fib = _fiber(fd, k, diameter, model, node)
    p = pulse if polarity == "given" else pulse.reversed()
    if model == "mrg":
        ve = _ve_at(fd, k, fib.compartment_arc())
        r = _mrg.mrg_threshold(diameter, ve, p, rel_tol=0.01, passive_ends=True,
                               extrapolate=fib.extrapolate, max_amplitude=ceiling)
    else:
        ve = _ve_at(fd, k, fib.node_arc)
        r = senn_threshold(diameter, ve, p, rel_tol=0.01, max_amplitude=ceiling, node=fib.node)
    return float(r.amplitude) if r.reached else math.inf


def _confirmations(scenario, fd, fams, fam_idx, waves, polarity, progress, drive):
    n = int(_nerves(scenario)["confirm"])
    if n <= 0:
        return ()
    plan = []
    for f, idx in zip(fams, fam_idx):
        j = int(np.argmin(f.thresholds[0]))
        plan.append((f, idx, j, 0, "lowest threshold"))
    f0, i0 = fams[0], fam_idx[0]
    fired = np.where(f0.thresholds[0] <= drive)[0]
    if fired.size:
        j = int(fired.max())
        plan.append((f0, i0, j, 0, "activation depth (deepest firing)"))
        if j + 1 < f0.depths.size:
            plan.append((f0, i0, j + 1, 0, "activation depth (next deeper)"))
    for w in range(1, len(waves)):
        plan.append((f0, i0, int(np.argmin(f0.thresholds[w])), w, "lowest threshold"))
    seen, out = set(), []
    for f, idx, j, w, why in plan:
        key = (f.name, j, w)
        if key in seen or len(out) >= n:
            continue
        seen.add(key)
        if progress:
            progress(f"nonlinear threshold {len(out) + 1}/{min(n, len(plan))}")
        t = time.perf_counter()
        est = float(f.thresholds[w, j])
        ceiling = max(20.0 * est, 1.0) if math.isfinite(est) else None
        val = _nonlinear(fd, int(idx[j]), f.diameter, f.model, waves[w][1], polarity, ceiling, f.node)
        out.append(Confirmation(family=f.name, waveform=waves[w][0], depth=float(f.depths[j]), why=why,
                                estimate=est, nonlinear=val,
                                ratio=est / val if val > 0 and math.isfinite(val) else math.nan,
                                seconds=time.perf_counter() - t))
    return tuple(out)


def _pulse_summary(scenario, stim, coil, L):
    from ..pulses.thermal import CoilThermal
    sec = scenario.section("stimulator")
    x = float(sec.get("intensity", 0.5))
    rate = float(sec.get("rate", 20.0))
    n = int(sec.get("train_pulses", 1000))
    dis = stim.discharge(L, x)
    en = dis.energy
    notes = []
    max_rate = stim.max_rate_at(x)
    if rate > max_rate:
        notes.append(f"stimulator {stim.name or 'custom'!r} allows at most {max_rate:g} Hz at intensity "
                     f"{x:g}; the heating below assumes {rate:g} Hz")
    heat = temp = limit = math.nan
    try:
        th = CoilThermal.from_coil(coil)
        heat = _memo(("heat", coil.wire_length(), str(coil.conductor)) + _stim_key(stim) + (L, x),
                     lambda: th.pulse_heat(dis))
        temp = float(th.temperature(n, rate, heat))
        limit = float(th.train_limit(rate, heat).pulses)
    except CoilsimError as exc:
        notes.append(f"coil heating not computed: {exc}")
    return PulseSummary(stimulator=stim.name or "custom", mode=stim.mode, intensity=x, inductance=L,
                        duration=float(dis.duration), peak_di_dt=float(dis.peak_di_dt),
                        max_di_dt=float(stim.peak_di_dt(L, 1.0)), peak_current=float(dis.peak_current),
                        energy_stored=float(en.stored), energy_dissipated=float(en.dissipated),
                        energy_returned=float(en.returned), coil_heat_per_pulse=float(heat),
                        rate=rate, max_rate=float(max_rate), train_pulses=n,
                        coil_temperature_end=temp, train_limit_pulses=limit, notes=tuple(notes))


def versions() -> dict:
    import numba
    import scipy
    import coilsim
    return {"coilsim": coilsim.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "numba": numba.__version__,
            "platform": platform.platform()}


def evaluate(scenario, fd: FieldData, progress=None, *, timings=None) -> Results:
    """Stage 2: thresholds, activation depth, confirmations, pulse and heating from ``fd``."""
    scenario = Scenario.coerce(scenario)
    step = progress or (lambda name: None)
    t = dict(timings or {})
    t0 = time.perf_counter()
    step("thresholds (estimator)")
    import json as _json
    coil = _memo(("coil", _json.dumps(scenario.section("coil"), sort_keys=True)), lambda: build_coil(scenario))
    stim = build_stimulator(scenario)
    L = fd.inductance
    pulse = _pulse_summary(scenario, stim, coil, L)
    waves = _waveforms(scenario, stim, L)
    polarity = _nerves(scenario)["polarity"]
    fams, idxs = [], []
    for name, D, model, lo, hi, node in _families(scenario, fd):
        f, idx = _family_thresholds(fd, name, D, model, lo, hi, waves, pulse.peak_di_dt, polarity, node)
        fams.append(f)
        idxs.append(idx)
    t["estimator"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    conf = _confirmations(scenario, fd, fams, idxs, waves, polarity, step, pulse.peak_di_dt)
    t["nonlinear"] = time.perf_counter() - t1
    summary = efield_summary(fd)
    t["evaluate"] = time.perf_counter() - t0
    return Results(scenario=scenario, coil_name=fd.coil_name, tissue_name=fd.tissue_name,
                   waveforms=tuple(w[0] for w in waves),
                   waveform_max_drive=np.array([w[2] for w in waves]), families=tuple(fams),
                   activation_depth={f.name: f.activation_depth for f in fams},
                   confirmations=conf, efield=summary, pulse=pulse, field=fd, timings=t,
                   versions=versions())


#: the stage names :func:`run` reports to ``progress`` (in order; confirmations add one each)
STAGES = ("coil and leg", "E-field solve", "E-field sampling", "thresholds (estimator)")


def run(scenario=None, *, progress=None, cache_dir=None) -> Results:
    """Run a study: ``scenario`` is a :class:`Scenario`, a TOML path, a dict or None (the default).

    ``progress``: optional callable receiving each stage's name as it starts. ``cache_dir``:
    reuse (and store) the solved-field samples there, keyed by :meth:`Scenario.field_digest`.
    Returns :class:`Results`.
    """
    scenario = Scenario.coerce(scenario)
    t0 = time.perf_counter()
    fd = None
    if cache_dir is not None:
        from .sweep import _load_field, _store_field
        fd = _load_field(cache_dir, scenario.field_digest())
    if fd is None:
        fd = field_stage(scenario, progress)
        if cache_dir is not None:
            _store_field(cache_dir, fd)
    timings = {f"field_{k}": v for k, v in fd.timings.items()}
    res = evaluate(scenario, fd, progress, timings=timings)
    res.timings["total"] = time.perf_counter() - t0
    return res
