"""Built-in coil files: every file loads, states its source, and has sane numbers."""

import numpy as np
import pytest

import coilsim as cs
from coilsim.errors import CoilFileError

NAMES = cs.list_coils()


def test_at_least_six_builtin_coils():
    assert len(NAMES) >= 6
    for kind in ("fig8_70mm", "fig8_50mm", "round_90mm", "double_cone"):
        assert kind in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_builtin_coil_loads_with_source(name):
    c = cs.load_coil(name)
    src = c.metadata["source"]
    assert src.get("reference"), f"{name} names no source"
    assert c.casing_offset >= 0
    ext = np.abs(np.concatenate(c.polylines())).max()
    assert 0.01 < ext < 0.3, "coil size must be in metres"
    assert np.isfinite(c.B(np.array([[0, 0, -0.02]]))).all()


def test_fig8_70mm_inductance_near_datasheet():
    """Magstim 70 mm: datasheet 15.5 µH (coil only); the idealised flat-spiral model with the
    rectangular conductor's GMD lands within 6 %."""
    L = cs.load_coil("fig8_70mm").inductance()
    assert abs(L / 15.5e-6 - 1) <= 0.06, L


def _write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text)
    return p


GOOD = """
[coil]
name = "c"
builder = "circular_coil"
casing_offset = 0.005
[coil.parameters]
radius = 0.03
turns = 3
conductor = ["round", 0.001]
[source]
reference = "test"
"""


def test_load_from_path(tmp_path):
    c = cs.load_coil(_write(tmp_path, GOOD))
    assert c.casing_offset == 0.005 and c.wires[0].weight == 3


@pytest.mark.parametrize("bad, key", [
    (GOOD.replace("radius = 0.03", "radius = 0.03\nradiuss = 1"), "radiuss"),
    (GOOD.replace("casing_offset", "casing_ofset"), "casing_ofset"),
    (GOOD.replace("[source]", "[sources]"), "sources"),
    (GOOD.replace("radius = 0.03", "radius = -0.03"), "radius"),
    (GOOD.replace("turns = 3", "turns = 0"), "turns"),
    (GOOD.replace('"circular_coil"', '"circle"'), "builder"),
])
def test_bad_files_name_file_and_key(tmp_path, bad, key):
    p = _write(tmp_path, bad)
    with pytest.raises(CoilFileError) as exc:
        cs.load_coil(p)
    assert str(p) in str(exc.value) and key in str(exc.value)


def test_unknown_builtin_lists_choices():
    with pytest.raises(CoilFileError, match="fig8_70mm"):
        cs.load_coil("no_such_coil")
