"""Biot–Savart performance: kernels vs the machine's limit and vs magpylib, in one run.

Case (issue 2): a flat 10-turn spiral of 1000 segments, 10⁵ field points. Rates are
segment·point pairs per second *per core*, from CPU time (so a busy machine does not fake a
regression). The machine limit is timed here, now, by a numba microkernel with the same
operation mix as the B kernel: 2 sqrt + 1 div per pair, reduced over segments in SIMD lanes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np

from coilsim._numba import njit, prange


# cache=False: this file is importable under two names (``benchmarks`` from a checkout and
# ``coilsim.benchmarks`` through the package symlink); numba's disk cache is keyed by the file,
# so a cache written under one name fails to load under the other.
@njit(parallel=True, cache=False)
def _limit_kernel(px, seg, out):
    """2 sqrt + 1 div per pair, the B kernel's divider work, with a reduction over segments."""
    n = px.shape[0]
    m = seg.shape[0]
    for i in prange(n):
        x = px[i]
        s = 0.0
        for j in range(m):
            u = x + seg[j]
            r1 = math.sqrt(u)
            r2 = math.sqrt(u + 1.0)
            s += r1 / r2
        out[i] = s


def _cpu_rate(fn, pairs_per_call: float, min_cpu: float = 1.0):
    """Pairs per CPU-second (per core) and per wall-second, over ≥ min_cpu s of CPU time."""
    fn()  # warm-up (compile)
    calls = 0
    c0, w0 = time.process_time(), time.perf_counter()
    while True:
        fn()
        calls += 1
        cpu = time.process_time() - c0
        if cpu >= min_cpu:
            break
    wall = time.perf_counter() - w0
    return calls * pairs_per_call / cpu, calls * pairs_per_call / wall, cpu, calls


def run(quick: bool = False) -> dict:
    import numba

    import coilsim as cs

    min_cpu = 0.5 if quick else 2.0
    coil = cs.spiral_coil(0.01, 0.05, 10, segments_per_turn=100)
    assert coil.n_segments == 1003  # 1000 spiral segments + the 3 of its return lead
    rng = np.random.default_rng(0)
    npts = 100_000
    pts = rng.uniform(-0.1, 0.1, size=(npts, 3)) + [0, 0, 0.06]  # outside the conductor
    pairs = npts * coil.n_segments
    seg = coil._table
    from coilsim.kernels import biot_savart as bs
    out_a = np.empty((npts, 3)); out_b = np.empty((npts, 3)); flag = np.empty(npts)

    res = {}
    px = rng.uniform(1.0, 2.0, npts); sx = rng.uniform(0.0, 1.0, coil.n_segments); o = np.empty(npts)
    res["limit_2sqrt_1div"] = _cpu_rate(lambda: _limit_kernel(px, sx, o), pairs, min_cpu)
    res["B"] = _cpu_rate(lambda: bs.b_fast(pts, seg, out_b, flag), pairs, min_cpu)
    res["A"] = _cpu_rate(lambda: bs.a_fast(pts, seg, out_a, flag), pairs, min_cpu)
    res["A+B"] = _cpu_rate(lambda: bs.ab_fast(pts, seg, out_a, out_b, flag), pairs, min_cpu)
    res["Coil.B (public, validated)"] = _cpu_rate(lambda: coil.B(pts), pairs, min_cpu)
    import magpylib as magpy
    src = coil.to_magpylib()
    mp_pts = pts[:2000]
    res["magpylib Polyline.getB"] = _cpu_rate(lambda: src.getB(mp_pts), 2000 * coil.n_segments, min_cpu)
    try:
        import cfsem  # noqa: F401  (optional Rust peer)
        res["cfsem"] = None  # present but not wired: say so rather than guess its API
    except ImportError:
        pass

    limit = res["limit_2sqrt_1div"][0]
    rows = []
    for name, r in res.items():
        if r is None:
            continue
        rows.append({"case": name, "pairs_per_s_per_core": r[0], "pairs_per_s_wall": r[1],
                     "cpu_s": r[2], "calls": r[3], "fraction_of_limit": r[0] / limit})
    mp_rate = res["magpylib Polyline.getB"][0]
    return {
        "date": datetime.date.today().isoformat(),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": len(os.sched_getaffinity(0)), "numba_threads": numba.get_num_threads(),
                    "numba": numba.__version__, "magpylib": magpy.__version__, "numpy": np.__version__},
        "case": "10-turn flat spiral, 1000 segments, 1e5 points (magpylib: 2000 points)",
        "rows": rows,
        "speedup_B_vs_magpylib_per_core": res["B"][0] / mp_rate,
    }


def format_table(report: dict) -> str:
    lines = [f"Biot–Savart performance, {report['date']}, {report['machine']['cores']} cores "
             f"({report['machine']['cpu']}); {report['case']}",
             f"{'case':30s} {'pairs/s/core':>14s} {'of limit':>9s}"]
    for r in report["rows"]:
        lines.append(f"{r['case']:30s} {r['pairs_per_s_per_core']:14.3e} {r['fraction_of_limit']:9.1%}")
    lines.append(f"B kernel vs magpylib, per core: {report['speedup_B_vs_magpylib_per_core']:.0f}x")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--out", default="coilsim-bench")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    report = run(args.quick)
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    (out / "biot_savart_perf.json").write_text(json.dumps(report, indent=2))
    text = format_table(report)
    (out / "biot_savart_perf.md").write_text("```\n" + text + "\n```\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
