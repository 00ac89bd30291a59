"""Command line: ``coilsim run | sweep | show | coils | tissues | bench``.

Exit codes: 0 success; 1 the computation failed (e.g. a solver did not converge, a benchmark
case failed); 2 bad input (unknown option, invalid scenario or sweep file: the message names the
file, the key and the fix); 130 interrupted (Ctrl-C; a finished earlier result stays in place).
"""

from __future__ import annotations

import argparse
import sys
import time

DEFAULT_COIL = "rpms_butterfly"


class _Bar:
    """Progress on stderr: tqdm when installed, else a one-line bar of our own."""

    def __init__(self, total, desc, enabled=True):
        self.total, self.n, self.desc, self.enabled = total, 0, desc, enabled and sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self._tq = None
        if self.enabled:
            try:
                from tqdm import tqdm
                self._tq = tqdm(total=total, desc=desc, unit="step", leave=False, file=sys.stderr)
            except ImportError:
                pass

    def step(self, label=""):
        self.n = min(self.n + 1, self.total)
        if not self.enabled:
            return
        if self._tq is not None:
            self._tq.set_postfix_str(label[:40])
            self._tq.update(1)
            return
        w = 24
        k = int(w * self.n / max(self.total, 1))
        sys.stderr.write(f"\r{self.desc} [{'#' * k}{'.' * (w - k)}] {self.n}/{self.total} "
                         f"{time.perf_counter() - self.t0:5.0f}s {label[:40]:40s}")
        sys.stderr.flush()

    def set(self, n, total=None):
        if total is not None:
            self.total = total
            if self._tq is not None:
                self._tq.total = total
        while self.n < n:
            self.step()

    def close(self):
        if self._tq is not None:
            self._tq.close()
        elif self.enabled:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()


def _run(args) -> int:
    import coilsim as cs
    from coilsim.study import Scenario, run, write_report
    from coilsim.study.report import summary_text
    from coilsim.study.run import STAGES

    scenario = Scenario.from_toml(args.scenario) if args.scenario else Scenario.default()
    if args.coil:
        scenario = scenario.with_values({"coil": args.coil})
    if args.quiet_3d:
        scenario = scenario.with_values({"output.screenshot": False})
    n_conf = int(scenario.get("nerves.confirm", 0) or 0)
    print(f"coilsim {cs.__version__}: study {scenario.name!r} ({scenario.source}) -> {args.out}/")
    bar = _Bar(len(STAGES) + n_conf + 4, "coilsim run", not args.no_progress)
    try:
        res = run(scenario, progress=bar.step, cache_dir=args.cache)
        info = write_report(res, args.out, progress=bar.step)
    finally:
        bar.close()
    print(summary_text(res))
    if info["scene_note"]:
        print(f"3-D picture missing: {info['scene_note']}")
    for n in info["notes"]:
        print(f"note: {n}")
    print(f"report: {args.out}/report.html ({len(info['files'])} files); finished in "
          f"{res.timings['total'] + info['seconds']:.1f} s")
    return 0


def _sweep(args) -> int:
    import json
    from coilsim.study import sweep
    from coilsim.study.report import atomic_folder
    from coilsim.study.sweep import load_sweep_file, sweep_points

    scenario, params, grid, cache = load_sweep_file(args.file)
    cache = args.cache or cache
    n = len(sweep_points(params, grid))
    print(f"sweep of {scenario.name!r}: {n} points over {', '.join(params)} -> {args.out}/"
          + (f" (cache {cache})" if cache else ""))
    bar = _Bar(n, "coilsim sweep", not args.no_progress)
    t0 = time.perf_counter()
    try:
        table = sweep(scenario, params, cache_dir=cache, grid=grid, max_workers=args.workers,
                      progress=lambda done, total: bar.set(done, total))
    finally:
        bar.close()
    with atomic_folder(args.out) as tmp:
        table.to_csv(tmp / "sweep.csv", index=False)
        meta = {"scenario": scenario.to_dict(), "parameters": params, "grid": grid,
                "points": n, "seconds": time.perf_counter() - t0, **table.attrs}
        (tmp / "sweep.json").write_text(json.dumps(meta, indent=1, default=str))
        keys = [k for k in params if table[k].map(lambda v: isinstance(v, (int, float))).all()]
        if len(keys) == 2 and table[keys[0]].nunique() > 1 and table[keys[1]].nunique() > 1:
            from coilsim.viz.figures import sweep_heatmap
            sweep_heatmap(table, keys[0], keys[1], "threshold_intensity").savefig(tmp / "sweep_heatmap.png", dpi=110)
    cols = ["point", *params, "family", "threshold_intensity", "activation_depth_m"]
    with __import__("pandas").option_context("display.width", 160, "display.max_rows", 40):
        print(table[[c for c in cols if c in table]].to_string(index=False, max_rows=40))
    print(f"{len(table)} rows; fields solved {table.attrs.get('fields_solved')}, points computed "
          f"{table.attrs.get('points_computed')}, from cache {table.attrs.get('points_cached')}; "
          f"{time.perf_counter() - t0:.1f} s -> {args.out}/sweep.csv")
    return 0


def _show(args) -> int:
    from pathlib import Path
    from coilsim.errors import CoilsimValueError
    from coilsim.viz.scene import scene_from_vtk, screenshot

    vtk = Path(args.dir) / "vtk"
    if not (vtk / "efield.vts").exists():
        raise CoilsimValueError(f"{args.dir}: no study VTK files (vtk/efield.vts); run `coilsim run "
                                f"--out {args.dir}` first or pass the folder of a report")
    if args.screenshot:
        ok, why = screenshot(vtk, args.screenshot)
        if not ok:
            print(f"coilsim: 3-D picture not rendered: {why}", file=sys.stderr)
            return 1
        print(f"wrote {args.screenshot}")
        return 0
    try:
        scene_from_vtk(vtk, off_screen=False).show()
    except Exception as exc:  # no display: say so, suggest the screenshot
        print(f"coilsim: cannot open a 3-D window ({exc}); use --screenshot scene.png", file=sys.stderr)
        return 1
    return 0


def _tissues(args) -> int:
    from coilsim.tissue.io import list_tissue_files, read_tissue_file
    for name in list_tissue_files():
        print(f"{name:20s} {read_tissue_file(name).description}")
    return 0


def _coils(args) -> int:
    import coilsim as cs
    for name in cs.list_coils():
        c = cs.load_coil(name)
        print(f"{name:24s} {c.metadata.get('description', '')}")
    return 0


def _bench(args) -> int:
    from coilsim.benchmarks import suite
    report = suite.run(quick=args.quick, perf=args.perf, neuron=args.neuron, out=args.out,
                       names=args.case, argv=["bench"] + sys.argv[2:])
    return 0 if report["summary"]["failed"] == 0 else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="coilsim", description="Magnetic-stimulation coil simulation: coil "
                                "-> E-field in a leg model -> nerve thresholds and activation depth.",
                                epilog="exit codes: 0 ok, 1 computation failed, 2 bad input, 130 interrupted")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a study (default: the embedded child-calf rPMS study) and write its report",
                       description="Run a study and write an HTML/Markdown report, PNG figures, CSV/JSON "
                       "tables and VTK files. Without a scenario file it runs the embedded default: a "
                       "MagVenture-C-B60-class butterfly coil over the medial gastrocnemius motor point of "
                       "a 7-10 year old child's calf, biphasic pulses from a rapid-rate stimulator at 40 %% "
                       "output (about 1-2 min on 2 cores). The folder is replaced only when the new report "
                       "is complete.")
    r.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded default scenario)")
    r.add_argument("--out", default="coilsim-output", help="output folder (default ./coilsim-output)")
    r.add_argument("--coil", default=None, help="built-in coil name or coil TOML path replacing the scenario's coil")
    r.add_argument("--cache", default=None, metavar="DIR", help="reuse solved fields from (and store them in) DIR")
    r.add_argument("--no-3d", dest="quiet_3d", action="store_true", help="skip the 3-D screenshot")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)
    sw = sub.add_parser("sweep", help="run a parameter sweep from a sweep TOML file",
                        description="Run a scenario over a grid (or zipped lists) of parameters with a local "
                        "process pool and write sweep.csv (one row per point and fibre family). File: "
                        "scenario = \"my.toml\" (optional), grid = true, [parameters] \"coil.outer_radius\" = [...], "
                        "tissue = [...]. Solved fields are cached: parameters that do not change the field "
                        "reuse it; with --cache an interrupted sweep resumes.")
    sw.add_argument("file", help="sweep TOML file")
    sw.add_argument("--out", default="coilsim-sweep", help="output folder (default ./coilsim-sweep)")
    sw.add_argument("--cache", default=None, metavar="DIR", help="cache folder (resume after an interruption)")
    sw.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    sw.add_argument("--no-progress", action="store_true", help="no progress bar")
    sw.set_defaults(func=_sweep)
    sh = sub.add_parser("show", help="3-D view of a study report (window, or --screenshot PNG)",
                        description="Open the 3-D scene of a report folder written by `coilsim run` "
                        "(leg layers, coil, |E|, fibres) in a window, or render it off-screen to a PNG.")
    sh.add_argument("dir", nargs="?", default="coilsim-output", help="report folder (default ./coilsim-output)")
    sh.add_argument("--screenshot", metavar="PNG", default=None, help="render off-screen to this PNG instead")
    sh.set_defaults(func=_show)
    t = sub.add_parser("tissues", help="list the built-in tissue models")
    t.set_defaults(func=_tissues)
    c = sub.add_parser("coils", help="list the built-in coils")
    c.set_defaults(func=_coils)
    b = sub.add_parser("bench", help="accuracy suite (and --perf performance suite): one line per case "
                       "ending in PASS or FAIL, report in ./coilsim-bench/; exit 1 if any case fails")
    b.add_argument("--quick", action="store_true", help="the quick accuracy suite (the CI gate, 1-2 min)")
    b.add_argument("--perf", action="store_true", help="also run the performance suite (not a CI gate)")
    b.add_argument("--neuron", action="store_true",
                   help="also run NEURON live (pip install neuron; needs a C compiler)")
    b.add_argument("--out", default="coilsim-bench", help="output folder (default ./coilsim-bench)")
    b.add_argument("--case", action="append", default=None, metavar="NAME",
                   help="run only this case (repeatable; `python -m coilsim.benchmarks --list` lists them)")
    b.set_defaults(func=_bench)
    args = p.parse_args(argv)
    from coilsim.errors import ConvergenceError, CoilsimError
    try:
        return args.func(args)
    except ConvergenceError as exc:
        print(f"coilsim: failed: {exc}", file=sys.stderr)
        return 1
    except CoilsimError as exc:
        print(f"coilsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("coilsim: interrupted; any earlier finished result is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
