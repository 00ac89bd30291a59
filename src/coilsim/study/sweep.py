"""``sweep(scenario, {"coil.outer_radius": [...], "tissue": [...]}, executor=None, cache_dir=None)``.

Every point is the scenario with some dotted keys replaced (:meth:`Scenario.with_values`). The
expensive part of a point, the solved field sampled along the fibres
(:func:`~coilsim.study.run.field_stage`), depends only on the coil, its placement, the tissue,
the solver options and the sampling geometry (:meth:`Scenario.field_digest`); points that share
those share one solve, so sweeping the intensity, the fibre families, the waveforms or the
stimulator costs one field. Work runs on any :class:`concurrent.futures.Executor`:

* default: a local process pool (``spawn`` start method, one worker per available core, one
  numba thread per worker);
* a Dask cluster: ``executor=client.get_executor()`` (``distributed.Client``); tasks and their
  arguments are plain picklable data, so workers need only coilsim installed;
* anything else with ``submit`` (e.g. ``ThreadPoolExecutor``).

With ``cache_dir`` the solved fields (``fields/<key>.npz``) and every finished point
(``points/<key>.json``) are written as they complete; an interrupted sweep run again with the
same ``cache_dir`` recomputes only what is missing.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import logging
import math
import multiprocessing
import os
from pathlib import Path

import numpy as np

from ..errors import CoilsimTypeError, CoilsimValueError
from .scenario import Scenario, _digest, _plain

log = logging.getLogger(__name__)

__all__ = ["sweep", "sweep_points", "default_executor", "load_sweep_file"]


# ---------------------------------------------------------------------------- cache


def _field_path(cache_dir, key):
    return Path(cache_dir) / "fields" / f"{key}.npz"


def _load_field(cache_dir, key):
    from .run import FieldData
    p = _field_path(cache_dir, key)
    if p.is_file():
        try:
            return FieldData.load(p)
        except Exception as exc:  # a damaged cache entry is recomputed, never trusted
            log.warning("ignoring unreadable cached field %s (%s)", p, exc)
    return None


def _store_field(cache_dir, fd):
    p = _field_path(cache_dir, fd.key)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd.save(p)


def _point_path(cache_dir, key):
    return Path(cache_dir) / "points" / f"{key}.json"


def _load_point(cache_dir, key):
    p = _point_path(cache_dir, key)
    if p.is_file():
        try:
            return json.loads(p.read_text())["rows"]
        except Exception as exc:
            log.warning("ignoring unreadable cached point %s (%s)", p, exc)
    return None


def _store_point(cache_dir, key, rows):
    p = _point_path(cache_dir, key)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps({"rows": rows}, allow_nan=True))
    tmp.replace(p)


# ---------------------------------------------------------------------------- tasks (module level: picklable)


def _worker_init():
    """Process-pool initialiser: one numba thread per worker (the pool supplies the parallelism)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import numba
        numba.set_num_threads(1)
    except Exception:  # pragma: no cover
        pass


def _field_task(scenario):
    from .run import field_stage
    return field_stage(scenario)


def _points_task(items, fd):
    """[(index, scenario)] sharing one FieldData -> [(index, rows)]."""
    from .run import evaluate
    out = []
    for i, sc in items:
        res = evaluate(sc, fd)
        out.append((i, [{k: _plain_num(v) for k, v in r.items()} for r in res.summary_rows()]))
    return out


def _plain_num(v):
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return v


# ---------------------------------------------------------------------------- executor


def default_executor(max_workers=None):
    """A spawn-context process pool with one worker per available core and one numba thread each."""
    n = max_workers
    if not n:
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cf.ProcessPoolExecutor(max_workers=max(1, int(n or 1)),
                                  mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_worker_init)


# ---------------------------------------------------------------------------- points


def sweep_points(params, grid: bool = True) -> list:
    """The list of ``{dotted key: value}`` points of a sweep specification.

    ``params``: a dict ``key -> list of values`` (``grid=True``: every combination, the first key
    slowest; ``grid=False``: the lists zipped, equal lengths) or a list of point dicts.
    """
    if isinstance(params, (list, tuple)):
        pts = [dict(p) for p in params]
        if not all(isinstance(p, dict) for p in params):
            raise CoilsimTypeError("params given as a list must hold one dict per point")
        return pts
    if not isinstance(params, dict) or not params:
        raise CoilsimTypeError("params must be a non-empty dict {'coil.outer_radius': [...], ...} "
                               "or a list of point dicts")
    keys = list(params)
    vals = []
    for k in keys:
        v = params[k]
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            raise CoilsimTypeError(f"params[{k!r}] must be a list of values; got {v!r}")
        v = list(v)
        if not v:
            raise CoilsimValueError(f"params[{k!r}] is empty; give at least one value")
        vals.append(v)
    if grid:
        return [dict(zip(keys, combo)) for combo in itertools.product(*vals)]
    n = {len(v) for v in vals}
    if len(n) != 1:
        raise CoilsimValueError(f"grid=False zips the lists, which need equal lengths; got "
                                f"{ {k: len(v) for k, v in zip(keys, vals)} }")
    return [dict(zip(keys, combo)) for combo in zip(*vals)]


def _column_value(v):
    v = _plain(v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, sort_keys=True)
    return v


def sweep(scenario, params, executor=None, cache_dir=None, *, grid: bool = True, progress=None,
          max_workers=None, chunks_per_worker: int = 4):
    """Run ``scenario`` at every point of ``params``; a tidy :class:`pandas.DataFrame`.

    Parameters
    ----------
    scenario : Scenario, TOML path, dict or None (the default scenario).
    params : ``{"coil.outer_radius": [0.03, 0.04], "tissue": ["child_7_10y", ...], ...}`` (any
        dotted scenario key; a bare ``coil``/``tissue``/``stimulator`` takes a name), or a list of
        point dicts. See :func:`sweep_points`.
    executor : a :class:`concurrent.futures.Executor` (e.g. Dask ``client.get_executor()``);
        None: a local spawn process pool, shut down at the end.
    cache_dir : folder for solved fields and finished points (resume after an interruption).
    grid : combine the lists as a grid (True) or zip them (False).
    progress : callable ``progress(done, total)`` called as points finish.

    Returns
    -------
    DataFrame with one row per point and fibre family: ``point`` (index), one column per swept
    key, ``family`` and unit-suffixed results (``threshold_A_per_s``, ``threshold_intensity``,
    ``activation_depth_m``, ``E_max_V_per_m``, ``skin_E_max_V_per_m``, ``d_half_m``,
    ``V_half_m3``, ``S_half_m2``, ``pulse_energy_J``, ``coil_heat_per_pulse_J``, ...).
    ``table.attrs`` holds ``fields_solved``, ``points_computed`` and ``points_cached``.
    """
    import pandas as pd
    base = Scenario.coerce(scenario)
    points = sweep_points(params, grid)
    scen = [base.with_values(p) for p in points]          # validates every point up front
    pkeys = [s.digest() for s in scen]
    fkeys = [s.field_digest() for s in scen]
    rows = [None] * len(points)
    cached = 0
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        for i, k in enumerate(pkeys):
            r = _load_point(cache_dir, k)
            if r is not None:
                rows[i] = r
                cached += 1
    todo = [i for i in range(len(points)) if rows[i] is None]
    total, done = len(points), cached
    if progress:
        progress(done, total)
    fields = {}
    need = []
    for i in todo:
        k = fkeys[i]
        if k in fields or k in need:
            continue
        fd = _load_field(cache_dir, k) if cache_dir is not None else None
        if fd is not None:
            fields[k] = fd
        else:
            need.append(k)
    own = executor is None and (todo or need)
    ex = default_executor(max_workers) if own else executor
    solved = 0
    try:
        if need:
            first = {k: next(i for i in todo if fkeys[i] == k) for k in need}
            futs = {ex.submit(_field_task, scen[first[k]]): k for k in need}
            for fut in cf.as_completed(futs):
                fd = fut.result()
                fields[futs[fut]] = fd
                solved += 1
                if cache_dir is not None:
                    _store_field(cache_dir, fd)
        if todo:
            workers = getattr(ex, "_max_workers", None) or max_workers or 2
            by_key = {}
            for i in todo:
                by_key.setdefault(fkeys[i], []).append(i)
            size = max(1, math.ceil(len(todo) / (chunks_per_worker * workers)))
            futs = []
            for k, idx in by_key.items():
                for a in range(0, len(idx), size):
                    part = [(i, scen[i]) for i in idx[a:a + size]]
                    futs.append(ex.submit(_points_task, part, fields[k]))
            for fut in cf.as_completed(futs):
                for i, r in fut.result():
                    rows[i] = r
                    if cache_dir is not None:
                        _store_point(cache_dir, pkeys[i], r)
                    done += 1
                    if progress:
                        progress(done, total)
    except BaseException:
        for f in list(locals().get("futs", [])):
            try:
                f.cancel()
            except Exception:
                pass
        raise
    finally:
        if own:
            ex.shutdown(wait=True, cancel_futures=True)
    out = []
    for i, p in enumerate(points):
        for r in rows[i]:
            rec = {"point": i}
            rec.update({k: _column_value(v) for k, v in p.items()})
            rec.update(r)
            out.append(rec)
    table = pd.DataFrame(out)
    table.attrs.update({"fields_solved": solved, "points_computed": len(todo), "points_cached": cached,
                        "parameters": list(points[0]) if points else []})
    return table


def load_sweep_file(path):
    """(scenario, params, grid) from a sweep TOML file::

        scenario = "my_scenario.toml"        # optional; default: the embedded default scenario
        grid = true                          # optional: combine the lists as a grid (default) or zip them
        [parameters]
        "coil.outer_radius" = [0.03, 0.035, 0.04]
        tissue = ["child_7_10y", "child_7_10y_cp"]

    Any other top-level key is an error naming the file.
    """
    import tomllib
    from .scenario import ScenarioError
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: sweep file does not exist; give the path of a sweep .toml")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: not valid TOML ({exc}); fix the syntax") from exc
    extra = sorted(set(data) - {"scenario", "grid", "parameters", "cache_dir"})
    if extra:
        raise ScenarioError(f"{p}: {', '.join(extra)}: unknown key(s); allowed: scenario, grid, parameters, cache_dir")
    if not isinstance(data.get("parameters"), dict) or not data["parameters"]:
        raise ScenarioError(f"{p}: [parameters]: missing or empty; add e.g. \"coil.outer_radius\" = [0.03, 0.04]")
    sc = data.get("scenario")
    if sc is None:
        scenario = Scenario.default()
    else:
        sp = Path(sc)
        scenario = Scenario.from_toml(sp if sp.is_absolute() else p.parent / sp)
    grid = data.get("grid", True)
    if not isinstance(grid, bool):
        raise ScenarioError(f"{p}: grid: must be true or false")
    cache = data.get("cache_dir")
    if cache is not None and not Path(cache).is_absolute():
        cache = str(p.parent / cache)
    return scenario, data["parameters"], grid, cache
