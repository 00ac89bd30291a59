"""The estimator against the nonlinear cable models: relative threshold errors by waveform,
field (kind and width) and diameter (issue 5: "error table over waveforms, diameters and field
widths; goal ≤ 15 %").

For every built-in row (:data:`coilsim.nerves.estimator.DEFAULT_CALIBRATION`): MRG at its
calibrated diameters and the held-out ones between them (the estimator interpolated), SENN and
SENN-CRRSS at 10, 15 and 20 µm; on the ``"fit"`` and the held-out ``"validation"`` cases of
:func:`~coilsim.nerves.estimator.calibration_cases`. Cells are the largest |estimate/threshold
− 1| over the cases in the group; the last column of each table is that row's worst case.

Run ``python -m coilsim.benchmarks.estimator_table [--cache DIR] [--markdown FILE]``. The
nonlinear thresholds take minutes per MRG diameter (single thread); with ``--cache`` they are
kept as pickles ``refs_<model>[_<node>]_<D µm, 2 decimals>_<split>.pkl`` and reused.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import time
from pathlib import Path

import numpy as np


def _jobs(models=("mrg", "senn", "senn_crrss")):
    from coilsim.nerves import estimator as E
    out = []
    if "mrg" in models:
        out += [("mrg", None, d) for d in sorted(E.MRG_CALIBRATION_DIAMETERS + E.MRG_VALIDATION_DIAMETERS)]
    for key, node in (("senn", None), ("senn_crrss", "crrss")):
        if key in models:
            out += [("senn", node, d) for d in sorted(E.SENN_CALIBRATION_DIAMETERS + E.SENN_VALIDATION_DIAMETERS)]
    return out


def references(cache: str | os.PathLike | None = None, say=print, models=("mrg", "senn", "senn_crrss")):
    """{(model, node, D, split): list of reference dicts (:meth:`Estimator.reference`)} for the
    calibration tables ``models`` (keys of ``DEFAULT_CALIBRATION``): every diameter of the
    calibration and held-out lists, both splits."""
    from coilsim.nerves import estimator as E
    out = {}
    for model, node, d in _jobs(models):
        for split in ("fit", "validation"):
            path = None
            if cache is not None:
                path = Path(cache) / f"refs_{model}{'_' + node if node else ''}_{d * 1e6:.2f}_{split}.pkl"
                if path.exists():
                    with open(path, "rb") as fh:
                        out[model, node, d, split] = pickle.load(fh)
                    continue
            t0 = time.perf_counter()
            rs = E.Estimator.reference(model, d, E.calibration_cases(split), node=node)
            out[model, node, d, split] = rs
            say(f"  {model}{'/' + node if node else ''} {d * 1e6:.2f} µm {split}: {len(rs)} cases, "
                f"{time.perf_counter() - t0:.0f} s")
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(str(path) + ".tmp", "wb") as fh:
                    pickle.dump(rs, fh)
                os.replace(str(path) + ".tmp", path)
    return out


def _groups(label: str):
    """(field group, waveform group) of a calibration-case label such as
    ``"point 1.5 mm +0.5, biphasic 200 µs reversed"``."""
    field, pulse = label.split(", ", 1)
    kind, size = field.split()[:2]
    shape = pulse.split()[0]
    return f"{kind} {size} mm", shape + (" reversed" if pulse.endswith("reversed") else "")


def errors(refs):
    """Rows (model, node, D, split, label, field group, waveform group, error) of the built-in
    estimator against ``refs`` (cases that reach threshold)."""
    from coilsim.nerves.estimator import Estimator
    rows = []
    for (model, node, d, split), rs in refs.items():
        est = Estimator.default(model, d, node)
        for r in rs:
            if not math.isfinite(r["threshold"]):
                continue
            e = float(est.thresholds(r["ve"], r["pulse"]) / r["threshold"] - 1.0)
            fg, wg = _groups(r["label"])
            rows.append((model, node, d, split, r["label"], fg, wg, e))
    return rows


def _unfitted(model, d) -> bool:
    """Whether diameter ``d`` has no row of its own (all its cases are held out)."""
    from coilsim.nerves import estimator as E
    return d in (E.MRG_VALIDATION_DIAMETERS if model == "mrg" else E.SENN_VALIDATION_DIAMETERS)


def _key(model, node, d):
    name = "MRG" if model == "mrg" else ("SENN-CRRSS" if node == "crrss" else "SENN")
    return f"{name} {d * 1e6:g} µm" + (" (held out)" if _unfitted(model, d) else "")


def _held(rows, k):
    """The held-out rows of fibre ``k`` = (model, node, D)."""
    return [r for r in rows if r[:3] == k and (r[3] == "validation" or _unfitted(k[0], k[2]))]


def tables(rows) -> str:
    """Markdown: held-out errors by waveform and by field per model and diameter, and a summary
    of fit and held-out max / rms."""
    keys = sorted({(m, n, d) for m, n, d, *_ in rows}, key=lambda k: (k[0] != "mrg", k[1] or "", k[2]))
    out = ["| fibre | fit max | fit rms | held-out max | held-out rms | worst held-out case |",
           "|---|---|---|---|---|---|"]
    for k in keys:
        fit = np.array([r[7] for r in rows if r[:3] == k and r[3] == "fit"])
        held = _held(rows, k)
        h = np.array([r[7] for r in held])
        worst = max(held, key=lambda r: abs(r[7]))
        out.append(f"| {_key(*k)} | {np.abs(fit).max():.3f} | {np.sqrt(np.mean(fit ** 2)):.3f} | "
                   f"{np.abs(h).max():.3f} | {np.sqrt(np.mean(h ** 2)):.3f} | {worst[4]}: {worst[7]:+.3f} |")
    for col, title in ((6, "waveform"), (5, "field")):
        groups = sorted({r[col] for r in rows},
                        key=lambda g: (g.split()[0], float(g.split()[1])) if col == 5 else (g, 0.0))
        out += ["", f"Held-out max |error| by {title}:", "",
                "| fibre | " + " | ".join(groups) + " |", "|---" * (len(groups) + 1) + "|"]
        for k in keys:
            held = _held(rows, k)
            cells = []
            for g in groups:
                e = [abs(r[7]) for r in held if r[col] == g]
                cells.append(f"{max(e):.3f}" if e else "–")
            out.append(f"| {_key(*k)} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", help="folder for the nonlinear reference thresholds (reused)")
    ap.add_argument("--markdown", help="also write the tables to this file")
    a = ap.parse_args(argv)
    text = tables(errors(references(a.cache)))
    print(text)
    if a.markdown:
        Path(a.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
