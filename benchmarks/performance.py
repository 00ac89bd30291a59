"""Performance cases: ratios measured side by side in one run, rates per core from CPU time.

The measurements come from :mod:`.biot_savart_perf` (Biot–Savart kernels against a same-run
microkernel with the B kernel's operation mix, and against magpylib; DESIGN.md "machine
limit") and :mod:`.nerves_perf` (SENN and estimator rates; MRG against NEURON with
``--neuron``), plus the wall time of the default ``coilsim run``. Each is measured once per run
and reported by the cases below against the targets the issues and the README state. Shared
machines are noisy: the performance suite is no CI gate (``coilsim bench --perf``).
"""

from __future__ import annotations

import logging
import tempfile
import time

from .suite import Outcome, Registry

log = logging.getLogger(__name__)


def _bs(ctx):
    from . import biot_savart_perf
    return ctx.cached("biot_savart", lambda: biot_savart_perf.run(ctx.quick))


def _nerves(ctx):
    from . import nerves_perf
    return ctx.cached("nerves", lambda: nerves_perf.run(ctx.quick, neuron=ctx.neuron, say=log.info))


def _row(report, case):
    for r in report["rows"]:
        if r["case"] == case:
            return r
    raise LookupError(f"no row {case!r} in the Biot–Savart timing run")


def register(reg: Registry) -> None:
    """Add the performance cases (stage ``perf``) to ``reg``."""

    def _fraction(kernel, target):
        def func(ctx):
            rep = _bs(ctx)
            r = _row(rep, kernel)
            return Outcome(r["fraction_of_limit"], {"pairs_per_s_per_core": r["pairs_per_s_per_core"],
                                                    "limit_pairs_per_s_per_core": _row(rep, "limit_2sqrt_1div")["pairs_per_s_per_core"],
                                                    "cpu_s": r["cpu_s"], "case": rep["case"]})
        func.__doc__ = (f"Biot–Savart {kernel} kernel, pairs per CPU-second per core, as a fraction of the "
                        "same-run microkernel limit (2 sqrt + 1 div per pair); 1000-segment spiral, 1e5 "
                        f"points; README goal ≥ {target:.0%}.")
        return func

    for kernel, target in (("B", 0.8), ("A", 0.4), ("A+B", 0.35)):
        name = "perf_bs_" + kernel.replace("+", "") + "_of_limit"
        reg.case(name, "perf", f"same-run machine limit (goal ≥ {target:.0%})", target, check="min",
                 quantity="fraction of limit")(_fraction(kernel, target))

    @reg.case("perf_bs_vs_magpylib", "perf", "magpylib Polyline.getB, same run (goal ≥ 100×)", 100.0,
              check="min", quantity="speed-up per core", requires=("magpylib",))
    def bs_vs_magpylib(ctx):
        """B kernel pairs per CPU-second per core over magpylib's `Polyline.getB` on the same coil."""
        rep = _bs(ctx)
        return Outcome(rep["speedup_B_vs_magpylib_per_core"], {"machine": rep["machine"]})

    @reg.case("perf_senn_thresholds_per_s", "perf", "issue 5 target ≥ 20 thresholds/s", 20.0, check="min",
              quantity="thresholds/s per core")
    def senn_rate(ctx):
        """SENN thresholds per CPU-second on one core (20 µm, 51 nodes, 100 µs rectangle, ±0.5 %)."""
        return Outcome(_nerves(ctx)["senn_thresholds_per_s"], {})

    @reg.case("perf_estimator_fibres_per_s", "perf", "issue 5 target ≥ 1e4 fibres/s", 1e4, check="min",
              quantity="fibres/s per core")
    def estimator_rate(ctx):
        """Estimator thresholds per CPU-second on one core (MRG 10 µm, 121 nodes, V_e given)."""
        return Outcome(_nerves(ctx)["estimator_fibres_per_s"], {})

    @reg.case("perf_mrg_vs_neuron", "perf", "NEURON, same run (issue 5: ≥ 10×)", 10.0, check="min",
              quantity="speed-up (CPU time)", requires=("neuron",), option="neuron")
    def mrg_vs_neuron(ctx):
        """One MRG threshold (10 µm, 121 nodes, 5 µs backward Euler, ±0.5 %): NEURON's CPU time over
        coilsim's, both in this run (NEURON starts from coilsim's answer + 30 %)."""
        n = _nerves(ctx)
        if "neuron_speedup" not in n:
            raise RuntimeError("NEURON was not timed (is it installed?)")
        return Outcome(n["neuron_speedup"], {"neuron_s": n["neuron_threshold_s"], "coilsim_s": n["mrg_threshold_s"]})

    @reg.case("perf_default_run_wall_s", "perf", "issue 6: default `coilsim run` ≤ 120 s", 120.0,
              quantity="wall seconds")
    def default_run(ctx):
        """Wall time of the default `coilsim run` (in-process, into a temporary folder)."""
        from coilsim import cli
        with tempfile.TemporaryDirectory(prefix="coilsim-bench-run-") as tmp:
            t0 = time.perf_counter()
            import contextlib
            import io
            with contextlib.redirect_stdout(io.StringIO()) as buf:
                rc = cli.main(["run", "--out", f"{tmp}/out"])
            wall = time.perf_counter() - t0
        if rc != 0:
            raise RuntimeError(f"coilsim run exited with {rc}: {buf.getvalue()[-300:]}")
        return Outcome(wall, {"exit_code": rc})


def _ef(ctx):
    from . import efield_perf
    return ctx.cached("efield", lambda: efield_perf.run(ctx.quick))


def register_efield(reg: Registry) -> None:
    """E-field solver performance cases (issue 4): operator vs its limit, direct vs FMM, the
    default child model's solve and reuse times, and the accuracy of that resolution."""

    @reg.case("perf_bem_operator_of_limit", "perf", "same-run microkernel (1 sqrt + 1 div per pair)",
              0.5, check="min", quantity="fraction of limit")
    def bem_operator(ctx):
        """BEM far-field matvec, pairs per CPU-second per core, as a fraction of the same-run
        microkernel with its operation mix."""
        r = _ef(ctx)["operator"]
        return Outcome(r["fraction_of_limit"], r)

    @reg.case("perf_default_child_solve_s", "perf",
              "issue 4: solve + 1e5 points ≤ 120 s from an empty numba cache", 120.0,
              check="max", quantity="wall s")
    def child_solve(ctx):
        """child_7_10y with a 9-turn figure-eight at the medial gastrocnemius motor point: BEM solve
        and 10⁵ evaluation points, wall seconds, in a fresh process with an empty numba cache
        (JIT compilation and the operator build included)."""
        r = _ef(ctx)["default_child_cold"]
        return Outcome(r["first_s"], r)

    @reg.case("perf_default_child_reuse_ratio", "perf",
              "issue 4: further placement ≤ 0.3× the first (empty numba cache)", 0.3,
              check="max", quantity="time ratio")
    def child_reuse(ctx):
        """A second placement on the same leg (operator reused; solve + 10⁵ points) over the first
        run's time from an empty numba cache; the ratio with a warm cache is in the details."""
        r = _ef(ctx)["default_child_cold"]
        return Outcome(r["reuse_ratio"], {**r, "warm": _ef(ctx)["default_child"]})

    @reg.case("perf_default_resolution_error_0p3_2mm", "perf",
              "layered cylinder series, 0.3–2 mm from interfaces (goal ≤ 3 %)", 0.03, check="max")
    def resolution(ctx):
        """Field error at points 0.3–2 mm from an interface of a skin/fat/muscle cylinder meshed
        with the calf models' default options (the ≥ 2 mm error is in the details)."""
        r = _ef(ctx)["cylinder"]
        return Outcome(r["error_0p3_2mm"], r)


def register_sweep(reg: Registry) -> None:
    """Sweep throughput per core and the field cache (issue 6: the BEM sweep lives here)."""

    def _sw(ctx):
        from . import sweep_perf
        return ctx.cached("sweep", lambda: sweep_perf.run(ctx.quick))

    @reg.case("perf_sweep_cache_speedup", "perf", "field cache (goal ≥ 3× when fields repeat)", 3.0,
              check="min", quantity="speed-up")
    def sweep_cache(ctx):
        """Default BEM scenario, 2 placements × 5 intensities: wall time of the sweep that solves
        the two fields over the same sweep with new intensities on the cached fields."""
        r = _sw(ctx)
        return Outcome(r["cache_speedup"], r)

    @reg.case("perf_sweep_points_per_core_s", "perf", "points per CPU-second per core, cached fields",
              1.0, check="min", quantity="points/s/core")
    def sweep_rate(ctx):
        """Sweep points per CPU-second per core once the fields are cached (estimator screen,
        MRG confirmations and pulse model per point; CPU time of this process and its workers)."""
        r = _sw(ctx)
        return Outcome(r["points_per_cpu_s_per_core_cached_fields"], r)


def register_fmm(reg: Registry) -> None:
    """Direct far-field sum against fmm3dpy (optional extra ``fmm``)."""

    @reg.case("perf_fmm_normalisation", "perf", "direct sum (pins fmm3dpy's 1/4π convention)", 1e-5,
              requires=("fmm3dpy",))
    def fmm(ctx):
        """fmm3dpy lfmm3d (eps 1e-6) against the BEM's direct far-field sum on the same charges
        at N = 4k, 16k (48k full): the largest relative difference, with both wall times and the
        crossover N in the details (fmm3dpy is measured, not yet used by the solver)."""
        r = _ef(ctx)["fmm"]
        return Outcome(max(row["normalisation_error"] for row in r["rows"]), r)
