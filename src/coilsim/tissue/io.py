"""Tissue model files (TOML) in tissue_models/: :func:`read_tissue_file` and :func:`list_tissue_files`.

Schema (unknown keys are errors; SI units: m, S/m)::

    [tissue]              name, description, kind = "calf", side = "right" | "left"
    [tissue.parameters]   the keyword arguments of anatomy.calf_geometry except side (m)
    [tissue.conductivity] optional overrides of the conductivity table by tissue name (S/m)
    [tissue.composition]  optional: intramuscular_fat_fraction (extra fat volume fraction in muscle,
                          0–1) and mixing ("maxwell_garnett" | "bruggeman"): the muscle conductivity
                          becomes the mixture of muscle and fat (conductivity.mix_conductivity)
    [tissue.provenance]   a source string for every key of parameters and composition, and
                          [tissue.provenance.conductivity] one for every conductivity override;
                          a value that is not from the cited source is marked "assumption*".
"""

from __future__ import annotations

import inspect
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from ..errors import CoilFileError, CoilsimError
from . import anatomy, conductivity as _cond

KINDS = {"calf": anatomy.calf_geometry}
_TOP = {"tissue"}
_TISSUE = {"name", "description", "kind", "side", "parameters", "conductivity", "composition", "provenance"}
_COMPOSITION = {"intramuscular_fat_fraction", "mixing"}


@dataclass(frozen=True)
class TissueSpec:
    """A tissue model file, read and checked. Lengths in m, conductivities in S/m.

    ``conductivities`` is the whole table with the file's overrides and its intramuscular-fat mixing
    applied; ``provenance`` maps every parameter (and "conductivity.<tissue>") to its source."""

    name: str
    description: str
    kind: str
    side: str
    parameters: MappingProxyType
    conductivities: MappingProxyType
    provenance: MappingProxyType
    composition: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    path: str = ""

    def geometry(self) -> anatomy.CalfGeometry:
        """The :class:`anatomy.CalfGeometry` these parameters describe."""
        return KINDS[self.kind](**self.parameters, side=self.side)

    def surface_conductivities(self) -> dict:
        """{calf surface name: conductivity inside it, S/m} (see anatomy.SURFACE_TISSUE)."""
        return {s: self.conductivities[t] for s, t in anatomy.SURFACE_TISSUE.items()}


def _models_dir():
    return resources.files("coilsim") / "tissue_models"


def list_tissue_files() -> list[str]:
    """Names of the built-in tissue models (tissue_models/*.toml)."""
    return sorted(p.name[:-5] for p in _models_dir().iterdir() if p.name.endswith(".toml"))


def _unknown(where, keys, allowed, path):
    extra = sorted(set(keys) - set(allowed))
    if extra:
        raise CoilFileError(f"{path}: unknown key(s) {extra} in [{where}]; allowed: {sorted(allowed)}")


def _table(tissue, key, path, required=False):
    val = tissue.get(key, None)
    if val is None:
        if required:
            raise CoilFileError(f"{path}: missing table [tissue.{key}]")
        return {}
    if not isinstance(val, dict):
        raise CoilFileError(f"{path}: tissue.{key} must be a table ([tissue.{key}])")
    return val


def _source(prov, key, path, where="tissue.provenance"):
    s = prov.get(key)
    if not isinstance(s, str) or not s.strip():
        raise CoilFileError(f"{path}: missing provenance for '{key}': add {key} = \"<source, or "
                            f"'assumption*: reason'>\" to [{where}]")
    return s


def read_tissue_file(name_or_path) -> TissueSpec:
    """Read a tissue model by built-in name (see :func:`list_tissue_files`) or from a TOML path."""
    p = Path(str(name_or_path))
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise CoilFileError(f"tissue file {p} does not exist")
        text, path = p.read_text(), str(p)
    else:
        res = _models_dir() / f"{name_or_path}.toml"
        if not res.is_file():
            raise CoilFileError(f"unknown tissue model {name_or_path!r}; built-in models: "
                                f"{', '.join(list_tissue_files())}")
        text, path = res.read_text(), f"tissue_models/{name_or_path}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CoilFileError(f"{path}: not valid TOML ({exc})") from exc
    _unknown("top level", data, _TOP, path)
    tissue = data.get("tissue")
    if not isinstance(tissue, dict):
        raise CoilFileError(f"{path}: missing [tissue] table")
    _unknown("tissue", tissue, _TISSUE, path)
    for key in ("name", "description", "kind"):
        if not isinstance(tissue.get(key), str):
            raise CoilFileError(f"{path}: missing or non-string key 'tissue.{key}'")
    kind = tissue["kind"]
    if kind not in KINDS:
        raise CoilFileError(f"{path}: tissue.kind = {kind!r} is unknown; use one of {sorted(KINDS)}")
    side = tissue.get("side", "right")
    if side not in ("right", "left"):
        raise CoilFileError(f"{path}: tissue.side = {side!r}; use \"right\" or \"left\"")

    params = dict(_table(tissue, "parameters", path, required=True))
    allowed = set(inspect.signature(KINDS[kind]).parameters) - {"side"}
    if "side" in params:
        raise CoilFileError(f"{path}: 'side' belongs in [tissue] (tissue.side), not in [tissue.parameters]")
    _unknown("tissue.parameters", params, allowed, path)
    for k, v in params.items():
        if isinstance(v, list):
            params[k] = tuple(v)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise CoilFileError(f"{path}: tissue.parameters.{k} must be a number (m) or a list; got {v!r}")
        else:
            params[k] = float(v)

    overrides = dict(_table(tissue, "conductivity", path))
    try:
        overrides = _cond.check_overrides(overrides)
    except CoilsimError as exc:
        raise CoilFileError(f"{path}: [tissue.conductivity]: {exc}") from exc

    comp = dict(_table(tissue, "composition", path))
    _unknown("tissue.composition", comp, _COMPOSITION, path)
    if comp:
        if "intramuscular_fat_fraction" not in comp:
            raise CoilFileError(f"{path}: [tissue.composition] needs intramuscular_fat_fraction (0–1)")
        frac = comp["intramuscular_fat_fraction"]
        if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not 0 <= frac <= 1:
            raise CoilFileError(f"{path}: tissue.composition.intramuscular_fat_fraction must be a "
                                f"volume fraction in [0, 1]; got {frac!r}")
        comp.setdefault("mixing", "maxwell_garnett")
        if comp["mixing"] not in _cond.MIXING_RULES:
            raise CoilFileError(f"{path}: tissue.composition.mixing = {comp['mixing']!r}; use one of "
                                f"{list(_cond.MIXING_RULES)}")

    prov = dict(_table(tissue, "provenance", path, required=True))
    prov_cond = prov.pop("conductivity", {})
    if not isinstance(prov_cond, dict):
        raise CoilFileError(f"{path}: tissue.provenance.conductivity must be a table")
    explicit = set(_table(tissue, "composition", path))
    _unknown("tissue.provenance", prov, set(params) | explicit, path)
    _unknown("tissue.provenance.conductivity", prov_cond, set(overrides), path)
    provenance = {k: _source(prov, k, path) for k in list(params) + sorted(explicit)}
    for k in overrides:
        provenance[f"conductivity.{k}"] = _source(prov_cond, k, path, "tissue.provenance.conductivity")

    try:
        KINDS[kind](**params, side=side)
    except CoilsimError as exc:
        raise CoilFileError(f"{path}: [tissue.parameters]: {exc}") from exc
    except TypeError as exc:
        raise CoilFileError(f"{path}: [tissue.parameters]: {exc}; required: "
                            f"{sorted(k for k, v in inspect.signature(KINDS[kind]).parameters.items() if v.default is inspect.Parameter.empty)}") from exc

    sigma = _cond.conductivity_table(overrides)
    if comp:
        sigma["muscle"] = _cond.mix_conductivity(sigma["muscle"], sigma["fat"],
                                                 comp["intramuscular_fat_fraction"], comp["mixing"])
    return TissueSpec(name=tissue["name"], description=tissue["description"], kind=kind, side=side,
                      parameters=MappingProxyType(params), conductivities=MappingProxyType(sigma),
                      provenance=MappingProxyType(provenance), composition=MappingProxyType(comp), path=path)


__all__ = ["TissueSpec", "read_tissue_file", "list_tissue_files", "KINDS"]
