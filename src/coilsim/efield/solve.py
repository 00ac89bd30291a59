"""solve_efield: the induced field of a coil in a tissue model, per unit dI/dt."""

from __future__ import annotations

import time
import warnings
import weakref

import numpy as np

from ..errors import CoilsimTypeError, CoilsimValueError
from .bem import NEAR, RTOL, BEMOperator
from .field import EField, SolveReport
from .planar import check_coil_above
from .primary import vector_potential

__all__ = ["solve_efield", "bem_operator"]

#: one operator per tissue model object (the mesh does not depend on the coil)
_OPERATORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def bem_operator(tissue, *, near: float = NEAR, dense_limit=None) -> BEMOperator:
    """The (cached) BEM operator of ``tissue``'s surfaces; built on first use."""
    key = (near, dense_limit)
    cache = _OPERATORS.setdefault(tissue, {})
    if key not in cache:
        surf = tissue.surfaces()
        k = []
        for s in surf:
            out = surf[s.parent].conductivity if s.parent >= 0 else 0.0
            k.append((s.conductivity - out) / (s.conductivity + out))
        kw = {} if dense_limit is None else {"dense_limit": dense_limit}
        cache[key] = BEMOperator([(s.vertices, s.faces) for s in surf], k, near=near,
                                 near_eval=near, **kw)
    return cache[key]


def _check_coil(coil, tissue):
    pts = np.concatenate(coil.polylines() + [coil.contact_point[None]])
    inside = tissue.region(pts) >= 0
    if np.any(inside[:-1]):
        i = int(np.flatnonzero(inside[:-1])[0])
        raise CoilsimValueError(
            f"coil: its windings enter the tissue (vertex at {pts[i].tolist()} m); place it on "
            f"the skin with coil.placed(point, outward_normal) from tissue.surface_frame(...)")
    if tissue.depth(coil.contact_point[None])[0] > 1e-6:
        raise CoilsimValueError(
            f"coil: its casing contact point {coil.contact_point.tolist()} m lies "
            f"{tissue.depth(coil.contact_point[None])[0]:.3g} m inside the tissue; place the "
            f"casing on the skin (coil.placed(point, normal))")


def solve_efield(coil, tissue, *, rtol: float = RTOL, near: float = NEAR, dense_limit=None,
                 x0=None) -> EField:
    """Induced E-field of ``coil`` in ``tissue`` per unit dI/dt (V/m per A/s).

    Planar models use the exact closed form (no mesh); closed surfaces the surface-charge BEM
    (:mod:`coilsim.efield.bem`): the tissue's operator is assembled on first use and reused by
    every later solve on the same model object, so further coil placements cost one GMRES solve.
    Raises :class:`coilsim.ConvergenceError` (with the residual) if GMRES misses ``rtol``.
    """
    from ..coils import Coil
    from ..tissue import TissueModel
    if not isinstance(coil, Coil):
        raise CoilsimTypeError(f"coil must be a coilsim Coil; got {type(coil).__name__}")
    if not isinstance(tissue, TissueModel):
        raise CoilsimTypeError(f"tissue must be a TissueModel (cs.load_tissue(name), "
                               f"cs.TissueModel.planar(...)); got {type(tissue).__name__}")
    open_wires = [i for i, w in enumerate(coil.wires) if not w.closed]
    if open_wires:
        warnings.warn(
            f"coil: wires {open_wires} are open polylines; the induced field assumes closed "
            f"current paths (an open end leaves charge the model ignores) — close them through "
            f"their leads (Coil.from_polylines(..., closed=True))", UserWarning, stacklevel=2)
    t0 = time.perf_counter()
    if tissue.kind == "planar":
        check_coil_above(coil)
        return EField(coil, tissue, report=SolveReport(
            "planar closed form", seconds={"total": time.perf_counter() - t0}))
    _check_coil(coil, tissue)
    t1 = time.perf_counter()
    reused = tissue in _OPERATORS and (near, dense_limit) in _OPERATORS[tissue]
    op = bem_operator(tissue, near=near, dense_limit=dense_limit)
    t2 = time.perf_counter()
    b = op.rhs(-vector_potential(coil, op.rhs_points))
    t3 = time.perf_counter()
    rho, info = op.solve(b, rtol=rtol, x0=x0)
    t4 = time.perf_counter()
    report = SolveReport(
        "bem", unknowns=op.n, iterations=info.iterations, residual=info.residual, rtol=rtol,
        seconds={"checks": t1 - t0, "mesh_and_operator": t2 - t1, "rhs": t3 - t2,
                 "solve": t4 - t3, "total": t4 - t0},
        operator_reused=reused,
        surfaces=tuple((s.name, len(s.faces)) for s in tissue.surfaces()))
    return EField(coil, tissue, operator=op, rho=rho, report=report)
