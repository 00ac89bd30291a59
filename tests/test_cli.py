"""`coilsim run` writes a complete study report atomically; errors exit cleanly."""

import json

import numpy as np

from coilsim.cli import main

PLANAR = """[coil]
name = "rpms_butterfly"
[tissue]
kind = "planar"
layers = [["skin", 0.0012, 0.1], ["fat", 0.006, 0.04], ["muscle", inf, 0.34]]
[stimulator]
preset = "generic_biphasic_rapid"
[nerves]
depth_count = 6
[output]
screenshot = false
"""


def test_run_writes_report(tmp_path, capsys):
    sc = tmp_path / "planar.toml"
    sc.write_text(PLANAR)
    out = tmp_path / "out"
    assert main(["run", str(sc), "--coil", "fig8_50mm", "--out", str(out), "--no-progress"]) == 0
    for name in ("report.html", "summary.json", "vtk/coil.vtp", "vtk/efield.vts", "figures/depth_profile.png"):
        assert (out / name).stat().st_size > 0, name
    s = json.loads((out / "summary.json").read_text())
    assert s["coil"] == "fig8_50mm"
    assert 1e-6 < s["inductance_H"] < 1e-4
    from PIL import Image
    img = np.asarray(Image.open(out / "figures" / "depth_profile.png").convert("L"), dtype=float)
    assert img.std() > 10  # not blank
    assert "activation depth" in capsys.readouterr().out
    # a second run replaces the finished folder only when it finishes
    assert main(["run", str(sc), "--coil", "fig8_50mm", "--out", str(out), "--no-progress"]) == 0
    assert not any(p.name.startswith(".coilsim-tmp") for p in tmp_path.iterdir())


def test_unknown_coil_exits_2(tmp_path, capsys):
    assert main(["run", "--coil", "nope", "--out", str(tmp_path / "o")]) == 2
    assert "unknown coil" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_coils_lists_builtins(capsys):
    assert main(["coils"]) == 0
    assert "fig8_70mm" in capsys.readouterr().out
