"""Acceptance: the default `coilsim run` into a tmp dir, the CLI's other commands, examples/."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coilsim.cli import main

from test_report import check_report

ROOT = Path(__file__).resolve().parents[1]


def test_default_run_writes_a_sane_report(tmp_path, capsys):
    out = tmp_path / "coilsim-output"
    assert main(["run", "--out", str(out), "--no-progress"]) == 0
    s = check_report(out)
    printed = capsys.readouterr().out
    assert "activation depth" in printed and "report:" in printed
    for f in s["families"]:
        thr = np.array(f["thresholds"], dtype=float)
        assert np.all(np.isfinite(thr)) and np.all(thr > 0), f["name"]
    radius = 0.27 / (2 * np.pi)                      # child_7_10y: 27 cm circumference
    for name, depth in s["activation_depth_m"].items():
        assert depth is None or 0 < depth < radius, (name, depth)
    assert any(d is not None for d in s["activation_depth_m"].values())
    assert 0 < s["efield_per_A_per_s"]["d_half"] < radius
    assert 1 <= len(s["confirmations"]) <= 10
    assert s["timings_s"]["total"] < 120
    for v in ("leg.vtm", "coil.vtp", "efield.vts", "fibers.vtp"):
        assert (out / "vtk" / v).stat().st_size > 0
    # the 3-D picture is there, or the report says why not
    html = (out / "report.html").read_text()
    assert (out / "figures" / "scene.png").is_file() or "3-D picture not rendered" in html


def test_cli_help_lists_and_errors(tmp_path, capsys):
    for cmd in (["--help"], ["run", "--help"], ["sweep", "--help"], ["show", "--help"]):
        with pytest.raises(SystemExit) as e:
            main(cmd)
        assert e.value.code == 0
    assert main(["tissues"]) == 0
    assert "child_7_10y_cp" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[coil]\nname = \"rpms_butterfly\"\nouter_radius = 35\n[tissue]\nmodel = \"child_7_10y\"\n"
                   "[stimulator]\npreset = \"generic_biphasic_rapid\"\n")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "coil.outer_radius" in err and "0.035" in err
    assert not (tmp_path / "o").exists()
    with pytest.raises(SystemExit) as e:
        main(["run", "--no-such-option"])
    assert e.value.code == 2
    assert main(["show", str(tmp_path / "nothing")]) == 2


def test_cli_sweep(tmp_path, capsys):
    f = tmp_path / "sweep.toml"
    (tmp_path / "planar.toml").write_text(
        "[coil]\nname = \"rpms_butterfly\"\n[placement]\nrotation_deg = 90.0\n"
        "[tissue]\nkind = \"planar\"\nlayers = [[\"skin\", 0.0012, 0.1], [\"fat\", 0.006, 0.04], [\"muscle\", inf, 0.34]]\n"
        "[stimulator]\npreset = \"generic_biphasic_rapid\"\n[nerves]\ndepth_count = 6\n")
    f.write_text("scenario = \"planar.toml\"\n[parameters]\n\"stimulator.intensity\" = [0.3, 0.5]\n"
                 "\"placement.rotation_deg\" = [0.0, 90.0]\n")
    assert main(["sweep", str(f), "--out", str(tmp_path / "sw"), "--workers", "1", "--no-progress"]) == 0
    import pandas as pd
    t = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    assert len(t) == 4 and (t["threshold_A_per_s"] > 0).all()
    assert (tmp_path / "sw" / "sweep_heatmap.png").stat().st_size > 0


@pytest.mark.parametrize("script", ["coil_sweep.py", "pyvista_figure.py", "threshold_vs_depth_ages.py"])
def test_examples_run(script, tmp_path):
    env = dict(os.environ, COILSIM_EXAMPLE_QUICK="1", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    r = subprocess.run([sys.executable, str(ROOT / "examples" / script), str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert any(p.suffix in (".png", ".csv", ".vtp") and p.stat().st_size > 0 for p in tmp_path.rglob("*"))
