"""The study report: every file, an offline HTML page whose assets all exist, atomic replace."""

import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from coilsim.study import run, write_report
from coilsim.study import report as R

from study_helpers import planar_scenario


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.refs.append(v)


def html_assets(path):
    p = _Assets()
    p.feed(Path(path).read_text())
    return p.refs


def check_report(out):
    out = Path(out)
    for name in ("report.html", "report.md", "summary.json", "scenario.toml", "tables/summary.csv",
                 "tables/thresholds.csv", "figures/depth_profile.png", "figures/thresholds_vs_depth.png",
                 "vtk/coil.vtp", "vtk/efield.vts", "vtk/fibers.vtp"):
        assert (out / name).stat().st_size > 0, name
    refs = html_assets(out / "report.html")
    assert refs
    for ref in refs:
        assert "://" not in ref and not ref.startswith("/"), ref      # offline, relative
        assert (out / ref).is_file() and (out / ref).stat().st_size > 0, ref
    from PIL import Image
    for png in (out / "figures").glob("*.png"):
        img = np.asarray(Image.open(png).convert("L"), dtype=float)
        assert img.std() > 5, f"{png.name} looks blank"
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def results():
    return run(planar_scenario(**{"nerves.confirm": 1}))


def test_report_files_and_assets(results, tmp_path):
    info = write_report(results, tmp_path / "out", screenshot=False)
    s = check_report(tmp_path / "out")
    assert s["families"][0]["name"] == "alpha_motor"
    assert "3-D picture" in (tmp_path / "out" / "report.md").read_text()
    assert info["scene_note"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    text = R.summary_text(results)
    assert "alpha_motor" in text and "activation depth" in text


def test_failed_report_keeps_the_finished_one(results, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_report(results, out, screenshot=False)
    before = (out / "summary.json").read_text()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(R, "_tables", boom)
    with pytest.raises(RuntimeError):
        write_report(results, out, screenshot=False)
    assert (out / "summary.json").read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".coilsim-tmp")]


def test_figures_return_figures(results):
    from coilsim.viz import figures as F
    import pandas as pd
    for fig in (F.depth_profile(results), F.thresholds_vs_depth(results),
                F.strength_duration(results), F.field_map(results)):
        assert fig.axes
    t = pd.DataFrame({"a": [1, 1, 2, 2], "b": [3, 4, 3, 4], "v": [1.0, 2.0, 3.0, 4.0],
                      "e": [1.0, 2.0, 3.0, 4.0]})
    assert F.sweep_heatmap(t, "a", "b", "v").axes
    assert F.pareto(t, "e", "v").axes
    front = F.pareto_front(np.array([[1, 1], [2, 3], [3, 2], [0.5, 0.1]]), [False, True])
    assert front.tolist() == [True, True, False, True]
