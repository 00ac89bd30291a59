"""Charge-based boundary-element operator for nested, closed conductivity interfaces.

REFERENCES.md §3 (Makarov et al. 2018): with K = (σ_in − σ_out)/(σ_in + σ_out) per interface,
the surface charge density ρ (ε0 scaled out, so in V/m) solves

    ρ_i/2 − K_i n_i·Σ_j ρ_j F_j(c_i)/4π = K_i n_i·E_p(c_i)

with piecewise-constant ρ, each equation taken as the mean over triangle i (the flux of the
field through i divided by its area). Far pairs use the centroid rule; pairs closer than
``near`` × the source triangle's longest edge use the exact flux of a point charge through a flat
triangle (its solid angle) summed over a 7-point rule on the source triangle
(:func:`coilsim.kernels.bem.near_flux`). Plain collocation of n_i·F_j at centroids converges
only as O(h) on curved surfaces (the kinks between flat triangles bias the principal value by
O(h/R)); the flux form keeps Gauss's law exact on the polyhedron and converges as O(h²).

Each closed surface with K = 1 (tissue against air) adds the equilibrium charge to the null
space; the operator carries (1/A_S) Σ_{j∈S} a_j ρ_j on the rows of S, which pins its total charge
to zero. The operator depends only on the tissue mesh, so one
instance serves every coil placement: it is assembled once (dense up to ``dense_limit``
unknowns, matrix-free with a sparse near-field correction above) and each new right-hand side
costs one GMRES solve.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..errors import CoilsimValueError, ConvergenceError
from ..kernels import bem as kb
from ..kernels.treecode import ChargeTree
from .krylov import RecycledGMRES
from .fmm import available as fmm_available
from .fmm import centroid_field as fmm_centroid_field

log = logging.getLogger(__name__)

#: exact integration for pairs with distance < NEAR × the triangle's longest edge. The centroid
#: rule beyond it errs by ~(h/d)²; on a 50 mm sphere under a standing figure-eight 5 mm away,
#: 4 gave 1.35 % and 8 gave 0.75 % at 2 mm depth (h_min 1.5 mm)
NEAR = 8.0
#: every near zone reaches at least EXACT triangle sizes (see :meth:`BEMOperator.near_radius`)
EXACT = 3.0
#: operator: the 7-point source rule (of exact target solid angles) for near pairs within
#: OP_SOURCE_RULE sizes, the source centroid beyond. With 3 (centroid from 3 to 8 sizes) the
#: three-shell sphere (1 mm skin) erred by 1.16 % / 1.98 % at 45° / 90°, with 6 1.14 % (90°), with
#: 8 0.62 % / 1.09 %: skin–fat pairs 1 mm apart need it; the child operator builds no slower
OP_SOURCE_RULE = NEAR
#: evaluation at points: the closed-form triangle field within EXACT_EVAL sizes, the 7-point rule
#: beyond (its error on one triangle's field, worst direction: 7e-5 at 1.5 sizes, 1.3e-5 at 2,
#: 1.2e-6 at 3 — far below the centroid rule's beyond the near zone); 3 → 1.5 cut the near pass
#: for 10⁵ points on the child leg from 6.4 to 5.5 s (loaded machine)
EXACT_EVAL = 1.5
#: ... and the 3-point edge-midpoint rule (degree 2) from MID_EVAL sizes to the near zone's
#: edge: its error there (1.3e-3 at 4 sizes) is below the centroid rule's at 8 (1.6e-3)
MID_EVAL = 4.0
#: the operator is kept as a dense matrix up to DENSE_LIMIT unknowns: float64 up to
#: DENSE64_LIMIT (8·N² bytes: 16k -> 2 GB), float32 above (4·N² bytes: 40k -> 6.4 GB; entries
#: to 6e-8, far below the discretisation error); larger systems are applied matrix-free
DENSE_LIMIT = 40000
DENSE64_LIMIT = 16000
#: GMRES relative residual (float32 storage limits it to ~1e-7)
RTOL = 1e-6
#: harmonic Ritz vectors kept from the first solve to deflate the later ones (child leg, 34k
#: unknowns: 29 -> 21 iterations for a second placement; 10 gave 21, 30 more than the space held)
RECYCLE = 20
#: evaluation points per kernel call (bounds the near-pair buffers)
EVAL_CHUNK = 1 << 15
#: treecode (:mod:`coilsim.kernels.treecode`) for the far field from this many point–triangle
#: pairs on, with a node's expansion error scale below TREE_TOL × max|ρ| (absolute, V/m). On the
#: child leg (34k triangles, 10⁵ points) 1e-5 gives 1.3e-4 of max|E| at 2.5× the direct speed
TREE_MIN_PAIRS = 5e7
TREE_TOL = 1e-5
#: with ``fmm="auto"``, evaluate the far field by the FMM (when fmm3dpy is installed) from this
#: many point–triangle pairs on. On the 2-core benchmark machine fmm3dpy 2.1.0 (one thread) was
#: still slower than the direct sum at 3.4e9 pairs (10⁵ points, 34k triangles: 11 s vs 9 s CPU),
#: so the default is the direct sum and this bound an extrapolation (``coilsim bench --perf``)
FMM_MIN_PAIRS = 2e10
#: right-hand-side rule: weights of the 3 vertices, 3 edge midpoints and the centroid; exact for
#: cubic fields, and its nodes are shared between neighbouring triangles (≈ 3 per triangle instead
#: of the 7 points of :data:`coilsim.kernels.bem.RADON7_W`)
RHS_WEIGHTS = (1.0 / 20.0, 2.0 / 15.0, 9.0 / 20.0)


@dataclass(frozen=True)
class SolveInfo:
    """What one BEM solve did: iterations, relative residual, seconds."""

    iterations: int
    residual: float
    seconds: float


class BEMOperator:
    """The BEM system of a set of closed, outward-oriented triangle surfaces.

    Parameters
    ----------
    surfaces : sequence of (vertices (n,3) m, faces (m,3) int)
        Closed surfaces, outward normals; one block of unknowns per surface, in this order.
    k : sequence of float
        Conductivity contrast K = (σ_in − σ_out)/(σ_in + σ_out) of each surface.
    near, near_eval : float
        Near zones (see :meth:`near_radius`) of this many longest triangle edges, in the
        operator and when evaluating the field at points; inside them the integrals are exact
        or by a 7-point rule (EXACT), outside the centroid rule.
    dense_limit : int
        Assemble a dense matrix up to this many unknowns (float32 above DENSE64_LIMIT); above
        it, apply the operator matrix-free.
    fmm : bool or "auto"
        Evaluate the far field at points by the FMM (fmm3dpy); "auto": when it is installed
        and a call has at least :data:`FMM_MIN_PAIRS` point–triangle pairs. Default False.
    """

    def __init__(self, surfaces, k, *, near: float = NEAR, near_eval: float = NEAR,
                 dense_limit: int = DENSE_LIMIT, fmm=False):
        t0 = time.perf_counter()
        tris, bounds, verts, faces = [], [0], [], []
        nv = 0
        for v, f in surfaces:
            v = np.asarray(v, dtype=np.float64)
            f = np.asarray(f, dtype=np.int64)
            tris.append(v[f])
            verts.append(v)
            faces.append(f + nv)
            nv += len(v)
            bounds.append(bounds[-1] + len(f))
        if fmm not in (True, False, "auto"):
            raise CoilsimValueError(f"fmm must be True, False or 'auto'; got {fmm!r}")
        if fmm is True and not fmm_available():
            raise CoilsimValueError("fmm=True needs fmm3dpy (pip install 'coilsim[fmm]')")
        self.fmm = fmm
        self.tree_tol = TREE_TOL
        self._krylov = None
        self._grids = None
        self._tree = None
        self.tris = np.ascontiguousarray(np.concatenate(tris))
        self.bounds = np.asarray(bounds, dtype=np.int64)
        self.n = self.tris.shape[0]
        e1 = self.tris[:, 1] - self.tris[:, 0]
        e2 = self.tris[:, 2] - self.tris[:, 0]
        cr = np.cross(e1, e2)
        dbl = np.linalg.norm(cr, axis=1)
        self.area = 0.5 * dbl
        self.normal = cr / dbl[:, None]
        self.centroid = self.tris.mean(axis=1)
        edges = np.stack([e1, self.tris[:, 2] - self.tris[:, 1], e2])
        self.size = np.sqrt((edges**2).sum(-1)).max(axis=0)
        self.surface_of = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        self.k = np.asarray(k, dtype=np.float64)[self.surface_of]
        self.near = float(near)
        self.near_eval = float(near_eval)
        self._c = [np.ascontiguousarray(self.centroid[:, i]) for i in range(3)]
        self._n = [np.ascontiguousarray(self.normal[:, i]) for i in range(3)]
        self._qpts = np.ascontiguousarray(np.einsum("qk,nkd->nqd", kb.RADON7_BARY, self.tris))
        self.floating = [s for s in range(len(bounds) - 1)
                         if abs(np.asarray(k, dtype=np.float64)[s] - 1.0) < 1e-12]
        self._rhs_rule(np.concatenate(verts), np.concatenate(faces))
        self.dense = self.n <= dense_limit
        self._build()
        self.setup_seconds = time.perf_counter() - t0
        log.info("BEM operator: %d unknowns, %s, %.2f s", self.n,
                 "dense" if self.dense else "matrix-free", self.setup_seconds)

    # ------------------------------------------------------------------ assembly
    def near_radius(self, near: float) -> np.ndarray:
        """Radius (m) of each triangle's near zone: ``near`` sizes, but for triangles coarser than
        twice the finest no more than ``near`` × twice the finest size (and at least
        ``EXACT`` sizes): coarse triangles lie far from the coil, where the field is weak, and
        their full near zones would hold most of a graded mesh."""
        cap = near * 2.0 * self.size.min()
        return np.maximum(EXACT * self.size, np.minimum(near * self.size, cap))

    def near_pairs(self, points: np.ndarray, near=None):
        """(rows, cols) of (point, triangle) pairs inside the triangle's near zone."""
        near = self.near if near is None else near
        pts = np.ascontiguousarray(points, dtype=np.float64)
        if pts.shape[0] == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return kb.near_pairs_grid(pts, self.centroid, self.near_radius(near))

    def _build(self):
        rows, cols = self.near_pairs(self.centroid)
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
        flux = np.empty(rows.shape[0])
        kb.near_flux(rows, cols, self.tris, self._qpts, kb.RADON7_W, self.area, self.size, OP_SOURCE_RULE,
                     *self._c, *self._n, flux)
        vals = -self.k[rows] * flux / kb.FOUR_PI
        self.near_count = rows.shape[0]
        if self.dense:
            mat = np.empty((self.n, self.n),
                           dtype=np.float64 if self.n <= DENSE64_LIMIT else np.float32)
            kb.far_matrix(*self._c, *self._n, self.k, self.area, mat)
            mat[rows, cols] += vals  # (row, col) pairs are unique
            for s in self.floating:
                a, b = self.bounds[s], self.bounds[s + 1]
                mat[a:b, a:b] += self.area[a:b][None, :] / self.area[a:b].sum()
            self._mat = mat
            self._near = None
        else:
            self._mat = None
            self._near = sparse.csr_matrix((vals, (rows, cols)), shape=(self.n, self.n))

    def matvec(self, rho: np.ndarray) -> np.ndarray:
        """Apply the (null-space-fixed) operator to densities ``rho`` (N,)."""
        rho = np.ascontiguousarray(rho, dtype=np.float64)
        if self.dense:
            return (self._mat @ rho.astype(self._mat.dtype)).astype(np.float64)
        out = np.empty(self.n)
        kb.far_matvec(*self._c, *self._n, self.k, self.area * rho, out)
        out += 0.5 * rho
        out += self._near @ rho
        for s in self.floating:
            a, b = self.bounds[s], self.bounds[s + 1]
            out[a:b] += (self.area[a:b] @ rho[a:b]) / self.area[a:b].sum()
        return out

    def _rhs_rule(self, verts, faces):
        """Nodes shared by neighbouring triangles (vertices, edge midpoints, centroids) and the
        sparse (N, nodes) matrix of the cubic-exact rule that averages a field over each triangle."""
        edges = np.sort(np.stack([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]], 1), -1)
        uniq, inv = np.unique(edges.reshape(-1, 2), axis=0, return_inverse=True)
        nv, ne = len(verts), len(uniq)
        self.rhs_points = np.ascontiguousarray(np.concatenate(
            [verts, 0.5 * (verts[uniq[:, 0]] + verts[uniq[:, 1]]), self.centroid]))
        rows = np.repeat(np.arange(self.n), 7)
        cols = np.concatenate([faces, nv + inv.reshape(-1, 3),
                               (nv + ne + np.arange(self.n))[:, None]], 1).ravel()
        w = np.repeat(np.asarray(RHS_WEIGHTS), (3, 3, 1))
        self._rhs_matrix = sparse.csr_matrix((np.tile(w, self.n), (rows, cols)),
                                             shape=(self.n, len(self.rhs_points)))

    # ------------------------------------------------------------------ solve
    @property
    def quadrature_points(self) -> np.ndarray:
        """(N, 7, 3) points of the 7-point rule on each triangle, m (see :meth:`rhs`)."""
        return self._qpts

    def rhs(self, e_primary: np.ndarray) -> np.ndarray:
        """Right-hand side K_i · mean over triangle i of n_i·E_p (the flux form of the
        operator), from the primary field (V/m) at the :attr:`rhs_points` (M, 3) (shared nodes of
        a cubic-exact rule, the cheapest), at the :attr:`quadrature_points` (N, 7, 3) or at the
        centroids (N, 3) (midpoint rule)."""
        e = np.asarray(e_primary, dtype=np.float64)
        if e.ndim == 3 and e.shape[:2] == (self.n, 7):
            e = np.einsum("q,nqd->nd", kb.RADON7_W, e)
        elif e.shape == self.rhs_points.shape:
            e = self._rhs_matrix @ e
        elif e.shape != (self.n, 3):
            raise CoilsimValueError(
                f"e_primary: expected the field at rhs_points {self.rhs_points.shape}, at the "
                f"quadrature points ({self.n}, 7, 3) or at the centroids ({self.n}, 3); got "
                f"{e.shape}")
        return self.k * np.einsum("ij,ij->i", self.normal, e)

    def solve(self, b: np.ndarray, *, rtol: float = RTOL, x0=None, maxiter: int = 50,
              restart: int = 200):
        """Densities ρ (V/m) for right-hand side ``b``; GMRES(``restart``) to relative residual
        ``rtol`` within ``maxiter`` restarts, deflated by the :data:`RECYCLE` harmonic Ritz
        vectors that the first solve on this operator left (:mod:`.krylov`; later placements
        need fewer iterations). Raises :class:`ConvergenceError` with the residual when it is
        not reached."""
        t0 = time.perf_counter()
        b = np.asarray(b, dtype=np.float64)
        bn = float(np.linalg.norm(b))
        if bn == 0.0:
            return np.zeros(self.n), SolveInfo(0, 0.0, time.perf_counter() - t0)
        if self._krylov is None or self._krylov.restart != min(self.n, restart):
            self._krylov = RecycledGMRES(self.matvec, self.n, k=RECYCLE,
                                         restart=min(self.n, restart))
        r0 = b if x0 is None else b - self.matvec(np.asarray(x0, dtype=np.float64))
        x, its, ok = self._krylov.solve(r0, rtol * bn / max(float(np.linalg.norm(r0)), 1e-300),
                                        maxiter)
        if x0 is not None:
            x = x + np.asarray(x0, dtype=np.float64)
        res = float(np.linalg.norm(self.matvec(x) - b)) / bn
        if not ok or not np.isfinite(res) or res > 10 * rtol:
            raise ConvergenceError(
                f"GMRES stopped after {its} iterations at relative residual {res:.3g} "
                f"(target {rtol:g}); check the meshes (closed, outward, not intersecting) or raise "
                f"maxiter")
        return x, SolveInfo(its, res, time.perf_counter() - t0)

    # ------------------------------------------------------------------ evaluation
    def _use_fmm(self, p: int) -> bool:
        if self.fmm == "auto":
            return p * float(self.n) >= FMM_MIN_PAIRS and fmm_available()
        return bool(self.fmm)

    def _eval_grids(self):
        """Centroid grids for the near-zone search, one per class of near radius (factors of 2):
        a point then scans each class's cells only out to that class's largest radius, not the
        coarsest triangles' (on a graded leg mesh 3 × 10 mm) for all."""
        if self._grids is None:
            radius = self.near_radius(self.near_eval)
            cls = np.floor(np.log2(radius / radius.min())).astype(np.int64)
            self._grids = []
            for c in np.unique(cls):
                idx = np.flatnonzero(cls == c)
                r = radius[idx]
                cell = max(0.5 * float(np.median(r)), 1e-9)
                order, *rest = kb._grid_setup(self.centroid[idx], cell)
                self._grids.append(((idx[order], *rest), cell, float(r.max())))
        return self._grids

    def _near_pass(self, pts, rho, e, w):
        """Add the near-zone corrections (exact or 7-/3-point minus the centroid rule) to
        e (P, 3) and w (P, surfaces)."""
        radius = self.near_radius(self.near_eval)
        sid = self.surface_of.astype(np.int64)
        rho = np.ascontiguousarray(rho, dtype=np.float64)
        for grid, cell, rmax in self._eval_grids():
            for a in range(0, pts.shape[0], EVAL_CHUNK):
                b = min(pts.shape[0], a + EVAL_CHUNK)
                px, py, pz = (np.ascontiguousarray(pts[a:b, i]) for i in range(3))
                kb.near_field_points(px, py, pz, self.tris, *self._c, *self._n, self.area,
                                     self.size, radius, EXACT_EVAL, MID_EVAL, self._qpts,
                                     kb.RADON7_W, rho, sid, *grid, cell, rmax, e[a:b], w[a:b])

    def field(self, points: np.ndarray, rho: np.ndarray) -> np.ndarray:
        """Secondary field −∇φ (V/m) of densities ``rho`` (V/m) at ``points`` (P, 3) m: the
        centroid rule (direct sum; for many pairs the treecode to :attr:`tree_tol` × max|ρ|, 0
        for the direct sum always; or the FMM, see ``fmm``) plus exact near-zone corrections."""
        pts = np.ascontiguousarray(points, dtype=np.float64)
        p = pts.shape[0]
        e = np.empty((p, 3))
        if p == 0:
            return e
        q = self.area * np.asarray(rho, dtype=np.float64)
        if self._use_fmm(p):
            e[:] = fmm_centroid_field(pts, self.centroid, q)
        elif self.tree_tol > 0 and p * float(self.n) >= TREE_MIN_PAIRS:
            if self._tree is None:
                self._tree = ChargeTree(self.centroid)
            scale = float(np.abs(rho).max())
            if scale > 0:
                self._tree.field(pts, q, e, tol=self.tree_tol * scale)
            else:
                e[:] = 0.0
        else:
            for a in range(0, p, EVAL_CHUNK):
                b = min(p, a + EVAL_CHUNK)
                kb.far_field(*(np.ascontiguousarray(pts[a:b, i]) for i in range(3)), *self._c,
                             q, e[a:b])
        self._near_pass(pts, rho, e, np.zeros((p, len(self.bounds) - 1)))
        return e

    def winding(self, points: np.ndarray) -> np.ndarray:
        """Winding number (P, surfaces) of each surface at ``points`` (P, 3) m: ≈ 1 inside,
        ≈ 0 outside (the solid angle by the centroid rule, exact in the near zones)."""
        pts = np.ascontiguousarray(points, dtype=np.float64)
        w = np.empty((pts.shape[0], len(self.bounds) - 1))
        for a in range(0, pts.shape[0], EVAL_CHUNK):
            b = min(pts.shape[0], a + EVAL_CHUNK)
            kb.far_winding(*(np.ascontiguousarray(pts[a:b, i]) for i in range(3)), *self._c,
                           *self._n, self.area, self.bounds, w[a:b])
        self._near_pass(pts, np.zeros(self.n), np.zeros((pts.shape[0], 3)), w)
        return w
