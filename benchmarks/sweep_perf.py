"""Sweep throughput and the field cache, on the default (BEM) scenario.

Two placements (coil rotation 0° and 90°: two fields) × five intensities = 10 points through the
default executor with a fresh ``cache_dir``; then the same sweep again on that cache (every point
already finished) and with five new intensities (fields cached, points new). Points per
CPU-second per core count the CPU time of this process and its workers (``os.times`` children).
"""

from __future__ import annotations

import os
import tempfile
import time


def _cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run(quick: bool = False):
    import coilsim as cs
    cores = len(os.sched_getaffinity(0))
    inten = [0.3, 0.4, 0.5, 0.6, 0.7]
    params = {"placement.rotation_deg": [0.0, 90.0], "stimulator.intensity": inten}
    out = {"points": 2 * len(inten), "fields": 2, "cores": cores}
    with tempfile.TemporaryDirectory() as cache:
        c0, w0 = _cpu(), time.perf_counter()
        table = cs.sweep(None, params, cache_dir=cache)
        out["first_wall_s"], out["first_cpu_s"] = time.perf_counter() - w0, _cpu() - c0
        c0, w0 = _cpu(), time.perf_counter()
        cs.sweep(None, params, cache_dir=cache)
        out["resume_wall_s"], out["resume_cpu_s"] = time.perf_counter() - w0, _cpu() - c0
        params2 = {"placement.rotation_deg": [0.0, 90.0],
                   "stimulator.intensity": [x + 0.05 for x in inten]}
        c0, w0 = _cpu(), time.perf_counter()
        cs.sweep(None, params2, cache_dir=cache)
        out["cached_field_wall_s"], out["cached_field_cpu_s"] = time.perf_counter() - w0, _cpu() - c0
    out["rows"] = int(len(table))
    out["points_per_cpu_s_per_core_solving"] = out["points"] / out["first_cpu_s"]
    out["points_per_cpu_s_per_core_cached_fields"] = out["points"] / out["cached_field_cpu_s"]
    out["cache_speedup"] = out["first_wall_s"] / out["cached_field_wall_s"]
    return out


if __name__ == "__main__":  # pragma: no cover
    import json
    print(json.dumps(run(), indent=1))
