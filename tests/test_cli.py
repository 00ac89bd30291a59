"""`coilsim run` writes a complete coil report; errors exit cleanly."""

import json

import numpy as np

from coilsim.cli import main


def test_run_writes_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--coil", "fig8_50mm", "--out", str(out)]) == 0
    for name in ("coil_fields.png", "summary.json", "coil.vtp", "fields_depth_plane.vti"):
        assert (out / name).stat().st_size > 0, name
    s = json.loads((out / "summary.json").read_text())
    assert 1e-6 < s["inductance_H"] < 1e-4
    assert np.isfinite(s["peak_B_at_depth_T_per_A"]) and s["peak_B_at_depth_T_per_A"] > 0
    from PIL import Image
    img = np.asarray(Image.open(out / "coil_fields.png").convert("L"), dtype=float)
    assert img.std() > 10  # not blank
    assert "inductance" in capsys.readouterr().out
    # a second run replaces the finished folder only when it finishes
    assert main(["run", "--coil", "fig8_50mm", "--out", str(out)]) == 0
    assert not any(p.name.startswith(".coilsim-tmp") for p in tmp_path.iterdir())


def test_unknown_coil_exits_2(tmp_path, capsys):
    assert main(["run", "--coil", "nope", "--out", str(tmp_path / "o")]) == 2
    assert "unknown coil" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_coils_lists_builtins(capsys):
    assert main(["coils"]) == 0
    assert "fig8_70mm" in capsys.readouterr().out
