"""E-field solver performance, measured side by side in one run.

* BEM far-field operator (:func:`coilsim.kernels.bem.far_matvec`): pairs per CPU-second per core
  against a same-run microkernel with its operation mix (1 sqrt + 1 div per pair);
* direct sum against fmm3dpy's Laplace FMM on the same charges (when fmm3dpy is installed; it is
  not wired into the solver), at growing N: the crossover;
* the default child model (``child_7_10y``) with a 9-turn figure-eight over the medial
  gastrocnemius motor point: solve + 10⁵ evaluation points in a fresh process with an empty numba
  cache (JIT included), then a second placement on the same leg (operator reused) and its ratio
  to that; the same again with a warm numba cache (operator built in this run);
* the accuracy that resolution buys: a layered cylinder (skin/fat/muscle) with the same mesh
  options against the Fourier–Bessel series, at points ≥ 2 mm and 0.3–2 mm from an interface.

``python -m benchmarks.efield_perf`` prints the numbers; :mod:`.performance` reports them.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from coilsim._numba import njit, prange


@njit(parallel=True)
def _limit_kernel(cx, cy, cz, q, out):  # pragma: no cover - compiled
    n = cx.shape[0]
    for i in prange(n):
        s = 0.0
        for j in range(n):
            dx = cx[i] - cx[j]; dy = cy[i] - cy[j]; dz = cz[i] - cz[j]
            d2 = dx * dx + dy * dy + dz * dz + 1e-30
            s += q[j] / (d2 * math.sqrt(d2))
        out[i] = s


def _cores():
    return len(os.sched_getaffinity(0))


def _rate(fn, pairs, min_cpu=1.0):
    fn()                                  # compile / warm
    reps, cpu, wall = 0, 0.0, 0.0
    while cpu < min_cpu:
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        reps += 1
    return pairs * reps / cpu, wall / reps    # pairs per CPU-second (all cores), s per call


def operator_throughput(n=12000, seed=0):
    """Far-field matvec vs its microkernel limit, per core from CPU time."""
    from coilsim.kernels import bem as kb
    rng = np.random.default_rng(seed)
    p = rng.normal(size=(n, 3))
    p /= np.linalg.norm(p, axis=1)[:, None]
    c = [np.ascontiguousarray(p[:, i]) for i in range(3)]
    nrm = [x.copy() for x in c]
    k = np.full(n, 0.5)
    q = rng.normal(size=n)
    out = np.empty(n)
    kern, _ = _rate(lambda: kb.far_matvec(*c, *nrm, k, q, out), float(n) * n)
    lim, _ = _rate(lambda: _limit_kernel(*c, q, out), float(n) * n)
    cores = _cores()
    return {"n": n, "operator_pairs_per_s_per_core": kern / cores,
            "limit_pairs_per_s_per_core": lim / cores, "fraction_of_limit": kern / lim,
            "cores": cores}


def fmm_crossover(sizes=(4000, 16000, 48000), seed=1):
    """Wall time of the direct far-field sum and of fmm3dpy (eps 1e-6) for the same charges."""
    try:
        import fmm3dpy
    except ImportError:
        return {"available": False, "reason": "fmm3dpy is not installed (pip install fmm3dpy)"}
    from coilsim.kernels import bem as kb
    rows = []
    for n in sizes:
        rng = np.random.default_rng(seed)
        p = rng.normal(size=(n, 3))
        p /= np.linalg.norm(p, axis=1)[:, None]
        c = [np.ascontiguousarray(p[:, i]) for i in range(3)]
        q = rng.normal(size=n)
        out = np.empty(n)
        k = np.ones(n)
        _, direct = _rate(lambda: kb.far_matvec(*c, *c, k, q, out), float(n) * n, 0.5)
        src = np.ascontiguousarray(p.T)
        t0 = time.perf_counter()
        res = fmm3dpy.lfmm3d(eps=1e-6, sources=src, charges=q, pg=2)
        fmm = time.perf_counter() - t0
        # pin the kernel normalisation (it changed by 4π between versions): fmm3dpy ≥ 1.0 gives
        # grad = −Σ q d/r³/4π, so n·grad is far_matvec's −K n·Σ q d/r³/4π with K = 1, n = p
        fmm_n = np.einsum("dn,dn->n", res.grad, src)
        rel = float(np.abs(fmm_n - out).max() / np.abs(out).max())
        rows.append({"n": n, "direct_s": direct, "fmm_s": fmm, "normalisation_error": rel})
    cross = next((r["n"] for r in rows if r["fmm_s"] < r["direct_s"]), None)
    return {"available": True, "rows": rows, "crossover_n": cross,
            "version": getattr(fmm3dpy, "__version__", "?")}


def default_child(points=100_000):
    """Solve + ``points`` evaluations for child_7_10y and a 9-turn figure-eight; a second
    placement on the same leg (operator reused); wall seconds and their parts."""
    import coilsim as cs
    t0 = time.perf_counter()
    leg = cs.load_tissue("child_7_10y")
    coil = cs.figure_eight_coil(0.01, 0.045, 9)
    p, n = leg.motor_point("medial_gastrocnemius")
    field = cs.solve_efield(coil.placed(p, n), leg)
    pts = field.sample_box(1.5e-3)[0][:points]
    field.E(pts)
    first = time.perf_counter() - t0
    t1 = time.perf_counter()
    p2, n2 = leg.motor_point("lateral_gastrocnemius")
    f2 = cs.solve_efield(coil.placed(p2, n2), leg)
    t2 = time.perf_counter()
    f2.E(f2.sample_box(1.5e-3)[0][:points])
    second = time.perf_counter() - t1
    return {"unknowns": field.report.unknowns, "iterations": field.report.iterations,
            "points": int(len(pts)), "first_s": first, "second_s": second,
            "second_solve_s": t2 - t1, "second_evaluation_s": second - (t2 - t1),
            "reuse_ratio": second / first, "report_seconds": field.report.seconds,
            "second_report_seconds": f2.report.seconds}


def default_child_cold(points=100_000, timeout=900):
    """:func:`default_child` in a fresh process with an empty numba cache (what a new user's
    first run costs: JIT compilation included); the further placement's ratio to that."""
    import json
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory(prefix="coilsim-numba-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        code = ("import json, sys; from coilsim.benchmarks.efield_perf import default_child; "
                f"print('RESULT' + json.dumps(default_child({int(points)}), default=float))")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=timeout)
        wall = time.perf_counter() - t0
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"cold default-child run failed ({out.returncode}): {out.stderr[-500:]}")
    r = json.loads(line[len("RESULT"):])
    r["process_wall_s"] = wall
    return r


def cylinder_resolution_error(seed=3):
    """Layered cylinder at the calf models' default mesh options vs the series: the error at
    points ≥ 2 mm and 0.3–2 mm from every interface (DESIGN.md field error)."""
    import coilsim as cs
    from coilsim.analytic import cylinder_efield
    from coilsim.metrics import field_error
    from coilsim.tissue.model import MeshOptions
    layers = [("skin", 1.5e-3, 0.2), ("fat", 5e-3, 0.04), ("muscle", 0.0335, 0.34)]
    radii = np.array([0.04, 0.0385, 0.0335])
    o = MeshOptions(max_edge=0.01)
    leg = cs.TissueModel.cylinder(layers, length=0.32, focus=(0.0, 0.04, 0.0), h_min=o.h_min,
                                  growth=o.growth, max_edge=o.max_edge)
    coil = cs.figure_eight_coil(0.01, 0.035, 5).placed((0.0, 0.045, 0.0), (0.0, 1.0, 0.0))
    field = cs.solve_efield(coil, leg)
    rng = np.random.default_rng(seed)
    n = 3000
    ph, r, z = rng.uniform(0.3 * np.pi, 0.7 * np.pi, n), rng.uniform(0.0, 0.0399, n), rng.uniform(-0.04, 0.04, n)
    pts = np.c_[r * np.cos(ph), r * np.sin(ph), z]
    gap = np.abs(r[:, None] - radii[None]).min(axis=1)
    ref = cylinder_efield(pts, coil.A, radii, [0.2, 0.04, 0.34], source_distance=0.005)
    e = field.E(pts)
    far, near = gap >= 2e-3, (gap >= 3e-4) & (gap < 2e-3)
    scale = 0.1 * np.linalg.norm(ref, axis=1).max()
    err = np.linalg.norm(e - ref, axis=1) / np.maximum(np.linalg.norm(ref, axis=1), scale)
    return {"unknowns": field.report.unknowns, "error_ge_2mm": float(err[far].max()),
            "error_0p3_2mm": float(err[near].max()), "mesh": {"h_min": o.h_min, "growth": o.growth,
                                                             "max_edge": o.max_edge},
            "primary_only_error": float(field_error(-coil.A(pts[far]), ref[far]))}


def run(quick: bool = False):
    out = {"operator": operator_throughput(6000 if quick else 12000)}
    out["fmm"] = fmm_crossover((4000, 16000) if quick else (4000, 16000, 48000))
    out["cylinder"] = cylinder_resolution_error()
    n = 20_000 if quick else 100_000
    out["default_child_cold"] = default_child_cold(n)
    warm = default_child(n)
    warm["reuse_ratio_vs_cold_first"] = warm["second_s"] / out["default_child_cold"]["first_s"]
    out["default_child"] = warm
    return out


if __name__ == "__main__":  # pragma: no cover
    import json
    print(json.dumps(run(), indent=1, default=float))
