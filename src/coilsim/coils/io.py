"""Coil definition files (TOML) in geometries/: ``load_coil`` and ``list_coils``.

Schema (unknown keys are errors; SI units)::

    [coil]            name (= file stem), description, builder, casing_offset (m)
    [coil.parameters] the builder's keyword arguments (m, rad; conductor as a list)
    [source]          reference, url, notes, assumptions (list of strings)
"""

from __future__ import annotations

import inspect
import tomllib
from importlib import resources
from pathlib import Path

from ..errors import CoilFileError, CoilsimError
from . import builders
from .coil import Coil

BUILDERS = {
    "circular_coil": builders.circular_coil,
    "spiral_coil": builders.spiral_coil,
    "figure_eight_coil": builders.figure_eight_coil,
    "racetrack_coil": builders.racetrack_coil,
    "helix_coil": builders.helix_coil,
}
_TOP = {"coil", "source"}
_COIL = {"name", "description", "builder", "casing_offset", "parameters"}
_SOURCE = {"reference", "url", "notes", "assumptions"}


def _geometry_dir():
    return resources.files("coilsim") / "geometries"


def list_coils() -> list[str]:
    """Names of the built-in coil files (geometries/*.toml)."""
    return sorted(p.name[:-5] for p in _geometry_dir().iterdir() if p.name.endswith(".toml"))


def _unknown(where: str, keys, allowed, path) -> None:
    extra = sorted(set(keys) - set(allowed))
    if extra:
        raise CoilFileError(f"{path}: unknown key(s) {extra} in [{where}]; allowed: {sorted(allowed)}")


def load_coil(name_or_path) -> Coil:
    """Load a coil by built-in name (see :func:`list_coils`) or from a TOML file path."""
    p = Path(str(name_or_path))
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise CoilFileError(f"coil file {p} does not exist")
        text, path = p.read_text(), str(p)
    else:
        res = _geometry_dir() / f"{name_or_path}.toml"
        if not res.is_file():
            raise CoilFileError(f"unknown coil {name_or_path!r}; built-in coils: {', '.join(list_coils())}")
        text, path = res.read_text(), f"geometries/{name_or_path}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CoilFileError(f"{path}: not valid TOML ({exc})") from exc
    _unknown("top level", data, _TOP, path)
    coil = data.get("coil")
    if not isinstance(coil, dict):
        raise CoilFileError(f"{path}: missing [coil] table")
    _unknown("coil", coil, _COIL, path)
    _unknown("source", data.get("source", {}), _SOURCE, path)
    for key in ("builder", "parameters"):
        if key not in coil:
            raise CoilFileError(f"{path}: missing key 'coil.{key}'")
    builder = BUILDERS.get(coil["builder"])
    if builder is None:
        raise CoilFileError(f"{path}: coil.builder = {coil['builder']!r} is unknown; use one of {sorted(BUILDERS)}")
    params = dict(coil["parameters"])
    allowed = set(inspect.signature(builder).parameters) - {"casing_offset", "name"}
    _unknown("coil.parameters", params, allowed, path)
    if "conductor" in params:
        params["conductor"] = tuple(params["conductor"])
    stem = Path(path).stem
    name = coil.get("name", stem)
    try:
        c = builder(**params, casing_offset=coil.get("casing_offset", 0.0), name=name)
    except CoilsimError as exc:
        raise CoilFileError(f"{path}: {exc}") from exc
    except TypeError as exc:
        raise CoilFileError(f"{path}: bad coil.parameters ({exc})") from exc
    c.metadata.update({"file": path, "description": coil.get("description", ""),
                       "source": data.get("source", {})})
    return c
