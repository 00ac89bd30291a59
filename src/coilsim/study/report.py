"""The study report: an offline HTML page and Markdown, PNG figures, CSV/JSON tables, VTK files.

Layout of the output folder (``./coilsim-output/`` for ``coilsim run``)::

    report.html  report.md  summary.json  scenario.toml
    figures/  depth_profile.png  thresholds_vs_depth.png  strength_duration.png  field_map.png
              scene.png (when OpenGL renders; otherwise the report says why it is missing)
    tables/   summary.csv  thresholds.csv  confirmations.csv  efield_layers.csv  depth_profile.csv
    vtk/      coil.vtp  leg.vtm (+ leg/)  efield.vts  fibers.vtp   (open them in ParaView)

Everything is written into a hidden temporary folder next to the destination and renamed into
place only when complete, so a finished report is replaced only by another finished one and an
interrupted run leaves nothing that looks finished. The HTML page references only files in the
folder (no network) and works in any browser.
"""

from __future__ import annotations

import html
import json
import logging
import math
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["write_report", "summary_text", "atomic_folder"]


class atomic_folder:
    """Context manager: yields a temporary folder that replaces ``out_dir`` on success and is
    deleted on failure."""

    def __init__(self, out_dir):
        self.out = Path(out_dir).absolute()

    def __enter__(self) -> Path:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=".coilsim-tmp-", dir=self.out.parent))
        self.tmp.chmod(0o755)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        if self.out.exists():
            old = self.out.with_name(f".{self.out.name}.old-{time.time_ns()}")
            self.out.rename(old)
            self.tmp.rename(self.out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self.tmp.rename(self.out)
        return False


def _fmt(x, unit="", scale=1.0, digits=3):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x * scale:.{digits}g}{(' ' + unit) if unit else ''}"


def _key_rows(res):
    """[(family, diameter µm, min threshold intensity, depth mm, activation depth mm)]."""
    rows = []
    for f in res.families:
        rows.append((f.name, f"{f.diameter * 1e6:.0f}", _fmt(f.min_threshold / res.pulse.max_di_dt, digits=3),
                     _fmt(f.min_threshold, "A/µs", 1e-6), _fmt(f.min_depth, "mm", 1e3),
                     _fmt(f.activation_depth, "mm", 1e3) if math.isfinite(f.activation_depth) else "none fires"))
    return rows


def summary_text(res) -> str:
    """The short table ``coilsim run`` prints: thresholds and activation depth per family."""
    p = res.pulse
    lines = [f"{res.coil_name} on {res.tissue_name}; {p.stimulator} ({p.mode}) at intensity {p.intensity:.0%}: "
             f"peak dI/dt {p.peak_di_dt * 1e-6:.1f} A/µs, E_max(muscle) {res.efield.E_max * p.peak_di_dt:.0f} V/m, "
             f"d½ {_fmt(res.efield.d_half, 'mm', 1e3)}",
             f"{'family':12s} {'D µm':>5s} {'threshold':>10s} {'(A/µs)':>10s} {'at depth':>9s} {'activation depth':>17s}"]
    for name, d, ti, ta, dep, act in _key_rows(res):
        lines.append(f"{name:12s} {d:>5s} {ti:>10s} {ta:>10s} {dep:>9s} {act:>17s}")
    if res.confirmations:
        r = np.array([c.ratio for c in res.confirmations], dtype=float)
        r = r[np.isfinite(r)]
        if r.size:
            lines.append(f"estimator / nonlinear model on {len(res.confirmations)} checks: "
                         f"{r.min():.2f}–{r.max():.2f}")
    lines.append(f"pulse energy {p.energy_stored:.1f} J, coil heat {_fmt(p.coil_heat_per_pulse, 'J')} per pulse, "
                 f"winding {_fmt(p.coil_temperature_end, '°C')} after {p.train_pulses} pulses at {p.rate:g} Hz")
    for n in p.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- pieces


def _figures(res, fdir, notes):
    from ..viz import figures as F
    made = {}
    specs = [("depth_profile.png", "|E| vs depth under the coil", lambda: F.depth_profile(res)),
             ("thresholds_vs_depth.png", "Thresholds vs depth per fibre family and waveform",
              lambda: F.thresholds_vs_depth(res)),
             ("field_map.png", "|E| at the muscle surface", lambda: F.field_map(res)),
             ("strength_duration.png", "Strength–duration (estimator)", lambda: F.strength_duration(res))]
    for name, title, make in specs:
        try:
            fig = make()
            fig.savefig(fdir / name, dpi=110)
            made[name] = title
        except Exception as exc:  # a figure must never sink the report
            log.exception("figure %s failed", name)
            notes.append(f"figure {name} not written: {exc}")
    return made


def _tables(res, tdir):
    import pandas as pd
    pd.DataFrame(res.summary_rows()).to_csv(tdir / "summary.csv", index=False)
    res.threshold_table().to_csv(tdir / "thresholds.csv", index=False)
    pd.DataFrame([{"family": c.family, "waveform": c.waveform, "depth_m": c.depth, "why": c.why,
                   "estimate_A_per_s": c.estimate, "nonlinear_A_per_s": c.nonlinear,
                   "estimate_over_nonlinear": c.ratio, "seconds": c.seconds}
                  for c in res.confirmations],
                 columns=["family", "waveform", "depth_m", "why", "estimate_A_per_s",
                          "nonlinear_A_per_s", "estimate_over_nonlinear", "seconds"]
                 ).to_csv(tdir / "confirmations.csv", index=False)
    d = res.pulse.peak_di_dt
    pd.DataFrame([{"region": k, "E_max_V_per_m": v * d, "E_max_V_per_m_per_A_per_s": v}
                  for k, v in res.efield.layer_peak.items()]).to_csv(tdir / "efield_layers.csv", index=False)
    pd.DataFrame({"depth_m": res.efield.profile_depth, "E_V_per_m": res.efield.profile * d,
                  "E_V_per_m_per_A_per_s": res.efield.profile}).to_csv(tdir / "depth_profile.csv", index=False)


def _structured(fd, drive):
    import pyvista as pv
    g = fd.grid
    sg = pv.StructuredGrid(g[..., 0], g[..., 1], g[..., 2])

    def flat(a):
        return a.ravel(order="F")
    E = fd.grid_E * drive
    sg.point_data["E"] = np.stack([flat(E[..., c]) for c in range(3)], axis=1)
    sg.point_data["|E|"] = flat(np.linalg.norm(E, axis=-1))
    sg.point_data["region"] = flat(fd.grid_region).astype(np.int32)
    return sg


def _vtk(res, vdir, notes):
    import pyvista as pv
    from .run import build_coil, build_tissue, place_coil
    sc = res.scenario
    fd = res.field
    written = []
    coil = build_coil(sc)
    tissue = build_tissue(sc)
    placed, tissue, *_ = place_coil(sc, coil, tissue)
    placed.to_pyvista().save(vdir / "coil.vtp")
    written.append("coil.vtp")
    try:
        tissue.to_pyvista().save(vdir / "leg.vtm")
        written.append("leg.vtm")
    except Exception as exc:
        notes.append(f"leg.vtm not written: {exc}")
    _structured(fd, res.pulse.peak_di_dt).save(vdir / "efield.vts")
    written.append("efield.vts")
    f0 = res.families[0]
    pts, lines, depth, thr, act = [], [], [], [], []
    off = 0
    for k, d in enumerate(fd.depths):
        path = fd.paths[k]
        n = len(path)
        pts.append(path)
        lines.append(np.concatenate([[n], np.arange(off, off + n)]))
        off += n
        depth.append(np.full(n, d))
        j = np.flatnonzero(np.isclose(f0.depths, d))
        t = f0.intensity[0, j[0]] if j.size else np.nan
        thr.append(np.full(n, t))
        act.append(np.full(n, 1.0 if (j.size and f0.thresholds[0, j[0]] <= res.pulse.peak_di_dt) else 0.0))
    poly = pv.PolyData(np.vstack(pts), lines=np.concatenate(lines))
    poly.point_data["depth_m"] = np.concatenate(depth)
    poly.point_data[f"threshold_intensity_{f0.name}"] = np.concatenate(thr)
    poly.point_data["activated"] = np.concatenate(act)
    for f in res.families[1:]:
        vals = []
        for k, d in enumerate(fd.depths):
            j = np.flatnonzero(np.isclose(f.depths, d))
            vals.append(np.full(len(fd.paths[k]), f.intensity[0, j[0]] if j.size else np.nan))
        poly.point_data[f"threshold_intensity_{f.name}"] = np.concatenate(vals)
    poly.save(vdir / "fibers.vtp")
    written.append("fibers.vtp")
    return written


# ---------------------------------------------------------------------------- documents

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
figure{margin:1em 0}img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
.note{background:#fff7e0;border-left:4px solid #f0b400;padding:.4em .8em;margin:.5em 0}
pre{background:#f7f7f7;padding:.8em;overflow:auto;font-size:.85em}code{font-size:.9em}
"""


def _html_table(header, rows):
    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _md_table(header, rows):
    out = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(out)


def _sections(res, figs, vtk_files, notes, scene_note):
    """(title, header, rows) tables shared by the HTML and Markdown documents."""
    p = res.pulse
    ef = res.efield
    d = p.peak_di_dt
    key = (["family", "D (µm)", "lowest threshold (fraction of output)", "lowest threshold dI/dt",
            "at depth", f"activation depth at {p.intensity:.0%}"], _key_rows(res))
    efield = (["quantity", "value"], [
        ("E_max on the muscle surface", _fmt(ef.E_max * d, "V/m")),
        ("peak |E| in the skin", _fmt(ef.skin_peak * d, "V/m")),
        ("d½ (depth of half E_max)", _fmt(ef.d_half, "mm", 1e3)),
        ("V½ (muscle volume above half E_max)", _fmt(ef.V_half, "cm³", 1e6)),
        ("S½ = V½/d½", _fmt(ef.S_half, "cm²", 1e4)),
    ] + [(f"peak |E| in {k}", _fmt(v * d, "V/m")) for k, v in ef.layer_peak.items()])
    pulse = (["quantity", "value"], [
        ("stimulator", f"{p.stimulator} ({p.mode})"), ("intensity", f"{p.intensity:.0%}"),
        ("coil inductance", _fmt(p.inductance, "µH", 1e6)), ("pulse duration", _fmt(p.duration, "µs", 1e6)),
        ("peak dI/dt", _fmt(p.peak_di_dt, "A/µs", 1e-6)), ("peak current", _fmt(p.peak_current, "kA", 1e-3)),
        ("energy stored / dissipated / returned",
         f"{p.energy_stored:.3g} / {p.energy_dissipated:.3g} / {p.energy_returned:.3g} J"),
        ("coil winding heat per pulse", _fmt(p.coil_heat_per_pulse, "J")),
        (f"winding temperature after {p.train_pulses} pulses at {p.rate:g} Hz (adiabatic)",
         _fmt(p.coil_temperature_end, "°C")),
        ("pulses until 41 °C (casing limit)", _fmt(p.train_limit_pulses, digits=6)),
        ("stimulator's maximum rate at this intensity", _fmt(p.max_rate, "Hz")),
    ])
    conf = (["family", "waveform", "depth", "why", "estimator", "nonlinear model", "ratio"],
            [(c.family, c.waveform, _fmt(c.depth, "mm", 1e3), c.why, _fmt(c.estimate, "A/µs", 1e-6),
              _fmt(c.nonlinear, "A/µs", 1e-6), _fmt(c.ratio)) for c in res.confirmations])
    waves = (["waveform", "max dI/dt of its stimulator"],
             [(w, _fmt(m, "A/µs", 1e-6)) for w, m in zip(res.waveforms, res.waveform_max_drive)])
    solver = res.field.solver
    timing = (["step", "seconds"], [(k, f"{v:.2f}") for k, v in res.timings.items()])
    versions = (["package", "version"], list(res.versions.items()))
    return dict(key=key, efield=efield, pulse=pulse, conf=conf, waves=waves, timing=timing,
                versions=versions, solver=solver)


def _html(res, figs, vtk_files, notes, scene_note, S) -> str:
    sc = res.scenario
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>coilsim report: {html.escape(sc.name)}</title><style>{_CSS}</style></head><body>",
             f"<h1>coilsim study: {html.escape(sc.name)}</h1>",
             f"<p>{html.escape(sc.get('scenario.description', '') or '')}</p>",
             f"<p>Coil <b>{html.escape(res.coil_name)}</b> on tissue model <b>{html.escape(res.tissue_name)}</b>; "
             f"all fields per the scenario's drive unless marked. Generated by coilsim {html.escape(res.versions['coilsim'])}.</p>"]
    for n in list(res.pulse.notes) + notes:
        parts.append(f"<p class='note'>{html.escape(n)}</p>")
    parts.append("<h2>Key numbers</h2>" + _html_table(*S["key"]))
    parts.append("<p>Thresholds from the calibrated estimator (fast screening of every family, depth and "
                 "waveform); the nonlinear cable model checks the key numbers below. Activation depth: the "
                 "deepest fibre of a family (parallel fibres along the leg at increasing depths under the coil) "
                 "whose threshold is at or below the scenario's drive.</p>")
    for name, title in figs.items():
        parts.append(f"<figure><img src='figures/{name}' alt='{html.escape(title)}'>"
                     f"<figcaption>{html.escape(title)}</figcaption></figure>")
    parts.append("<h2>3-D view</h2>")
    if scene_note:
        parts.append(f"<p class='note'>3-D picture not rendered: {html.escape(scene_note)}. The VTK files "
                     "below hold the same scene for ParaView.</p>")
    else:
        parts.append("<figure><img src='figures/scene.png' alt='3-D scene'><figcaption>Leg layers, coil "
                     "windings, |E| on the sampling grid and the fibres (red: activated).</figcaption></figure>")
    parts.append("<h2>E-field</h2>" + _html_table(*S["efield"]))
    parts.append("<h2>Pulse, energy and coil heating</h2>" + _html_table(*S["pulse"]))
    parts.append("<h2>Waveforms</h2>" + _html_table(*S["waves"]))
    parts.append("<h2>Nonlinear-model checks</h2>" + (_html_table(*S["conf"]) if res.confirmations
                                                      else "<p>none requested (nerves.confirm = 0)</p>"))
    parts.append("<h2>Files</h2><ul>" + "".join(
        f"<li><a href='{html.escape(p)}'>{html.escape(p)}</a></li>" for p in
        ["summary.json", "scenario.toml", "report.md", "tables/summary.csv", "tables/thresholds.csv",
         "tables/confirmations.csv", "tables/efield_layers.csv", "tables/depth_profile.csv"]
        + [f"vtk/{v}" for v in vtk_files]) + "</ul>")
    parts.append("<h2>Solver</h2><pre>" + html.escape(json.dumps(S["solver"], indent=1, default=str)) + "</pre>")
    parts.append("<h2>Inputs</h2><pre>" + html.escape(sc.to_toml()) + "</pre>")
    parts.append("<h2>Timings</h2>" + _html_table(*S["timing"]))
    parts.append("<h2>Versions</h2>" + _html_table(*S["versions"]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _markdown(res, figs, vtk_files, notes, scene_note, S) -> str:
    sc = res.scenario
    out = [f"# coilsim study: {sc.name}", "", sc.get("scenario.description", "") or "", "",
           f"Coil **{res.coil_name}** on tissue model **{res.tissue_name}**.", ""]
    for n in list(res.pulse.notes) + notes:
        out += [f"> note: {n}", ""]
    out += ["## Key numbers", "", _md_table(*S["key"]), ""]
    for name, title in figs.items():
        out += [f"![{title}](figures/{name})", ""]
    out += ["## 3-D view", ""]
    out += [f"3-D picture not rendered: {scene_note}.", ""] if scene_note else ["![3-D scene](figures/scene.png)", ""]
    out += ["## E-field", "", _md_table(*S["efield"]), "", "## Pulse, energy and coil heating", "",
            _md_table(*S["pulse"]), "", "## Waveforms", "", _md_table(*S["waves"]), ""]
    if res.confirmations:
        out += ["## Nonlinear-model checks", "", _md_table(*S["conf"]), ""]
    out += ["## Files", ""] + [f"- [{p}]({p})" for p in ["summary.json", "scenario.toml", "tables/summary.csv",
                                                         "tables/thresholds.csv"] + [f"vtk/{v}" for v in vtk_files]]
    out += ["", "## Timings", "", _md_table(*S["timing"]), "", "## Versions", "", _md_table(*S["versions"]), ""]
    return "\n".join(out)


def write_report(results, out_dir="coilsim-output", *, progress=None, screenshot=None) -> dict:
    """Write the report of ``results`` (from :func:`coilsim.run`) into ``out_dir`` atomically.

    ``screenshot``: None follows the scenario's ``output.screenshot``; False skips the 3-D
    picture. ``progress``: callable receiving each step's name. Returns a dict: ``out_dir``,
    ``files`` (relative paths), ``notes`` (what is missing and why), ``seconds``.
    """
    step = progress or (lambda name: None)
    t0 = time.perf_counter()
    out = _output_flags(results)
    notes = []
    scene_note = ""
    with atomic_folder(out_dir) as tmp:
        fdir, tdir, vdir = tmp / "figures", tmp / "tables", tmp / "vtk"
        for d in (fdir, tdir, vdir):
            d.mkdir()
        step("tables")
        _tables(results, tdir)
        (tmp / "summary.json").write_text(json.dumps(results.to_dict(), indent=1, allow_nan=False))
        (tmp / "scenario.toml").write_text(results.scenario.to_toml())
        figs = {}
        if out["figures"]:
            step("figures")
            figs = _figures(results, fdir, notes)
        vtk_files = []
        if out["vtk"]:
            step("VTK files")
            try:
                vtk_files = _vtk(results, vdir, notes)
            except Exception as exc:
                log.exception("VTK export failed")
                notes.append(f"VTK files not written: {exc}")
        want = out["screenshot"] if screenshot is None else screenshot
        if want and "efield.vts" in vtk_files:
            step("3-D picture")
            from ..viz.scene import screenshot as shot
            ok, why = shot(vdir, fdir / "scene.png")
            scene_note = "" if ok else why
        else:
            scene_note = "disabled (output.screenshot = false)" if not want else "no VTK files to render"
        if scene_note:
            log.warning("3-D picture missing: %s", scene_note)
        S = _sections(results, figs, vtk_files, notes, scene_note)
        (tmp / "report.md").write_text(_markdown(results, figs, vtk_files, notes, scene_note, S))
        (tmp / "report.html").write_text(_html(results, figs, vtk_files, notes, scene_note, S))
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
    return {"out_dir": str(Path(out_dir)), "files": files, "notes": notes, "scene_note": scene_note,
            "seconds": time.perf_counter() - t0}


def _output_flags(results):
    from .scenario import _OUTPUT_DEFAULTS
    o = dict(_OUTPUT_DEFAULTS)
    o.update(results.scenario.section("output"))
    return o
