"""EField: the induced field of one coil in one tissue model, per unit dI/dt."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import as_points, real_scalar
from ..errors import CoilsimValueError
from .planar import planar_efield
from .primary import vector_potential

__all__ = ["EField", "SolveReport", "Focality"]


@dataclass(frozen=True)
class SolveReport:
    """What a solve did: ``method`` ("planar closed form" or "bem"), ``unknowns`` (triangles),
    GMRES ``iterations`` and relative ``residual`` (target ``rtol``), ``seconds`` per step, and
    whether the tissue's operator was reused from an earlier solve."""

    method: str
    unknowns: int = 0
    iterations: int = 0
    residual: float = 0.0
    rtol: float = 0.0
    seconds: dict = field(default_factory=dict)
    operator_reused: bool = False
    surfaces: tuple = ()


@dataclass(frozen=True)
class Focality:
    """Depth and spread of the field (DESIGN.md), per unit dI/dt: ``e_max`` (V/m per A/s) on the
    muscle surface, ``d_half`` (m), ``v_half`` (m³), ``s_half`` = V½/d½ (m²), and the grid
    ``spacing`` (m) they were measured on."""

    e_max: float
    d_half: float
    v_half: float
    s_half: float
    spacing: float


class EField:
    """E = dI/dt · e(r) with e = −A/I − ∇φ; build it with :func:`coilsim.solve_efield`."""

    def __init__(self, coil, tissue, *, operator=None, rho=None, report=None):
        self.coil = coil
        self.tissue = tissue
        self._op = operator
        self._rho = rho
        self.report = report

    def __repr__(self):
        return (f"EField(coil={self.coil.name or 'coil'!r}, tissue={self.tissue.name!r}, "
                f"method={self.report.method!r})")

    # ------------------------------------------------------------------ fields
    def primary(self, points) -> np.ndarray:
        """Primary field −A (V/m per A/s) at points (..., 3) m, anywhere."""
        return -self.coil.A(points)

    def _inside(self, flat):
        """E per unit dI/dt and region index for flat points; raises for points outside."""
        if self._op is None:
            region = self.tissue.region(flat)
            self._check_inside(flat, region >= 0)
            return planar_efield(self.coil, flat), region
        region = self.tissue.region(flat)
        self._check_inside(flat, region >= 0)
        return -vector_potential(self.coil, flat) + self._op.field(flat, self._rho), region

    @staticmethod
    def _check_inside(flat, ok):
        if not np.all(ok):
            bad = np.flatnonzero(~ok)
            raise CoilsimValueError(
                f"points: {bad.size} of {len(flat)} lie outside the tissue (first at "
                f"{flat[bad[0]].tolist()} m); this model defines E only inside the conductor — "
                f"select points with tissue.region(points) >= 0")

    def E(self, points, di_dt: float = 1.0) -> np.ndarray:
        """Induced electric field, V/m, at points (..., 3) m inside the tissue for a coil current
        changing at ``di_dt`` A/s. Points on an interface get the field of the region that
        :meth:`TissueModel.region` assigns them (the solver's triangle surfaces)."""
        p = as_points(points)
        k = real_scalar(di_dt, "di_dt")
        flat = np.ascontiguousarray(p.reshape(-1, 3))
        e, _ = self._inside(flat)
        return (k * e).reshape(p.shape)

    def E_and_region(self, points, di_dt: float = 1.0):
        """(E in V/m (..., 3), region index (...)) in one pass."""
        p = as_points(points)
        k = real_scalar(di_dt, "di_dt")
        flat = np.ascontiguousarray(p.reshape(-1, 3))
        e, r = self._inside(flat)
        return (k * e).reshape(p.shape), r.reshape(p.shape[:-1])

    def J(self, points, di_dt: float = 1.0) -> np.ndarray:
        """Current density σE, A/m², at points (..., 3) m inside the tissue."""
        e, r = self.E_and_region(points, di_dt)
        sig = np.array([self.tissue.conductivities[n] for n in self.tissue.regions])
        return e * sig[r][..., None]

    # ------------------------------------------------------------------ summaries
    def _frame(self):
        """Skin point under the coil and the inward unit normal there."""
        c = self.coil.contact_point
        ax = self.coil.axis
        if self.tissue.kind == "planar":
            return np.array([c[0], c[1], 0.0]), np.array([0.0, 0.0, -1.0])
        # from the contact point along −axis down to the skin
        d = self.tissue.depth(c[None])[0]
        return c + ax * min(d, 0.0), -ax  # d < 0: the casing is |d| above the skin

    def depth_profile(self, depths=None, *, di_dt: float = 1.0):
        """(depths (n,) m, |E| (n,) V/m) along the inward normal under the coil's contact
        point; default depths 0.5 mm to 40 mm (or the far side) in 0.5 mm steps."""
        p0, n = self._frame()
        if depths is None:
            depths = np.arange(0.5e-3, 40.0001e-3, 0.5e-3)
        depths = np.asarray(depths, dtype=np.float64)
        pts = p0 + depths[:, None] * n
        ok = self.tissue.region(pts) >= 0
        depths, pts = depths[ok], pts[ok]
        return depths, np.linalg.norm(self.E(pts, di_dt), axis=-1)

    def sample_box(self, spacing: float = 2e-3, lateral: float | None = None,
                   depth: float = 0.04):
        """Regular grid (spacing m) under the coil in its own frame: ±``lateral`` m across (default
        the coil's half-width + 20 mm) and 0–``depth`` m deep; points outside the tissue dropped.
        Returns (points (n, 3) m, depth below skin (n,) m, region index (n,))."""
        h = real_scalar(spacing, "spacing", positive=True)
        p0, n = self._frame()
        R = self.coil.rotation
        if lateral is None:
            v = np.concatenate(self.coil.polylines()) - self.coil.translation
            lateral = float(np.abs(v @ R[:, :2]).max()) + 0.02
        u = np.arange(-lateral, lateral + 1e-12, h)
        w = np.arange(0.5 * h, depth, h)
        U, V, W = np.meshgrid(u, u, w, indexing="ij")
        pts = p0 + U[..., None] * R[:, 0] + V[..., None] * R[:, 1] + W[..., None] * n
        pts = pts.reshape(-1, 3)
        reg = self.tissue.region(pts)
        keep = reg >= 0
        pts = pts[keep]
        return pts, self.tissue.depth(pts), reg[keep]

    def focality(self, spacing: float = 2e-3, *, lateral=None, depth: float = 0.04) -> Focality:
        """E_max, d½, V½ and S½ (DESIGN.md) on the :meth:`sample_box` grid, per unit dI/dt."""
        pts, dep, reg = self.sample_box(spacing, lateral, depth)
        muscle = np.isin(np.asarray(self.tissue.regions)[reg], self.tissue.muscle_regions)
        if not np.any(muscle):
            raise CoilsimValueError("the sampled box holds no muscle; increase depth/lateral")
        mag = np.linalg.norm(self.E(pts[muscle]), axis=-1)
        dm = dep[muscle]
        top = dm <= dm.min() + spacing
        e_max = float(mag[top].max())
        hit = mag >= 0.5 * e_max
        d_half = float(dm[hit].max())
        v_half = float(hit.sum()) * spacing**3
        return Focality(e_max, d_half, v_half, v_half / d_half if d_half > 0 else np.nan, spacing)

    def layer_maxima(self, spacing: float = 2e-3, *, di_dt: float = 1.0, **box) -> dict:
        """{region: max |E| (V/m)} over the :meth:`sample_box` grid."""
        pts, _, reg = self.sample_box(spacing, **box)
        mag = np.linalg.norm(self.E(pts, di_dt), axis=-1)
        out = {}
        for i, name in enumerate(self.tissue.regions):
            sel = reg == i
            if np.any(sel):
                out[name] = float(mag[sel].max())
        return out

    def to_pyvista(self, grid_or_points, di_dt: float = 1.0):
        """A pyvista dataset with point data "E" (V/m) and "|E|": ``grid_or_points`` is a pyvista
        dataset (its points are sampled; points outside the tissue get NaN) or (n, 3) points."""
        import pyvista as pv
        if isinstance(grid_or_points, pv.DataSet):
            ds = grid_or_points.copy()
        else:
            ds = pv.PolyData(as_points(grid_or_points).reshape(-1, 3))
        pts = np.asarray(ds.points, dtype=np.float64)
        e = np.full(pts.shape, np.nan)
        inside = self.tissue.region(pts) >= 0
        if np.any(inside):
            e[inside] = self.E(pts[inside], di_dt)
        ds.point_data["E"] = e
        ds.point_data["|E|"] = np.linalg.norm(e, axis=1)
        return ds
