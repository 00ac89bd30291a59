"""Scenario: everything one study needs, as a TOML file or a dataclass.

A scenario names a coil, where it sits on the leg, the tissue model, the stimulator (and the
intensity it runs at), the nerve-fibre families and waveforms to screen, solver options and what
to write. Sections and keys (SI units: m, s, A, V, F, Ω, Hz; angles in degrees where the key
says ``_deg``)::

    [scenario]   name, description
    [coil]       name = built-in coil (cs.list_coils()) | file = "path.toml" | builder = "figure_eight_coil";
                 any keyword of the coil's builder overrides the file's value (e.g. outer_radius = 0.045);
                 casing_offset (m)
    [placement]  site = motor point ("medial_gastrocnemius", "lateral_gastrocnemius", "soleus")
                 | fraction (0 knee crease .. 1 ankle) with angle_deg (0 posterior, +90 medial);
                 rotation_deg: the coil's +x from the leg's proximal direction, about the skin normal;
                 gap (m) between the skin and the casing
    [tissue]     model = built-in tissue model (cs.list_tissues()) or a TOML path; measurement
                 overrides of a calf (circumference, skin, fat, gastrocnemius, soleus, length, ... in m)
                 for a given child; or kind = "planar" with layers = [[name, thickness_m, S_per_m], ...]
    [stimulator] preset = a stimulator preset (coilsim.pulses.list_stimulators()) | capacitance,
                 max_voltage, resistance, mode, internal_inductance, damping_resistance;
                 intensity (0..1 of maximum output), rate (Hz), train_pulses (pulses per train)
    [nerves]     families = names of FAMILIES or tables {name, diameter, model, node, depth_min, depth_max}
                 (model "mrg" (default) | "senn"; node, SENN only: "fh" (default) | "crrss" mammalian);
                 waveforms = "stimulator", stimulator preset names, or tables {shape, ...};
                 depth_min, depth_max (m), depth_count; fiber_length (m); direction ("axial" |
                 "circumferential"); confirm (nonlinear-model thresholds, 0..10); polarity
    [solver]     keyword arguments passed to cs.solve_efield(coil, tissue, **solver)
    [output]     grid_spacing (m), grid_extent (m), figures, vtk, screenshot (true/false)

Unknown sections and keys are errors; every error names the file, the key and the fix.
:meth:`Scenario.with_values` returns a copy with dotted keys replaced (what sweeps vary).
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CoilFileError, CoilsimError

__all__ = ["Scenario", "ScenarioError", "DEFAULT_SCENARIO_TOML", "FAMILIES", "load_scenario",
           "default_scenario"]


class ScenarioError(CoilFileError):
    """A scenario file or dict is invalid: the message names the file, the key and the fix."""


#: fibre families screened by default (REFERENCES.md §6): diameter (m), cable model, depth range
#: (m; "subcutis" = skin + fat of the tissue model). MRG is tabulated for 5.7–16 µm.
FAMILIES = {
    "alpha_motor": {"diameter": 12e-6, "model": "mrg",
                    "description": "α-motor axons (10–16 µm) of the intramuscular nerve branches"},
    "Ia": {"diameter": 16e-6, "model": "mrg",
           "description": "Ia spindle afferents (12–20 µm; MRG's table ends at 16 µm)"},
    "II": {"diameter": 9e-6, "model": "mrg", "description": "group II spindle afferents (6–12 µm)"},
    "Abeta": {"diameter": 9e-6, "model": "mrg", "depth_max": "subcutis",
              "description": "cutaneous Aβ fibres (6–12 µm) in skin and subcutaneous fat: what the child feels"},
}

DEFAULT_SCENARIO_TOML = '''\
# coilsim default study: rPMS of the calf of a child aged 7-10 years.
[scenario]
name = "default"
description = "Clinical-rPMS-like butterfly coil over the medial gastrocnemius motor point of a 7-10 y child's calf, biphasic pulses from a rapid-rate stimulator"

[coil]
name = "rpms_butterfly"          # MagVenture C-B60 class butterfly coil (geometries/rpms_butterfly.toml)

[placement]
site = "medial_gastrocnemius"    # motor point, 0.41 of the knee-crease -> ankle length
rotation_deg = 90.0              # coil +x around the leg: the induced field under the centre runs along the leg (the muscle fibres)
gap = 0.0                        # casing on the skin

[tissue]
model = "child_7_10y"

[stimulator]
preset = "generic_biphasic_rapid"
intensity = 0.4                  # fraction of maximum output (28 Hz allowed at 40 %)
rate = 20.0                      # Hz: rPMS trains of 20-30 Hz (REFERENCES.md section 7)
train_pulses = 1000

[nerves]
families = ["alpha_motor", "Ia", "II", "Abeta"]
waveforms = ["stimulator", "generic_monophasic_single", "generic_controllable_width"]
depth_min = 0.001
depth_max = 0.035
depth_count = 24
fiber_length = 0.1
direction = "axial"
confirm = 6                      # nonlinear (MRG) thresholds that check the estimator's key numbers

[solver]                         # a quick default: see the README for the accuracy trade-off
bones = "none"                   # tibia and fibula lie anterior, >= 2 cm from the coil; "full" adds ~11k unknowns
max_edge = 0.03                  # m, mesh edges far from the coil (the curvature limit still applies)
h_min = 0.005                    # m, mesh edges under the coil
growth = 0.3
near = 4.0                       # exact near-field integration within 4 triangle sizes (8 is the solver's default)

[output]
grid_spacing = 0.005
grid_extent = 0.07
figures = true
vtk = true
screenshot = true
'''

# ---------------------------------------------------------------------------- schema

_SECTIONS = ("scenario", "coil", "placement", "tissue", "stimulator", "nerves", "solver", "output")

#: plausible ranges of lengths (m): a number above the limit is almost certainly in mm or cm
_LENGTH_LIMIT = 1.0
_COIL_ALWAYS = {"name", "file", "builder", "casing_offset"}
_PLACEMENT = {"site", "fraction", "angle_deg", "rotation_deg", "gap"}
_TISSUE_BASE = {"model", "kind", "layers", "side", "name"}
_STIM_DEVICE = {"capacitance", "max_voltage", "resistance", "mode", "internal_inductance",
                "damping_resistance"}
_STIM = _STIM_DEVICE | {"preset", "intensity", "rate", "train_pulses"}
_NERVES = {"families", "waveforms", "depth_min", "depth_max", "depth_count", "fiber_length",
           "direction", "confirm", "polarity"}
_FAMILY_KEYS = {"name", "diameter", "model", "node", "depth_min", "depth_max", "description"}
_WAVE_SHAPES = {"rectangular": ("width",), "biphasic": ("period",), "half_sine": ("width",),
                "monophasic": ("rise", "decay")}
_OUTPUT = {"grid_spacing", "grid_extent", "figures", "vtk", "screenshot"}

#: keys whose values determine the solved field (a sweep re-solves only when one changes)
FIELD_SECTIONS = ("coil", "placement", "tissue", "solver")
FIELD_KEYS = (("nerves", "depth_min"), ("nerves", "depth_max"), ("nerves", "depth_count"),
              ("nerves", "fiber_length"), ("nerves", "direction"), ("output", "grid_spacing"),
              ("output", "grid_extent"))


def _err(where, key, msg, fix):
    return ScenarioError(f"{where}: {key}: {msg}; {fix}")


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _num(where, key, v, *, lo=None, hi=None, lo_open=False, unit="", integer=False):
    if not _is_num(v):
        raise _err(where, key, f"must be a number{' (' + unit + ')' if unit else ''}; got {v!r}",
                   f"write e.g. {key.split('.')[-1]} = 0.5")
    x = float(v)
    if not math.isfinite(x):
        raise _err(where, key, f"must be finite; got {v!r}", "give a finite number")
    if integer and not x.is_integer():
        raise _err(where, key, f"must be an integer; got {v!r}", "drop the fraction")
    if lo is not None and (x < lo or (lo_open and x == lo)):
        raise _err(where, key, f"must be {'>' if lo_open else '>='} {lo:g}{' ' + unit if unit else ''}; got {v!r}",
                   "check the value and its unit")
    if hi is not None and x > hi:
        raise _err(where, key, f"must be <= {hi:g}{' ' + unit if unit else ''}; got {v!r}",
                   "check the value and its unit")
    return int(x) if integer else x


def _length(where, key, v, *, limit=_LENGTH_LIMIT, positive=True):
    if not _is_num(v):
        raise _err(where, key, f"must be a length in metres (a number); got {v!r}",
                   f"write e.g. {key.split('.')[-1]} = 0.035 for 35 mm")
    x = float(v)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise _err(where, key, f"must be a finite length {'>' if positive else '>='} 0 m; got {v!r}",
                   "give a length in metres")
    if x > limit:
        raise _err(where, key, f"{x:g} m is implausible here (lengths are in metres, SI)",
                   f"did you mean {x / 1000:g} (mm -> m) or {x / 100:g} (cm -> m)?")
    return x


def _str(where, key, v, choices=None):
    if not isinstance(v, str):
        raise _err(where, key, f"must be a string; got {v!r}", "quote it")
    if choices is not None and v not in choices:
        raise _err(where, key, f"{v!r} is not one of {sorted(choices)}", "use one of those")
    return v


def _bool(where, key, v):
    if not isinstance(v, bool):
        raise _err(where, key, f"must be true or false; got {v!r}", "write true or false")
    return v


def _unknown(where, section, keys, allowed, hint=""):
    extra = sorted(set(keys) - set(allowed))
    if extra:
        raise _err(where, f"[{section}] {', '.join(extra)}", "unknown key" + ("s" if len(extra) > 1 else ""),
                   f"allowed keys: {', '.join(sorted(allowed))}{hint}")


def _coil_file(where, sec):
    """(builder name, parameters, casing_offset, label) of the coil section's base file."""
    from ..coils import io as cio
    if "file" in sec:
        p = Path(sec["file"])
        if not p.is_file():
            raise _err(where, "coil.file", f"{str(p)!r} does not exist", "give the path of a coil TOML file")
        text, label = p.read_text(), str(p)
    elif "name" in sec:
        res = cio._geometry_dir() / f"{sec['name']}.toml"
        if not res.is_file():
            raise _err(where, "coil.name", f"unknown coil {sec['name']!r}",
                       f"use one of {', '.join(cio.list_coils())} or coil.file = \"path.toml\"")
        text, label = res.read_text(), sec["name"]
    else:
        return None
    try:
        data = tomllib.loads(text)
        c = data["coil"]
        return c["builder"], dict(c.get("parameters", {})), float(c.get("casing_offset", 0.0)), label
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise _err(where, "coil", f"cannot read coil file {label!r} ({exc})",
                   "check it with cs.load_coil(...)") from exc


def _check_coil(where, sec):
    from ..coils import io as cio
    if not isinstance(sec, dict):
        raise _err(where, "[coil]", "must be a table", "write [coil] with name = \"rpms_butterfly\"")
    sources = [k for k in ("name", "file", "builder") if k in sec]
    if not sources:
        raise _err(where, "[coil]", "names no coil",
                   f"set coil.name to a built-in coil ({', '.join(cio.list_coils())}), coil.file or coil.builder")
    if "name" in sec and "file" in sec:
        raise _err(where, "coil.name / coil.file", "both given", "keep one of them")
    for k in ("name", "file", "builder"):
        if k in sec:
            _str(where, f"coil.{k}", sec[k])
    base = _coil_file(where, sec)
    builder = sec.get("builder") or (base[0] if base else None)
    if builder not in cio.BUILDERS:
        raise _err(where, "coil.builder", f"{builder!r} is unknown", f"use one of {sorted(cio.BUILDERS)}")
    params = set(inspect.signature(cio.BUILDERS[builder]).parameters) - {"casing_offset", "name"}
    _unknown(where, "coil", sec, _COIL_ALWAYS | params, f" (the {builder} parameters)")
    for k, v in sec.items():
        if k in ("name", "file", "builder"):
            continue
        if k.endswith("radius") or k in ("length", "width", "gap", "casing_offset", "corner_radius"):
            _length(where, f"coil.{k}", v, limit=0.5, positive=k not in ("gap", "casing_offset"))
        elif k == "turns":
            _num(where, "coil.turns", v, lo=0, lo_open=True, hi=500)
        elif k == "wing_angle":
            _num(where, "coil.wing_angle", v, lo=-math.pi / 2, hi=math.pi / 2, unit="rad")
        elif k == "conductor":
            if not isinstance(v, list) or not v or not isinstance(v[0], str):
                raise _err(where, "coil.conductor", f"must be a list such as [\"round\", 0.001]; got {v!r}",
                           "write [\"round\", r] or [\"rect\", w, h] or [\"litz\", n, r] (m)")
            for i, x in enumerate(v[1:]):
                if v[0] == "litz" and i == 0:
                    continue
                _length(where, f"coil.conductor[{i + 1}]", x, limit=0.02)


def _check_placement(where, sec):
    if not isinstance(sec, dict):
        raise _err(where, "[placement]", "must be a table", "write [placement] site = \"medial_gastrocnemius\"")
    _unknown(where, "placement", sec, _PLACEMENT)
    from ..tissue.anatomy import MOTOR_POINTS
    if "site" in sec and ("fraction" in sec or "angle_deg" in sec):
        raise _err(where, "placement.site / placement.fraction", "both given",
                   "give a site (motor point) or fraction and angle_deg, not both")
    if "site" in sec:
        _str(where, "placement.site", sec["site"], set(MOTOR_POINTS))
    if "fraction" in sec:
        _num(where, "placement.fraction", sec["fraction"], lo=0.0, hi=1.0,
             unit="of the knee-crease -> ankle length")
    if "angle_deg" in sec:
        _num(where, "placement.angle_deg", sec["angle_deg"], lo=-360, hi=360, unit="deg")
    if "rotation_deg" in sec:
        _num(where, "placement.rotation_deg", sec["rotation_deg"], lo=-360, hi=360, unit="deg")
    if "gap" in sec:
        _length(where, "placement.gap", sec["gap"], limit=0.1, positive=False)


def _check_tissue(where, sec):
    if not isinstance(sec, dict):
        raise _err(where, "[tissue]", "must be a table", "write [tissue] model = \"child_7_10y\"")
    kind = sec.get("kind", "calf")
    _str(where, "tissue.kind", kind, {"calf", "planar"})
    if kind == "planar":
        _unknown(where, "tissue", sec, {"kind", "layers", "name"})
        layers = sec.get("layers")
        if not isinstance(layers, list) or not layers:
            raise _err(where, "tissue.layers", "missing or empty",
                       "give [[\"skin\", 0.0012, 0.1], [\"fat\", 0.006, 0.04], [\"muscle\", inf, 0.34]]")
        for i, lay in enumerate(layers):
            if not (isinstance(lay, list) and len(lay) == 3 and isinstance(lay[0], str)):
                raise _err(where, f"tissue.layers[{i}]", f"must be [name, thickness_m, conductivity_S_per_m]; got {lay!r}",
                           "fix that layer")
            if not (isinstance(lay[1], float) and math.isinf(lay[1]) and i == len(layers) - 1):
                _length(where, f"tissue.layers[{i}] thickness", lay[1], limit=0.5)
            _num(where, f"tissue.layers[{i}] conductivity", lay[2], lo=0.0, lo_open=True, hi=100.0, unit="S/m")
        return
    if "model" not in sec:
        from ..tissue.io import list_tissue_files
        raise _err(where, "tissue.model", "missing", f"name a tissue model: {', '.join(list_tissue_files())}")
    from ..tissue.anatomy import calf_geometry
    model = _str(where, "tissue.model", sec["model"])
    _tissue_spec(where, model)
    allowed = set(inspect.signature(calf_geometry).parameters)
    _unknown(where, "tissue", sec, _TISSUE_BASE | allowed, " (calf measurements in m)")
    for k, v in sec.items():
        if k in _TISSUE_BASE:
            continue
        if k in ("ankle_ratio", "aspect", "widest_fraction"):
            _num(where, f"tissue.{k}", v, lo=0.0, lo_open=True, hi=2.0)
        elif k.endswith("_extent"):
            if not (isinstance(v, list) and len(v) == 2):
                raise _err(where, f"tissue.{k}", f"must be [start, end] fractions; got {v!r}", "fix it")
        else:
            _length(where, f"tissue.{k}", v, limit=1.0)
    if "side" in sec:
        _str(where, "tissue.side", sec["side"], {"right", "left"})


def _tissue_spec(where, model):
    from ..tissue.io import read_tissue_file
    try:
        return read_tissue_file(model)
    except CoilsimError as exc:
        raise _err(where, "tissue.model", str(exc), "use a built-in model (coilsim tissues) or a valid file") from exc


def _check_stimulator(where, sec):
    from ..pulses import list_stimulators
    if not isinstance(sec, dict):
        raise _err(where, "[stimulator]", "must be a table", "write [stimulator] preset = \"generic_biphasic_rapid\"")
    _unknown(where, "stimulator", sec, _STIM)
    if "preset" in sec:
        _str(where, "stimulator.preset", sec["preset"], set(list_stimulators()))
    elif not {"capacitance", "max_voltage", "resistance"} <= set(sec):
        raise _err(where, "[stimulator]", "names no stimulator",
                   f"set preset to one of {list_stimulators()} or give capacitance, max_voltage and resistance")
    if "capacitance" in sec:
        _num(where, "stimulator.capacitance", sec["capacitance"], lo=0.0, lo_open=True, hi=0.01, unit="F")
    if "max_voltage" in sec:
        _num(where, "stimulator.max_voltage", sec["max_voltage"], lo=0.0, lo_open=True, hi=20000.0, unit="V")
    if "resistance" in sec:
        _num(where, "stimulator.resistance", sec["resistance"], lo=0.0, hi=100.0, unit="Ω")
    if "mode" in sec:
        from ..pulses.stimulator import MODES
        _str(where, "stimulator.mode", sec["mode"], set(MODES))
    for k in ("internal_inductance",):
        if k in sec:
            _num(where, f"stimulator.{k}", sec[k], lo=0.0, hi=1e-3, unit="H")
    if "damping_resistance" in sec:
        _num(where, "stimulator.damping_resistance", sec["damping_resistance"], lo=0.0, hi=100.0, unit="Ω")
    if "intensity" in sec:
        _num(where, "stimulator.intensity", sec["intensity"], lo=0.0, lo_open=True, hi=1.0,
             unit="fraction of maximum output")
    if "rate" in sec:
        _num(where, "stimulator.rate", sec["rate"], lo=0.0, lo_open=True, hi=1000.0, unit="Hz")
    if "train_pulses" in sec:
        _num(where, "stimulator.train_pulses", sec["train_pulses"], lo=1, hi=1e7, integer=True)


def _check_nerves(where, sec):
    from ..pulses import list_stimulators
    if not isinstance(sec, dict):
        raise _err(where, "[nerves]", "must be a table", "write [nerves] families = [\"alpha_motor\"]")
    _unknown(where, "nerves", sec, _NERVES)
    fams = sec.get("families", ["alpha_motor"])
    if not isinstance(fams, list) or not fams:
        raise _err(where, "nerves.families", f"must be a non-empty list; got {fams!r}",
                   f"use names from {sorted(FAMILIES)} or tables {{name, diameter, model}}")
    names = []
    for i, f in enumerate(fams):
        key = f"nerves.families[{i}]"
        if isinstance(f, str):
            if f not in FAMILIES:
                raise _err(where, key, f"unknown family {f!r}",
                           f"use one of {sorted(FAMILIES)} or a table {{name, diameter, model}}")
            names.append(f)
        elif isinstance(f, dict):
            _unknown(where, key, f, _FAMILY_KEYS)
            if "name" not in f or "diameter" not in f:
                raise _err(where, key, "needs name and diameter", "write {name = \"my\", diameter = 10e-6}")
            _str(where, key + ".name", f["name"])
            d = _length(where, key + ".diameter", f["diameter"], limit=50e-6)
            if d < 0.5e-6:
                raise _err(where, key + ".diameter", f"{d:g} m is not a myelinated fibre diameter",
                           "give it in metres, e.g. 12e-6")
            if "model" in f:
                _str(where, key + ".model", f["model"], {"mrg", "senn"})
            if "node" in f:
                from ..nerves.senn import NODES
                _str(where, key + ".node", f["node"], set(NODES))
                if f.get("model", "mrg") != "senn":
                    raise _err(where, key + ".node",
                               f"node = {f['node']!r} applies only to model = \"senn\" (its nodal membrane); "
                               f"this family's model is {f.get('model', 'mrg')!r}"
                               + ("" if "model" in f else " (the default)"),
                               "add model = \"senn\" to the family or drop node (MRG has its own node)")
            for k in ("depth_min", "depth_max"):
                if k in f and f[k] != "subcutis":
                    _length(where, f"{key}.{k}", f[k], limit=0.2, positive=False)
            names.append(f["name"])
        else:
            raise _err(where, key, f"must be a name or a table; got {f!r}", "fix that entry")
    if len(set(names)) != len(names):
        raise _err(where, "nerves.families", f"duplicate names {names}", "give each family its own name")
    waves = sec.get("waveforms", ["stimulator"])
    if not isinstance(waves, list) or not waves:
        raise _err(where, "nerves.waveforms", f"must be a non-empty list; got {waves!r}",
                   "e.g. [\"stimulator\", \"generic_monophasic_single\"]")
    for i, w in enumerate(waves):
        key = f"nerves.waveforms[{i}]"
        if isinstance(w, str):
            if w != "stimulator" and w not in list_stimulators():
                raise _err(where, key, f"unknown waveform {w!r}",
                           f"use \"stimulator\", a preset ({', '.join(list_stimulators())}) or a table {{shape, ...}}")
        elif isinstance(w, dict):
            shape = w.get("shape")
            if shape not in _WAVE_SHAPES:
                raise _err(where, key + ".shape", f"{shape!r} is not one of {sorted(_WAVE_SHAPES)}", "fix it")
            _unknown(where, key, w, {"shape", "name", *_WAVE_SHAPES[shape]})
            for k in _WAVE_SHAPES[shape]:
                if k not in w:
                    raise _err(where, f"{key}.{k}", "missing", f"give {k} in seconds")
                t = _num(where, f"{key}.{k}", w[k], lo=0.0, lo_open=True, unit="s")
                if t > 0.01:
                    raise _err(where, f"{key}.{k}", f"{t:g} s is implausible for a magnetic pulse",
                               f"times are in seconds: did you mean {t * 1e-6:g} (µs -> s)?")
        else:
            raise _err(where, key, f"must be a name or a table; got {w!r}", "fix that entry")
    dmin = _length(where, "nerves.depth_min", sec.get("depth_min", 0.001), limit=0.2, positive=False)
    dmax = _length(where, "nerves.depth_max", sec.get("depth_max", 0.035), limit=0.2)
    if dmax <= dmin:
        raise _err(where, "nerves.depth_max", f"{dmax:g} m is not deeper than depth_min {dmin:g} m",
                   "make depth_max > depth_min")
    _num(where, "nerves.depth_count", sec.get("depth_count", 24), lo=2, hi=400, integer=True)
    _length(where, "nerves.fiber_length", sec.get("fiber_length", 0.1), limit=0.4)
    _str(where, "nerves.direction", sec.get("direction", "axial"), {"axial", "circumferential"})
    _num(where, "nerves.confirm", sec.get("confirm", 0), lo=0, hi=10, integer=True)
    _str(where, "nerves.polarity", sec.get("polarity", "given"), {"given", "reversed"})


_SOLVER = {"max_edge", "h_min", "growth", "bones", "rtol", "near", "dense_limit"}


def _check_solver(where, sec):
    if not isinstance(sec, dict):
        raise _err(where, "[solver]", "must be a table", "write [solver] max_edge = 0.02")
    _unknown(where, "solver", sec, _SOLVER, " (mesh: max_edge, h_min, growth, bones; "
             "cs.solve_efield: rtol, near, dense_limit)")
    for k in ("max_edge", "h_min"):
        if k in sec:
            _length(where, f"solver.{k}", sec[k], limit=0.1)
    if "growth" in sec:
        _num(where, "solver.growth", sec["growth"], lo=0.0, hi=5.0, unit="m per m")
    if "bones" in sec:
        _str(where, "solver.bones", sec["bones"], {"full", "cortex", "none"})
    if "rtol" in sec:
        _num(where, "solver.rtol", sec["rtol"], lo=0.0, lo_open=True, hi=0.1)
    if "near" in sec:
        _num(where, "solver.near", sec["near"], lo=0.0, hi=100.0)
    if "dense_limit" in sec:
        _num(where, "solver.dense_limit", sec["dense_limit"], lo=0, integer=True)


def _check_output(where, sec):
    if not isinstance(sec, dict):
        raise _err(where, "[output]", "must be a table", "write [output] figures = true")
    _unknown(where, "output", sec, _OUTPUT)
    if "grid_spacing" in sec:
        s = _length(where, "output.grid_spacing", sec["grid_spacing"], limit=0.05)
        if s < 5e-4:
            raise _err(where, "output.grid_spacing", f"{s:g} m makes a huge grid", "use >= 0.0005 m")
    if "grid_extent" in sec:
        _length(where, "output.grid_extent", sec["grid_extent"], limit=0.5)
    for k in ("figures", "vtk", "screenshot"):
        if k in sec:
            _bool(where, f"output.{k}", sec[k])


def _check(data, where):
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: a scenario must be a table of sections; got {type(data).__name__}")
    _unknown(where, "top level", data, _SECTIONS, " (sections)")
    for s in ("coil", "tissue", "stimulator"):
        if s not in data:
            raise _err(where, f"[{s}]", "missing section", f"add a [{s}] table (see `coilsim run --help`)")
    sc = data.get("scenario", {})
    if not isinstance(sc, dict):
        raise _err(where, "[scenario]", "must be a table", "write [scenario] name = \"...\"")
    _unknown(where, "scenario", sc, {"name", "description"})
    for k in sc:
        _str(where, f"scenario.{k}", sc[k])
    _check_coil(where, data["coil"])
    _check_placement(where, data.get("placement", {}))
    _check_tissue(where, data["tissue"])
    _check_stimulator(where, data["stimulator"])
    _check_nerves(where, data.get("nerves", {}))
    _check_solver(where, data.get("solver", {}))
    _check_output(where, data.get("output", {}))


# ---------------------------------------------------------------------------- the dataclass


def _freeze(x):
    return json.loads(json.dumps(x, sort_keys=True, allow_nan=True))


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario (see the module docstring for the sections and keys).

    ``data`` holds the sections as plain TOML values (dicts, lists, numbers, strings); build one
    with :meth:`from_toml`, :meth:`from_dict` or :meth:`default`, change it with
    :meth:`with_values`. ``source`` names where it came from (used in error messages).
    """

    data: dict
    source: str = "<scenario>"
    base_dir: str = field(default="", repr=False)

    def __post_init__(self):
        d = copy.deepcopy(self.data)
        _check(d, self.source)
        object.__setattr__(self, "data", d)

    # ---- construction ---------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path) -> "Scenario":
        """Read and validate a scenario file (relative ``coil.file`` / ``tissue.model`` paths are
        taken relative to the file)."""
        p = Path(path)
        if not p.is_file():
            raise ScenarioError(f"{p}: scenario file does not exist; give the path of a .toml scenario "
                                "(`coilsim run` alone runs the default)")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{p}: not valid TOML ({exc}); fix the syntax at that line") from exc
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"{p}: not a UTF-8 text file; save it as UTF-8 TOML") from exc
        _resolve_paths(data, p.parent)
        return cls(data, str(p), str(p.parent))

    @classmethod
    def from_dict(cls, data, source: str = "<dict>") -> "Scenario":
        return cls(copy.deepcopy(dict(data)), source)

    @classmethod
    def default(cls) -> "Scenario":
        """The embedded default study (:data:`DEFAULT_SCENARIO_TOML`)."""
        return cls(tomllib.loads(DEFAULT_SCENARIO_TOML), "<default scenario>")

    @classmethod
    def coerce(cls, scenario) -> "Scenario":
        """A Scenario from a Scenario, a TOML path, a dict or None (the default)."""
        if scenario is None:
            return cls.default()
        if isinstance(scenario, Scenario):
            return scenario
        if isinstance(scenario, (str, Path)):
            return cls.from_toml(scenario)
        if isinstance(scenario, dict):
            return cls.from_dict(scenario)
        from ..errors import CoilsimTypeError
        raise CoilsimTypeError(f"scenario must be a Scenario, a path to a TOML file or a dict; got "
                               f"{type(scenario).__name__}")

    # ---- access ---------------------------------------------------------------------------
    def section(self, name) -> dict:
        """A copy of one section (empty dict when absent)."""
        return copy.deepcopy(self.data.get(name, {}))

    def get(self, dotted, default=None):
        sec, _, key = dotted.partition(".")
        s = self.data.get(sec, {})
        if not key:
            return copy.deepcopy(s) if s else default
        return copy.deepcopy(s.get(key, default))

    @property
    def name(self) -> str:
        return self.data.get("scenario", {}).get("name", "scenario")

    def with_values(self, values: dict) -> "Scenario":
        """A copy with dotted keys set, e.g. ``{"coil.outer_radius": 0.045, "tissue": "child_4_6y"}``.

        A bare section name with a string sets that section's main key and drops the keys that
        described the previous choice: ``coil`` -> ``coil.name`` (a new coil), ``tissue`` ->
        ``tissue.model`` (a new model), ``stimulator`` -> ``stimulator.preset`` (intensity, rate
        and train are kept).
        """
        d = copy.deepcopy(self.data)
        for dotted, value in values.items():
            if not isinstance(dotted, str):
                raise ScenarioError(f"{self.source}: sweep key {dotted!r} must be a string such as 'coil.outer_radius'")
            sec, _, key = dotted.partition(".")
            if sec not in _SECTIONS:
                raise ScenarioError(f"{self.source}: {dotted}: unknown section {sec!r}; use one of "
                                    f"{', '.join(_SECTIONS)}")
            value = _plain(value)
            if not key:
                if sec == "coil" and isinstance(value, str):
                    d["coil"] = {"file": value} if value.endswith(".toml") else {"name": value}
                elif sec == "tissue" and isinstance(value, str):
                    d["tissue"] = {"model": value}
                elif sec == "stimulator" and isinstance(value, str):
                    keep = {k: v for k, v in d.get("stimulator", {}).items() if k not in _STIM_DEVICE}
                    keep["preset"] = value
                    d["stimulator"] = keep
                elif isinstance(value, dict):
                    d[sec] = value
                else:
                    raise ScenarioError(f"{self.source}: {dotted} = {value!r}: give a table, or a "
                                        f"name for coil/tissue/stimulator; or a key such as {sec}.<key>")
                continue
            s = d.setdefault(sec, {})
            if sec == "coil" and key in ("name", "file"):
                s.pop("file" if key == "name" else "name", None)
            if sec == "placement" and key == "site":
                s.pop("fraction", None); s.pop("angle_deg", None)
            if sec == "placement" and key in ("fraction", "angle_deg"):
                s.pop("site", None)
            if sec == "stimulator" and key == "preset":
                for k in _STIM_DEVICE:
                    s.pop(k, None)
            s[key] = value
        return Scenario(d, self.source, self.base_dir)

    # ---- identity -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return copy.deepcopy(self.data)

    def to_toml(self) -> str:
        """The scenario as TOML text (re-readable by :meth:`from_toml`)."""
        return _dump_toml(self.data)

    def digest(self, parts=None) -> str:
        """A stable hash of the whole scenario (or of ``parts``: sections / (section, key)
        pairs), with coil and tissue files hashed by content."""
        return _digest(self._identity(parts))

    def field_digest(self) -> str:
        """Hash of everything that determines the solved field and the sampled fibre paths."""
        return self.digest(FIELD_SECTIONS + FIELD_KEYS)

    def _identity(self, parts=None):
        d = _freeze(self.data)
        for sec, key in (("coil", "file"), ("tissue", "model")):
            v = d.get(sec, {}).get(key)
            if isinstance(v, str) and (v.endswith(".toml") or Path(v).is_file()) and Path(v).is_file():
                d[sec][key + "#sha256"] = hashlib.sha256(Path(v).read_bytes()).hexdigest()
        if parts is None:
            return d
        out = {}
        for p in parts:
            if isinstance(p, tuple):
                sec, key = p
                defaults = _NERVE_DEFAULTS if sec == "nerves" else _OUTPUT_DEFAULTS if sec == "output" else {}
                out[f"{sec}.{key}"] = d.get(sec, {}).get(key, defaults.get(key))
            else:
                out[p] = d.get(p, {})
        return out

    def __repr__(self):
        return f"Scenario({self.name!r}, from {self.source})"


_NERVE_DEFAULTS = {"depth_min": 0.001, "depth_max": 0.035, "depth_count": 24, "fiber_length": 0.1,
                   "direction": "axial", "confirm": 0, "polarity": "given",
                   "families": ["alpha_motor"], "waveforms": ["stimulator"]}
_OUTPUT_DEFAULTS = {"grid_spacing": 0.005, "grid_extent": 0.07, "figures": True, "vtk": True,
                    "screenshot": True}


def _plain(v):
    """numpy scalars and tuples -> plain TOML values."""
    import numpy as np
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (tuple, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _resolve_paths(data, base: Path):
    c = data.get("coil")
    if isinstance(c, dict) and isinstance(c.get("file"), str) and not Path(c["file"]).is_absolute():
        c["file"] = str((base / c["file"]).resolve())
    t = data.get("tissue")
    if isinstance(t, dict) and isinstance(t.get("model"), str) and t["model"].endswith(".toml") \
            and not Path(t["model"]).is_absolute():
        t["model"] = str((base / t["model"]).resolve())


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if math.isnan(v):
            return "nan"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _dump_toml(data) -> str:
    lines = []
    for sec in _SECTIONS:
        if sec not in data:
            continue
        lines.append(f"[{sec}]")
        for k, v in data[sec].items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)


def load_scenario(path=None) -> Scenario:
    """A scenario from a TOML file (``None``: the embedded default)."""
    return Scenario.default() if path is None else Scenario.from_toml(path)


def default_scenario() -> Scenario:
    return Scenario.default()
