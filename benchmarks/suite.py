"""The benchmark suite: a small case registry, the runner, and the JSON / Markdown / PNG report.

A *case* compares one computed quantity with an independent reference and states, before it
runs, how close it must be:

* ``name``, ``stage`` (``biot_savart``, ``inductance``, ``pulses``, ``membrane``, ``senn``,
  ``mrg``, ``efield``, ``perf``), a short ``reference`` (what it is compared with: an analytic
  formula, a published value, a peer code, a stored NEURON table), the ``tolerance``;
* a function ``func(ctx) -> Outcome`` that returns the measured error (or, for performance
  cases, the measured figure of merit) and details (inputs, per-item errors, a plot);
* ``check="max"``: PASS when ``error <= tolerance`` (accuracy); ``check="min"``: PASS when
  ``value >= tolerance`` (performance targets);
* ``requires``: modules that must import (else the case is listed as not run); ``option``: a
  :class:`Context` flag that must be set (``"neuron"``: only with ``--neuron``);
* ``variants``: the suites it belongs to (``"quick"``: the CI gate; ``"full"``: ``coilsim bench``);
  the function reads ``ctx.quick`` to size itself.

The runner prints one line per case, ``stage  case  reference  tol  err  time  PASS|FAIL``;
no other line it prints ends in PASS or FAIL (DESIGN.md). An exception inside a case is a FAIL
with the exception in the details, never a crash of the suite. Everything the report shows is
written only when the run has finished, each file replaced atomically.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import math
import os
import platform
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from coilsim.errors import CoilsimTypeError, CoilsimValueError

log = logging.getLogger(__name__)

STAGES = ("biot_savart", "convergence", "inductance", "pulses", "membrane", "senn", "mrg",
          "efield", "perf")
VARIANTS = ("quick", "full")
JSON_NAME = "bench.json"
MD_NAME = "bench.md"
#: schema version of bench.json (scripts/bench_readme.py reads it)
SCHEMA = 1


# --------------------------------------------------------------------------- registry


@dataclass
class Outcome:
    """What a case function returns: the measured error (or value) and its details.

    ``plot`` (optional) is drawn into the report: ``{"figure": file stem, "title", "xlabel",
    "ylabel", "loglog": bool, "series": [{"label", "x", "y", "style"}], "hline": y}``; cases that
    name the same figure are drawn into one PNG.
    """

    error: float
    details: dict = field(default_factory=dict)
    plot: dict | None = None


@dataclass(frozen=True)
class Case:
    """One benchmark case (see the module docstring)."""

    name: str
    stage: str
    reference: str
    tolerance: float
    func: Callable
    check: str = "max"
    quantity: str = "error"
    variants: tuple = VARIANTS
    requires: tuple = ()
    option: str = ""
    timeout_s: float = 300.0
    doc: str = ""

    def passed(self, error: float) -> bool:
        if not isinstance(error, (int, float)) or math.isnan(error):
            return False
        return error <= self.tolerance if self.check == "max" else error >= self.tolerance


class Registry:
    """Cases by name, in registration order."""

    def __init__(self):
        self._cases: dict[str, Case] = {}

    def add(self, case: Case) -> Case:
        if not isinstance(case, Case):
            raise CoilsimTypeError(f"case must be a Case; got {type(case).__name__}")
        if case.stage not in STAGES:
            raise CoilsimValueError(f"case {case.name!r}: stage must be one of {STAGES}; got {case.stage!r}")
        if case.check not in ("max", "min"):
            raise CoilsimValueError(f"case {case.name!r}: check must be 'max' or 'min'; got {case.check!r}")
        if not (isinstance(case.tolerance, (int, float)) and case.tolerance >= 0):
            raise CoilsimValueError(f"case {case.name!r}: tolerance must be a number >= 0; got {case.tolerance!r}")
        bad = set(case.variants) - set(VARIANTS)
        if bad:
            raise CoilsimValueError(f"case {case.name!r}: variants must be among {VARIANTS}; got {sorted(bad)}")
        if case.name in self._cases:
            raise CoilsimValueError(f"case {case.name!r} is registered twice; case names are unique")
        self._cases[case.name] = case
        return case

    def case(self, name: str, stage: str, reference: str, tolerance: float, **kw):
        """Decorator: register ``func(ctx) -> Outcome`` as a case (its docstring is ``doc``)."""
        def deco(func):
            doc = " ".join((func.__doc__ or "").split())
            self.add(Case(name, stage, reference, float(tolerance), func, doc=doc, **kw))
            return func
        return deco

    def __iter__(self):
        return iter(self._cases.values())

    def __len__(self):
        return len(self._cases)

    def __contains__(self, name):
        return name in self._cases

    def __getitem__(self, name) -> Case:
        return self._cases[name]

    def select(self, variant: str, names=None, stages=None) -> list:
        if variant not in VARIANTS:
            raise CoilsimValueError(f"variant must be one of {VARIANTS}; got {variant!r}")
        if names:                     # cases asked for by name run in either variant
            unknown = set(names) - set(self._cases)
            if unknown:
                raise CoilsimValueError(f"unknown case name(s) {sorted(unknown)}; see --list")
            out = [c for c in self if c.name in names]
        else:
            out = [c for c in self if variant in c.variants]
        if stages:
            out = [c for c in out if c.stage in stages]
        return out


@dataclass
class Context:
    """What a case function may read: the variant and options, and a per-run cache for
    measurements that several cases share (e.g. one timing run reported by three cases)."""

    quick: bool = True
    neuron: bool = False
    seed: int = 20261126
    cache: dict = field(default_factory=dict)

    def cached(self, key: str, make: Callable):
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


def missing_requirements(case: Case) -> list:
    """Modules a case needs that do not import here."""
    import importlib.util
    return [m for m in case.requires if importlib.util.find_spec(m) is None]


# --------------------------------------------------------------------------- runner


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return f"{x:.2e}"


def format_line(r: dict) -> str:
    """``stage  case  reference  tol  err  time  PASS|FAIL`` (the verdict is the last word)."""
    ref = r["reference"]
    if len(ref) > 46:
        ref = ref[:45] + "…"
    op = "≤" if r["check"] == "max" else "≥"
    return (f"{r['stage']:11s} {r['name']:36s} {ref:46s} tol {op}{_fmt(r['tolerance']):9s} "
            f"{'val' if r['stage'] == 'perf' else 'err'} {_fmt(r['error']):9s} {r['wall_s']:6.1f}s  "
            f"{'PASS' if r['passed'] else 'FAIL'}")


def header_line() -> str:
    return (f"{'stage':11s} {'case':36s} {'reference':46s} {'tolerance':13s} "
            f"{'measured':13s} {'time':>7s}  result")


def _jsonable(x):
    """Recursively convert numpy scalars/arrays and non-finite floats for JSON."""
    import numpy as np
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.generic):
        return _jsonable(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)          # "nan", "inf": JSON has no literal for them
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return repr(x)


class CaseTimeout(Exception):
    """A case ran longer than its ``timeout_s`` (a broken kernel must not hang the suite)."""


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise :class:`CaseTimeout` in the main thread after ``seconds`` (SIGALRM; elsewhere a no-op).
    Python code is interrupted at once, a running numba kernel when it returns."""
    usable = (hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
              and seconds and seconds > 0)
    if not usable:
        yield
        return

    def handler(signum, frame):
        raise CaseTimeout(f"no result within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, handler)
    prev = signal.setitimer(signal.ITIMER_REAL, seconds)[0]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if prev:                                      # an outer timer keeps what is left of it
            signal.setitimer(signal.ITIMER_REAL, prev)


def run_case(case: Case, ctx: Context) -> dict:
    """Run one case; an exception (or running past ``timeout_s``) is a FAIL with the reason
    recorded."""
    c0, w0 = time.process_time(), time.perf_counter()
    error, details, plot, exc = math.nan, {}, None, None
    try:
        with _deadline(case.timeout_s):
            out = case.func(ctx)
        if isinstance(out, tuple):
            out = Outcome(*out)
        if not isinstance(out, Outcome):
            raise CoilsimTypeError(f"case {case.name!r} returned {type(out).__name__}; return an Outcome")
        error, details, plot = float(out.error), dict(out.details), out.plot
    except Exception as e:                            # a broken case must not stop the suite
        exc = f"{type(e).__name__}: {e}"
        details = {"exception": exc, "traceback": traceback.format_exc(limit=6)}
        log.warning("case %s raised %s (traceback in the report)", case.name, exc)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {"name": case.name, "stage": case.stage, "reference": case.reference, "doc": case.doc,
            "tolerance": case.tolerance, "check": case.check, "quantity": case.quantity,
            "error": error, "passed": exc is None and case.passed(error), "wall_s": wall,
            "cpu_s": cpu, "details": _jsonable(details), "plot": _jsonable(plot) if plot else None,
            "exception": exc}


def run_cases(cases, ctx: Context, emit: Callable[[str], None] | None = print) -> list:
    """Run ``cases`` in order; ``emit`` receives one line per case (None: silent)."""
    results = []
    for case in cases:
        r = run_case(case, ctx)
        results.append(r)
        if emit is not None:
            emit(format_line(r))
    return results


# --------------------------------------------------------------------------- environment


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                           # not on Linux
        return os.cpu_count() or 1


def versions() -> dict:
    """Versions of Python and of the packages that shape the numbers (metadata only: no import)."""
    from importlib import metadata

    import coilsim
    out = {"python": platform.python_version(), "coilsim": coilsim.__version__}
    for pkg in ("numpy", "scipy", "numba", "llvmlite", "magpylib", "matplotlib", "neuron", "cfsem"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def machine() -> dict:
    import numba
    return {"cpu": _cpu_model(), "arch": platform.machine(), "system": platform.system(),
            "cores": _cores(), "numba_threads": numba.get_num_threads()}


# --------------------------------------------------------------------------- report


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _figures(results: list) -> dict:
    """Merge the cases' plot specs by figure name."""
    figs: dict[str, dict] = {}
    for r in results:
        p = r.get("plot")
        if not p:
            continue
        f = figs.setdefault(p["figure"], {k: v for k, v in p.items() if k != "series"} | {"series": []})
        f["series"].extend(p.get("series", []))
    return figs


def _render_png(spec: dict) -> bytes:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4), constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for s in spec["series"]:
        ax.plot(s["x"], s["y"], s.get("style", "o-"), label=s.get("label"))
    if spec.get("loglog"):
        ax.set_xscale("log")
        ax.set_yscale("log")
    elif spec.get("logy"):
        ax.set_yscale("log")
    if spec.get("hline") is not None:
        ax.axhline(spec["hline"], color="k", lw=0.8, ls="--")
    ax.set_xlabel(spec.get("xlabel", ""))
    ax.set_ylabel(spec.get("ylabel", ""))
    ax.set_title(spec.get("title", ""), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    if any(s.get("label") for s in spec["series"]):
        ax.legend(fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _render_margins(results: list) -> bytes:
    """Each case's error relative to its tolerance (accuracy) or target over value (perf):
    below 1 passes; the bar's length is the margin on a log axis."""
    import io

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = []
    for r in results:
        e, t = r["error"], r["tolerance"]
        if not isinstance(e, float) or math.isnan(e):
            q = math.inf
        elif r["check"] == "max":
            q = e / t if t > 0 else (0.0 if e == 0 else math.inf)
        else:
            q = t / e if e > 0 else math.inf
        rows.append((r["name"], q, r["passed"]))
    h = max(3.0, 0.22 * len(rows) + 1.2)
    fig = Figure(figsize=(7.5, h), constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    finite = [q for _, q, _ in rows if 0 < q < math.inf]
    lo = min(finite) / 3 if finite else 1e-6
    vals = np.array([min(max(q, lo), 1e3) if q > 0 else lo for _, q, _ in rows])
    y = np.arange(len(rows))
    ax.barh(y, np.maximum(vals - lo, 0.0), left=lo, color=["tab:green" if p else "tab:red" for _, _, p in rows])
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=1)
    ax.set_yticks(y, [n for n, _, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("error / tolerance   (performance: target / value);   ≤ 1 passes")
    ax.set_title("Margin of every case", fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _render_histogram(results: list) -> bytes:
    import io

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    q = []
    for r in results:
        e, t = r["error"], r["tolerance"]
        if r["check"] == "max" and isinstance(e, float) and math.isfinite(e) and t > 0:
            q.append(math.log10(max(e / t, 1e-12)))
    fig = Figure(figsize=(6.4, 3.6), constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if q:
        ax.hist(q, bins=np.arange(math.floor(min(q)), 1.5, 0.5), color="tab:blue", edgecolor="k")
    ax.axvline(0.0, color="k", lw=1)
    ax.set_xlabel("log10(error / tolerance) of the accuracy cases  (≤ 0 passes)")
    ax.set_ylabel("cases")
    ax.set_title("Accuracy margins", fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _md_escape(s: str) -> str:
    return str(s).replace("|", "\\|")


def markdown(report: dict, figure_files: list) -> str:
    """The Markdown report (tables first, then figures)."""
    s = report["summary"]
    m, v = report["machine"], report["versions"]
    lines = [f"# coilsim benchmark report ({report['inputs']['variant']} suite)", "",
             f"{report['date']} · coilsim {v['coilsim']} · {m['cores']} cores ({m['cpu']}) · "
             f"python {v['python']}, numpy {v['numpy']}, scipy {v['scipy']}, numba {v['numba']}, "
             f"magpylib {v['magpylib']}" + (f", NEURON {v['neuron']}" if v.get("neuron") else ""), "",
             f"**{s['passed']} of {s['cases']} cases pass** "
             f"({s['failed']} below their tolerance or target) in {report['timings']['total_wall_s']:.0f} s "
             f"wall, {report['timings']['total_cpu_s']:.0f} s CPU.", ""]
    acc = [r for r in report["cases"] if r["stage"] != "perf"]
    perf = [r for r in report["cases"] if r["stage"] == "perf"]
    if acc:
        lines += ["## Accuracy", "",
                  "| stage | case | reference | tolerance | error | time (s) | result |",
                  "|---|---|---|---|---|---|---|"]
        for r in acc:
            lines.append(f"| {r['stage']} | `{r['name']}` | {_md_escape(r['reference'])} | "
                         f"≤ {_fmt(r['tolerance'])} | {_fmt(r['error'])} | {r['wall_s']:.1f} | "
                         f"{'PASS' if r['passed'] else '**FAIL**'} |")
        lines.append("")
    if perf:
        lines += ["## Performance", "",
                  "Rates per core from CPU time; ratios measured side by side in this run.", "",
                  "| case | reference / target | target | measured | result |", "|---|---|---|---|---|"]
        for r in perf:
            op = "≥" if r["check"] == "min" else "≤"
            lines.append(f"| `{r['name']}` | {_md_escape(r['reference'])} | {op} {r['tolerance']:.3g} | "
                         f"{_fmt(r['error'])} | {'PASS' if r['passed'] else '**FAIL**'} |")
        lines.append("")
        bs = report.get("performance", {}).get("biot_savart")
        if bs:
            lines += [f"Biot–Savart kernels ({bs['case']}):", "",
                      "| kernel | pairs/s/core | of the machine limit |", "|---|---|---|"]
            for row in bs["rows"]:
                lines.append(f"| {row['case']} | {row['pairs_per_s_per_core']:.3e} | "
                             f"{100 * row['fraction_of_limit']:.1f} % |")
            lines.append("")
        nv = report.get("performance", {}).get("nerves")
        if nv:
            lines += ["Nerve models (per core, CPU time):", "", "| quantity | value |", "|---|---|"]
            for k, val in nv.items():
                lines.append(f"| {k} | {val:.4g} |" if isinstance(val, float) else f"| {k} | {val} |")
            lines.append("")
    if s["skipped"]:
        lines += ["## Not run", ""] + [f"- `{k}`: {why}" for k, why in s["skipped"].items()] + [""]
    fails = [r for r in report["cases"] if not r["passed"]]
    if fails:
        lines += ["## Failures", ""]
        for r in fails:
            lines.append(f"- `{r['name']}`: error {_fmt(r['error'])} vs tolerance "
                         f"{_fmt(r['tolerance'])}" + (f" — {r['exception']}" if r["exception"] else ""))
        lines.append("")
    if figure_files:
        lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figure_files] + [""]
    lines += ["## What each case compares", ""]
    for r in report["cases"]:
        lines.append(f"- `{r['name']}` ({r['stage']}): {r['doc'] or r['reference']}")
    lines.append("")
    return "\n".join(lines)


def write_report(report: dict, out: Path) -> list:
    """Write bench.json, bench.md and the PNG figures into ``out`` (each file atomically);
    figures of an earlier run that this run did not produce are removed. Returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    pngs = []
    if report["cases"]:
        files["fig_margins.png"] = _render_margins(report["cases"])
        files["fig_error_histogram.png"] = _render_histogram(report["cases"])
        pngs += ["fig_margins.png", "fig_error_histogram.png"]
    for name, spec in _figures(report["cases"]).items():
        fn = f"fig_{name}.png"
        try:
            files[fn] = _render_png(spec)
            pngs.append(fn)
        except Exception as exc:                     # a figure must not lose the report
            log.warning("figure %s not drawn: %s", fn, exc)
    report = dict(report, files=[JSON_NAME, MD_NAME] + pngs)
    files[MD_NAME] = markdown(report, pngs).encode()
    files[JSON_NAME] = json.dumps(_jsonable(report), indent=1).encode()
    old = []
    prev = out / JSON_NAME
    if prev.exists():
        try:
            old = json.loads(prev.read_text()).get("files", [])
        except (OSError, ValueError):
            old = []
    written = []
    for name in [n for n in files if n != JSON_NAME] + [JSON_NAME]:   # the JSON last: it lists the rest
        _atomic_write(out / name, files[name])
        written.append(out / name)
    for name in old:
        if name not in files and name.startswith("fig_") and "/" not in name:
            try:
                (out / name).unlink()
            except OSError:
                pass
    return written


# --------------------------------------------------------------------------- the whole run


def build_report(results: list, ctx: Context, *, variant: str, perf: bool, argv, skipped: dict,
                 wall: float, cpu: float, performance: dict | None = None) -> dict:
    n_pass = sum(r["passed"] for r in results)
    return {
        "schema": SCHEMA,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": list(argv) if argv is not None else None,
        "inputs": {"variant": variant, "quick": ctx.quick, "perf": perf, "neuron": ctx.neuron,
                   "seed": ctx.seed},
        "versions": versions(),
        "machine": machine(),
        "timings": {"total_wall_s": wall, "total_cpu_s": cpu,
                    "accuracy_wall_s": sum(r["wall_s"] for r in results if r["stage"] != "perf"),
                    "perf_wall_s": sum(r["wall_s"] for r in results if r["stage"] == "perf")},
        "summary": {"cases": len(results), "passed": n_pass, "failed": len(results) - n_pass,
                    "skipped": skipped},
        "cases": results,
        "performance": performance or {},
    }


def registry(perf: bool = False) -> Registry:
    """A fresh registry with every case this installation can run: accuracy, the E-field cases
    when :func:`coilsim.solve_efield` exists, and (``perf``) the performance cases."""
    from . import accuracy, accuracy_efield
    reg = Registry()
    accuracy.register(reg)
    accuracy_efield.register(reg)
    if perf:
        from . import performance
        performance.register(reg)
        performance.register_efield(reg)
        performance.register_sweep(reg)
        performance.register_fmm(reg)
    return reg


def run(*, quick: bool = False, perf: bool = False, neuron: bool = False, out="coilsim-bench",
        names=None, stages=None, emit: Callable[[str], None] | None = print, argv=None,
        write: bool = True) -> dict:
    """Run the suite and write the report; returns the report dict (``report["summary"]``)."""
    variant = "quick" if quick else "full"
    ctx = Context(quick=quick, neuron=neuron)
    reg = registry(perf or bool(stages and "perf" in stages))
    skipped = {}
    cases = []
    for c in reg.select(variant, names, stages):
        miss = missing_requirements(c)
        if c.option and not getattr(ctx, c.option, False):
            skipped[c.name] = f"runs only with --{c.option}"
        elif miss:
            skipped[c.name] = f"needs {', '.join(miss)} (not installed)"
        else:
            cases.append(c)
    from . import accuracy_efield
    if not accuracy_efield.available() and not names:
        skipped["efield_*"] = accuracy_efield.UNAVAILABLE
    if emit is not None:
        m = machine()
        emit(f"coilsim bench: {variant} suite, {len(cases)} cases{' with performance' if perf else ''}; "
             f"{m['cores']} cores ({m['cpu']})")
        emit(header_line())
    w0, c0 = time.perf_counter(), time.process_time()
    results = run_cases(cases, ctx, emit)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    performance = {k: ctx.cache[k] for k in ("biot_savart", "nerves") if k in ctx.cache}
    report = build_report(results, ctx, variant=variant, perf=perf, argv=argv, skipped=skipped,
                          wall=wall, cpu=cpu, performance=performance)
    if write:
        write_report(report, Path(out))
    if emit is not None:
        for k, why in skipped.items():
            emit(f"not run: {k}: {why}")
        s = report["summary"]
        emit(f"{s['passed']} of {s['cases']} cases within tolerance, {s['failed']} outside; "
             f"{wall:.0f} s wall, {cpu:.0f} s CPU" + (f"; report in {out}/" if write else ""))
    return report


def main(argv=None, prog: str = "python -m benchmarks") -> int:
    """Command line of ``python -m benchmarks`` and ``coilsim bench``: exit 1 if any case FAILs."""
    import argparse
    p = argparse.ArgumentParser(
        prog=prog, description="coilsim accuracy suite (and, with --perf, performance suite): one line "
        "per case ending in PASS or FAIL; JSON + Markdown + PNG report in --out.")
    p.add_argument("--quick", action="store_true", help="the quick accuracy suite (the CI gate, ~1-2 min)")
    p.add_argument("--perf", action="store_true", help="also run the performance suite (not a CI gate)")
    p.add_argument("--neuron", action="store_true",
                   help="also run NEURON live (needs `pip install neuron` and a C compiler)")
    p.add_argument("--out", default="coilsim-bench", help="output folder (default ./coilsim-bench)")
    p.add_argument("--case", action="append", default=None, metavar="NAME", help="run only this case (repeatable)")
    p.add_argument("--stage", action="append", default=None, choices=STAGES, help="run only this stage (repeatable)")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    a = p.parse_args(argv)
    if a.list:
        for c in registry(perf=True):
            print(f"{c.stage:11s} {c.name:36s} {'/'.join(c.variants):10s} {c.reference}")
        return 0
    report = run(quick=a.quick, perf=a.perf, neuron=a.neuron, out=a.out, names=a.case,
                 stages=a.stage, argv=sys.argv[1:] if argv is None else argv)
    return 0 if report["summary"]["failed"] == 0 else 1
