"""matplotlib figures of studies and sweeps (Agg backend; every function returns a Figure and
never calls ``show()``).

- :func:`depth_profile`: |E| vs depth under the coil, the layers shaded, d½ marked;
- :func:`thresholds_vs_depth`: one panel per fibre family, one line per waveform, the scenario's
  drive and activation depth marked;
- :func:`strength_duration`: estimated thresholds vs rectangular pulse width per family;
- :func:`field_map`: |E| on the leg-conforming sampling grid at one depth level;
- :func:`sweep_heatmap`: a value over two swept parameters;
- :func:`pareto`: design points on two objectives with the non-dominated front highlighted.
"""

from __future__ import annotations

import numpy as np

__all__ = ["depth_profile", "thresholds_vs_depth", "strength_duration", "field_map",
           "sweep_heatmap", "pareto", "pareto_front"]

_LAYER_COLOURS = {"skin": "#f3d2c1", "fat": "#fbefc5", "muscle": "#f2b8b8"}


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def _figure(**kw):
    from matplotlib.figure import Figure
    return Figure(**kw)


def depth_profile(results, *, drive=True):
    """|E| vs depth along the inward normal under the coil (V/m at the scenario's drive, or per
    A/µs with ``drive=False``), with the max over each depth level of the sampling grid."""
    ef = results.efield
    scale = results.pulse.peak_di_dt if drive else 1e6
    unit = "V/m" if drive else "V/m per A/µs"
    fig = _figure(figsize=(6.4, 4.2), constrained_layout=True)
    ax = fig.add_subplot()
    tops = results.field.layer_tops
    names = list(tops)
    dmax = float(ef.profile_depth.max()) * 1e3
    for i, n in enumerate(names):
        a = tops[n] * 1e3
        b = tops[names[i + 1]] * 1e3 if i + 1 < len(names) else dmax
        ax.axvspan(a, b, color=_LAYER_COLOURS.get(n, "#dddddd"), alpha=0.6, lw=0)
        ax.text(a + 0.2, 0.97, n, transform=ax.get_xaxis_transform(), va="top", fontsize=8)
    ax.plot(ef.profile_depth * 1e3, ef.profile * scale, "k-", lw=1.8, label="under the coil centre")
    ok = np.isfinite(ef.level_max) & (ef.level_max > 0)
    ax.plot(ef.level_depth[ok] * 1e3, ef.level_max[ok] * scale, "o--", color="tab:blue", ms=3,
            lw=1, label="max over each depth")
    if np.isfinite(ef.d_half):
        ax.axvline(ef.d_half * 1e3, color="tab:red", lw=1)
        ax.axhline(0.5 * ef.E_max * scale, color="tab:red", lw=0.8, ls=":")
        ax.text(ef.d_half * 1e3, 0.5 * ef.E_max * scale, f"  d½ = {ef.d_half * 1e3:.1f} mm",
                color="tab:red", va="bottom", fontsize=9)
    ax.set_xlabel("depth below the skin (mm)")
    ax.set_ylabel(f"|E| ({unit})")
    ax.set_xlim(0, dmax)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=8, bbox_to_anchor=(1, 0.9))
    ax.set_title(f"{results.coil_name} on {results.tissue_name}, intensity {results.pulse.intensity:.0%}")
    return fig


def thresholds_vs_depth(results, *, unit="intensity"):
    """Estimated thresholds vs depth, one panel per fibre family and one line per waveform;
    ``unit`` "intensity" (fraction of each stimulator's output; bare pulse shapes are skipped)
    or "A/us" (peak dI/dt)."""
    fams = results.families
    n = len(fams)
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig = _figure(figsize=(5.2 * cols, 3.6 * rows), constrained_layout=True)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    drive = results.pulse.peak_di_dt
    for ax, f in zip(axes, fams):
        for w, name in enumerate(results.waveforms):
            if unit == "intensity":
                y = f.intensity[w]
                if not np.any(np.isfinite(y)):
                    continue
                y = np.where(np.isfinite(y), y, np.nan)
            else:
                y = f.thresholds[w] / 1e6
            ax.plot(f.depths * 1e3, y, "-o", ms=3, lw=1.5 if w == 0 else 1, label=name)
        level = results.pulse.intensity if unit == "intensity" else drive / 1e6
        ax.axhline(level, color="k", ls=":", lw=1)
        if np.isfinite(f.activation_depth):
            ax.axvline(f.activation_depth * 1e3, color="tab:red", lw=1)
            ax.text(f.activation_depth * 1e3, level, f" {f.activation_depth * 1e3:.1f} mm",
                    color="tab:red", fontsize=8, va="bottom")
        ax.set_yscale("log")
        ax.set_title(f"{f.name} ({f.diameter * 1e6:.0f} µm, {f.model.upper()})", fontsize=10)
        ax.set_xlabel("depth below the skin (mm)")
        ax.set_ylabel("threshold (fraction of output)" if unit == "intensity" else "threshold peak dI/dt (A/µs)")
        ax.grid(True, which="both", alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="upper left")
    for c in results.confirmations:
        for ax, f in zip(axes, fams):
            if f.name == c.family and np.isfinite(c.nonlinear):
                w = list(results.waveforms).index(c.waveform)
                md = results.waveform_max_drive[w]
                y = c.nonlinear / md if unit == "intensity" else c.nonlinear / 1e6
                if np.isfinite(y):
                    ax.plot(c.depth * 1e3, y, "kx", ms=8, mew=2)
    fig.suptitle("Thresholds vs depth (lines: estimator; ×: nonlinear cable model)", fontsize=11)
    return fig


def strength_duration(results, widths=None):
    """Estimated threshold (peak dI/dt, A/µs) of each family's most excitable fibre vs the width of
    a rectangular pulse; the strength–duration time constant shows where the curve bends."""
    from .. import pulses as P
    from ..nerves import Estimator
    from ..study.run import _fiber, _ve_at
    if widths is None:
        widths = np.geomspace(20e-6, 2e-3, 13)
    fd = results.field
    fig = _figure(figsize=(6.4, 4.2), constrained_layout=True)
    ax = fig.add_subplot()
    for f in results.families:
        k = int(np.argmin(np.abs(fd.depths - f.min_depth)))
        fib = _fiber(fd, k, f.diameter, f.model, f.node)
        est = Estimator.default(f.model, min(max(f.diameter, 5.7e-6), 16e-6) if f.model == "mrg"
                                else min(max(f.diameter, 10e-6), 20e-6), f.node)
        ve = _ve_at(fd, k, fib.node_arc)
        thr = np.array([est.thresholds(ve, P.rectangular(w)) for w in widths])
        ax.loglog(widths * 1e6, thr / 1e6, label=f"{f.name} at {f.min_depth * 1e3:.1f} mm")
    ax.set_xlabel("rectangular pulse width (µs)")
    ax.set_ylabel("threshold dI/dt (A/µs)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Strength–duration (estimator)")
    return fig


def field_map(results, depth=None):
    """|E| (V/m at the scenario's drive) over the leg-conforming grid at the level nearest
    ``depth`` (m; default the muscle surface): axes along the leg and around it."""
    fd = results.field
    if depth is None:
        depth = fd.layer_tops.get("muscle", float(fd.grid_depth[0])) + 1e-4
    k = int(np.argmin(np.abs(fd.grid_depth - depth)))
    mag = np.linalg.norm(fd.grid_E[:, :, k], axis=-1) * results.pulse.peak_di_dt
    n = mag.shape[0]
    ext = (n - 1) * 0.5
    h = float(results.scenario.get("output.grid_spacing", 0.005)) * 1e3
    fig = _figure(figsize=(5.4, 4.6), constrained_layout=True)
    ax = fig.add_subplot()
    im = ax.imshow(mag.T, origin="lower", extent=(-ext * h, ext * h, -ext * h, ext * h), cmap="viridis")
    fig.colorbar(im, ax=ax, label="|E| (V/m)")
    ax.set_xlabel("along the leg, proximal + (mm)")
    ax.set_ylabel("around the leg (mm)")
    ax.set_title(f"|E| at {fd.grid_depth[k] * 1e3:.1f} mm depth")
    return fig


def sweep_heatmap(table, x, y, value, *, family=None, log=False, cmap="viridis"):
    """A heat-map of ``value`` over swept parameters ``x`` and ``y`` of a :func:`coilsim.sweep`
    table (one family: ``family`` or the first)."""
    t = table
    if "family" in t:
        fam = family or t["family"].iloc[0]
        t = t[t["family"] == fam]
    piv = t.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
    data = piv.to_numpy(dtype=float)
    fig = _figure(figsize=(6.4, 4.6), constrained_layout=True)
    ax = fig.add_subplot()
    if log:
        from matplotlib.colors import LogNorm
        norm = LogNorm()
    else:
        norm = None
    im = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap, norm=norm)
    ax.set_xticks(range(len(piv.columns)), [_fmt(v) for v in piv.columns], rotation=45, ha="right")
    ax.set_yticks(range(len(piv.index)), [_fmt(v) for v in piv.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(im, ax=ax, label=value)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if np.isfinite(data[i, j]):
                ax.text(j, i, f"{data[i, j]:.3g}", ha="center", va="center", fontsize=7, color="w")
    ax.set_title(f"{value}" + (f" ({fam})" if "family" in table else ""))
    return fig


def _fmt(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def pareto_front(points, maximize) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (n, k); ``maximize`` (k,) bools."""
    p = np.asarray(points, dtype=float)
    s = np.where(np.asarray(maximize, bool), -p, p)       # minimise everything
    ok = np.all(np.isfinite(s), axis=1)
    front = np.zeros(len(p), bool)
    for i in np.flatnonzero(ok):
        dom = np.all(s[ok] <= s[i], axis=1) & np.any(s[ok] < s[i], axis=1)
        front[i] = not dom.any()
    return front


def pareto(table, x, y, *, maximize=(False, True), color=None, label=None, family=None):
    """Design points of a sweep table on objectives ``x`` and ``y`` (e.g. pulse energy vs
    activation depth) with the Pareto front highlighted; ``color``: a column for the colour
    scale (e.g. peak skin field), ``label``: a column to annotate front points with."""
    t = table
    if "family" in t:
        fam = family or t["family"].iloc[0]
        t = t[t["family"] == fam]
    pts = t[[x, y]].to_numpy(dtype=float)
    front = pareto_front(pts, maximize)
    fig = _figure(figsize=(6.4, 4.6), constrained_layout=True)
    ax = fig.add_subplot()
    c = t[color].to_numpy(dtype=float) if color else None
    sc = ax.scatter(pts[:, 0], pts[:, 1], c=c, cmap="plasma" if c is not None else None, s=28, alpha=0.8)
    if color:
        fig.colorbar(sc, ax=ax, label=color)
    o = np.argsort(pts[front, 0])
    ax.plot(pts[front, 0][o], pts[front, 1][o], "k-", lw=1.2, label="Pareto front")
    ax.scatter(pts[front, 0], pts[front, 1], facecolors="none", edgecolors="k", s=70)
    if label:
        for (px, py), lab in zip(pts[front], t[label].to_numpy()[front]):
            ax.annotate(_fmt(lab), (px, py), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return fig
