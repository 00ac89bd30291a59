"""Nerve-model performance, per core from CPU time, with NEURON side by side when installed.

Cases (issue 5): SENN thresholds per second (20 µm, point cathode 2 mm, 100 µs rectangle,
51 nodes, ±0.5 %); one MRG threshold (10 µm, 121 nodes, 5 µs backward Euler, ±0.5 %, point
source 1 mm) and the same threshold in NEURON (benchmarks/neuron_reference.py, same protocol);
estimator fibres per second given V_e along the fibres (121 nodes; field evaluation not counted).
``--calibrate`` refits the estimator's built-in calibration (:func:`calibrate`: fit and held-out
validation cases of :func:`coilsim.nerves.estimator.calibration_cases`) and prints the rows for
``DEFAULT_CALIBRATION`` with their error tables.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np


def _cpu(fn, min_cpu=1.0):
    fn()                                     # warm-up (compile / caches)
    n = 0
    c0, w0 = time.process_time(), time.perf_counter()
    while True:
        fn()
        n += 1
        cpu = time.process_time() - c0
        if cpu >= min_cpu:
            break
    return cpu / n, (time.perf_counter() - w0) / n


def run(quick=False, neuron=None, say=print):
    """Measure the nerve-model rates; returns a dict (per core, from CPU time).

    ``neuron``: time NEURON too (None: when it is installed). ``say`` receives progress lines
    (the suite passes a logger; these lines state targets but never end in PASS/FAIL, which
    are reserved for the suite's case lines).
    """
    import numba
    threads = numba.get_num_threads()
    numba.set_num_threads(1)                 # per-core rates
    try:
        return _run(quick, neuron, say)
    finally:
        numba.set_num_threads(threads)


def _met(ok):
    return "met" if ok else "missed"


def _run(quick, neuron, say):
    import coilsim.pulses as P
    from coilsim.nerves import Estimator, point_source_potential, senn_threshold
    from . import neuron_reference as NR
    out = {}
    ve = lambda p: point_source_potential(p, (0.0, 2e-3, 0.0), -1.0, 3.0)
    rect = P.rectangular(100e-6)
    cpu, _ = _cpu(lambda: senn_threshold(20e-6, ve, rect), 0.5 if quick else 1.0)
    out["senn_thresholds_per_s"] = 1.0 / cpu
    say(f"SENN threshold (20 µm, 51 nodes): {cpu * 1e3:.1f} ms CPU -> {1 / cpu:.1f} thresholds/s per core "
        f"(target >= 20: {_met(1 / cpu >= 20)})")
    cpu, _ = _cpu(lambda: NR.coilsim_threshold(10.0, "point", rect, 121, rel_tol=0.005),
                  0.5 if quick else 1.0)
    out["mrg_threshold_s"] = cpu
    say(f"MRG threshold (10 µm, 121 nodes, 5 µs BE): {cpu * 1e3:.1f} ms CPU per core")
    if neuron is None:
        try:
            import neuron as _neuron  # noqa: F401
            neuron = True
        except ImportError:
            neuron = False
    if neuron:
        cs = NR.coilsim_threshold(10.0, "point", rect, 121, rel_tol=0.005)
        c0 = time.process_time()
        # NEURON gets coilsim's answer (+30 %) as its first guess: its search is not handicapped
        thr, site, runs, wall = NR.neuron_threshold(10.0, "point", rect, 121, rel_tol=0.005,
                                                    guess=1.3 * cs.amplitude)
        ncpu = time.process_time() - c0
        out["neuron_threshold_s"] = ncpu
        out["neuron_speedup"] = ncpu / cpu
        say(f"NEURON MRG threshold: {ncpu:.2f} s CPU ({runs} runs) threshold {thr:.6g} A; coilsim "
            f"{cs.amplitude:.6g} A; speed-up {ncpu / cpu:.0f}x (target >= 10: {_met(ncpu / cpu >= 10)})")
    else:
        say("NEURON not run (pip install neuron; the suite runs it with --neuron): MRG speed-up not measured")
    est = Estimator.default("mrg", 10e-6)
    rng = np.random.default_rng(0)
    nf = 20000
    x = (np.arange(121) - 60) * 1.15e-3
    d = rng.uniform(1e-3, 2e-2, nf)
    ves = -5.0 / (4 * math.pi * np.sqrt(x[None, :] ** 2 + d[:, None] ** 2))
    pulse = P.biphasic(300e-6)
    est.thresholds(ves[:10], pulse)
    cpu, _ = _cpu(lambda: est.thresholds(ves, pulse), 0.5 if quick else 1.0)
    rate = nf / cpu
    out["estimator_fibres_per_s"] = rate
    say(f"estimator (121 nodes, V_e given): {rate:.3g} fibres/s per core (target >= 1e4: {_met(rate >= 1e4)})")
    return out


#: a calibrated row whose worst fit error exceeds this is polished (Estimator.polish)
POLISH_ABOVE = 0.14


def calibrate(models=("mrg", "senn", "senn_crrss"), say=print, starts=2, cache=None):
    """Refit the estimator's built-in calibration (:data:`coilsim.nerves.estimator.DEFAULT_CALIBRATION`).

    MRG: one row per diameter of ``MRG_CALIBRATION_DIAMETERS``, fitted on the ``"fit"`` cases of
    :func:`~coilsim.nerves.estimator.calibration_cases`; held out: the ``"validation"`` cases at
    that diameter and both sets at ``MRG_VALIDATION_DIAMETERS`` (the estimator interpolated
    between rows); each diameter's fit also starts from the previous diameter's row (the first
    from the built-in one). SENN
    (scale-free): one row per node membrane ("senn": Frankenhaeuser–Huxley,
    "senn_crrss": CRRSS), fitted on 10 and 20 µm together (also started from the built-in row
    it replaces); held out: the validation cases at
    those diameters and both sets at 15 µm. A row whose worst fit case is beyond
    ``POLISH_ABOVE`` is then polished (:meth:`~coilsim.nerves.Estimator.polish`; MRG after
    the whole chain, so the chain starts from the unpolished rows). Prints the rows to paste into
    ``DEFAULT_CALIBRATION`` and the error tables; returns ``{model: [rows]}``.
    ``starts``: least-squares starts per fit; ``cache``: folder of the nonlinear reference
    thresholds (:func:`coilsim.benchmarks.estimator_table.references`, computed when missing).
    Single-threaded, about a minute per fitted row and per reference set.
    """
    from coilsim.nerves import estimator as E
    from .estimator_table import references
    Est = E.Estimator
    refs = references(cache, say=say, models=models)
    out = {}

    def show(tab):
        for s in ("fit", "validation"):
            rows = [r for r in tab if r["set"] == s]
            for d in sorted({r["diameter"] for r in rows}):
                err = np.array([r["error"] for r in rows if r["diameter"] == d])
                if err.size:
                    say(f"   {s:10s} D {d * 1e6:5.2f} µm: {err.size:3d} cases, max {np.abs(err).max():.3f} "
                        f"rms {np.sqrt(np.mean(err ** 2)):.3f}")
            worst = sorted(rows, key=lambda r: -abs(r["error"]))[:4]
            for r in worst:
                say(f"      {s} {r['diameter'] * 1e6:.2f} µm {r['label']}: {r['error']:+.3f}")

    def fmt(row):
        d, c, t1, k1, a2, t2, k2, g, ta, eta, beta, delta, fm, fr, vm, vr = row
        return (f"({d:.3g}, {c:.6g}, {t1:.6g}, {k1:.4f}, {a2:.4f}, {t2:.6g}, {k2:.4f}, {g:.4f}, "
                f"{ta:.6g}, {eta:.4f}, {beta:.4f}, {delta:.4f}, {fm:.3f}, {fr:.3f}, {vm:.3f}, {vr:.3f}),")

    for key, node in (("senn", None), ("senn_crrss", "crrss")):
        if key not in models:
            continue
        ref = lambda d, split: refs["senn", node, d, split]
        fit = [r for d in E.SENN_CALIBRATION_DIAMETERS for r in ref(d, "fit")]
        val = [r for d in E.SENN_CALIBRATION_DIAMETERS for r in ref(d, "validation")]
        val += [r for d in E.SENN_VALIDATION_DIAMETERS for r in ref(d, "fit") + ref(d, "validation")]
        # also started from the built-in row it replaces
        est, tab = Est.calibrate("senn", E.SENN_CALIBRATION_DIAMETERS, fit, validation=val,
                                 node=node, starts=starts,
                                 init=Est.default("senn", E.SENN_CALIBRATION_DIAMETERS[0], node))
        if est.calibration.max_error > POLISH_ABOVE:
            est, tab = Est.polish(est, fit, validation=val, node=node)
        row = est.row()
        row = (E.SENN_CALIBRATION_DIAMETERS[0],) + row[1:]
        out[key] = [row]
        say(f"{key}:")
        say("    " + fmt(row))
        show(tab)
    if "mrg" in models:
        # each fit also starts from the previous row (the first from the built-in row)
        rows, est = [], Est.default("mrg", E.MRG_CALIBRATION_DIAMETERS[0])
        ref = lambda d, split: refs["mrg", None, d, split]
        chain = []
        for d in E.MRG_CALIBRATION_DIAMETERS:
            est, tab = Est.calibrate("mrg", d, ref(d, "fit"), validation=ref(d, "validation"),
                                     starts=starts, init=est)
            chain.append((est, tab))
        for d, (est, tab) in zip(E.MRG_CALIBRATION_DIAMETERS, chain):
            if est.calibration.max_error > POLISH_ABOVE:
                est, tab = Est.polish(est, ref(d, "fit"), validation=ref(d, "validation"))
            rows.append(est.row())
            say("mrg:    " + fmt(rows[-1]))
            show(tab)
        out["mrg"] = rows
        # held-out diameters: the estimator interpolated between the fitted rows
        saved = E.DEFAULT_CALIBRATION["mrg"]
        E.DEFAULT_CALIBRATION["mrg"] = tuple(rows)
        try:
            for d in E.MRG_VALIDATION_DIAMETERS:
                est = Est.default("mrg", d)
                rs = ref(d, "fit") + ref(d, "validation")
                err = np.array([est.thresholds(r["ve"], r["pulse"]) / r["threshold"] - 1
                                for r in rs if np.isfinite(r["threshold"])])
                say(f"   held-out D {d * 1e6:.2f} µm (interpolated): {err.size} cases, max "
                    f"{np.abs(err).max():.3f} rms {np.sqrt(np.mean(err ** 2)):.3f}")
        finally:
            E.DEFAULT_CALIBRATION["mrg"] = saved
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--cache", help="with --calibrate: folder for the nonlinear reference thresholds")
    a = ap.parse_args(argv)
    print(f"cores available: {len(os.sched_getaffinity(0))}; rates are per core from CPU time")
    if a.calibrate:
        calibrate(cache=a.cache)
        return 0
    run(a.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
