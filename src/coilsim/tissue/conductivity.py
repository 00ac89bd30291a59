"""Tissue conductivities (S/m): the named table of REFERENCES.md §4 and mixing rules.

The table lives in ``coilsim/data/conductivities.toml`` (default, range and source per tissue).
Users override entries by mapping (``{"muscle": 0.3}``); unknown names are errors.

Intramuscular fat (spastic CP) enters as a lower effective muscle conductivity. With fat volume
fraction f (fat σ_f as spheres in muscle σ_m):

- Maxwell Garnett (the default; dilute spherical inclusions, exact to first order in f and equal to
  the Hashin–Shtrikman bound on the matrix side)::

      σ = σ_m · (σ_f + 2σ_m + 2f(σ_f − σ_m)) / (σ_f + 2σ_m − f(σ_f − σ_m))

- Bruggeman (symmetric effective medium)::

      f(σ_f − σ)/(σ_f + 2σ) + (1 − f)(σ_m − σ)/(σ_m + 2σ) = 0
      ⇒ σ = (B + √(B² + 8σ_fσ_m)) / 4,  B = (3f − 1)σ_f + (2 − 3f)σ_m

Both give σ_m at f = 0 and σ_f at f = 1 and lie within the Wiener bounds
(series 1/(f/σ_f + (1 − f)/σ_m) ≤ σ ≤ parallel fσ_f + (1 − f)σ_m).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

import numpy as np

from ..errors import CoilFileError, CoilsimTypeError, CoilsimValueError

MIXING_RULES = ("maxwell_garnett", "bruggeman")
_ENTRY_KEYS = {"default", "range", "source", "notes"}


@dataclass(frozen=True)
class ConductivityEntry:
    """One tissue of the table: default and range (low, high) in S/m, with its source."""

    name: str
    default: float
    range: tuple
    source: str
    notes: str = ""


def _positive_sigma(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise CoilsimTypeError(f"{where} must be a conductivity in S/m (a real number); got {type(value).__name__}")
    x = float(value)
    if not (math.isfinite(x) and x > 0):
        raise CoilsimValueError(f"{where} must be a finite conductivity > 0 S/m; got {value}")
    return x


@lru_cache(maxsize=1)
def _load():
    path = "coilsim/data/conductivities.toml"
    text = (resources.files("coilsim") / "data" / "conductivities.toml").read_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - shipped file
        raise CoilFileError(f"{path}: not valid TOML ({exc})") from exc
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise CoilFileError(f"{path}: [{name}] must be a table with default, range, source")
        extra = sorted(set(entry) - _ENTRY_KEYS)
        if extra:
            raise CoilFileError(f"{path}: unknown key(s) {extra} in [{name}]; allowed: {sorted(_ENTRY_KEYS)}")
        for key in ("default", "range", "source"):
            if key not in entry:
                raise CoilFileError(f"{path}: missing key '{name}.{key}'")
        d = _positive_sigma(entry["default"], f"{path}: {name}.default")
        lo, hi = (_positive_sigma(v, f"{path}: {name}.range") for v in entry["range"])
        if not lo <= d <= hi:
            raise CoilFileError(f"{path}: {name}.default {d} is outside its range [{lo}, {hi}]")
        out[name] = ConductivityEntry(name, d, (lo, hi), str(entry["source"]), str(entry.get("notes", "")))
    return MappingProxyType(out)


def conductivity_entries():
    """The table: read-only mapping name -> :class:`ConductivityEntry` (S/m, with sources)."""
    return _load()


def check_overrides(overrides) -> dict:
    """Validate an override mapping {tissue name: S/m}; unknown names and σ ≤ 0 or NaN are errors."""
    if overrides is None:
        return {}
    if not hasattr(overrides, "items"):
        raise CoilsimTypeError(f"conductivity overrides must be a mapping {{tissue: S/m}}; got {type(overrides).__name__}")
    table = _load()
    out = {}
    for name, value in overrides.items():
        if name not in table:
            raise CoilsimValueError(f"unknown tissue {name!r} in conductivity overrides; known tissues: "
                                    f"{', '.join(sorted(table))}")
        out[name] = _positive_sigma(value, f"conductivity of {name!r}")
    return out


def conductivity_table(overrides=None) -> dict:
    """{tissue name: conductivity in S/m}: the table's defaults with ``overrides`` applied."""
    table = {k: e.default for k, e in _load().items()}
    table.update(check_overrides(overrides))
    return table


def conductivity(name, overrides=None) -> float:
    """Conductivity, S/m, of tissue ``name`` (defaults of the table, or ``overrides``)."""
    table = conductivity_table(overrides)
    if name not in table:
        raise CoilsimValueError(f"unknown tissue {name!r}; known tissues: {', '.join(sorted(table))}")
    return table[name]


def _mix_args(matrix, inclusion, fraction):
    sm = _positive_sigma(matrix, "matrix conductivity")
    si = _positive_sigma(inclusion, "inclusion conductivity")
    f = np.asarray(fraction, dtype=np.float64)
    if not (np.all(np.isfinite(f)) and np.all((f >= 0) & (f <= 1))):
        raise CoilsimValueError(f"volume fraction must be in [0, 1]; got {fraction}")
    return sm, si, f


def mix_conductivity(matrix, inclusion, fraction, rule="maxwell_garnett"):
    """Effective conductivity, S/m, of inclusions (σ ``inclusion``, volume ``fraction``) in a matrix.

    ``rule``: "maxwell_garnett" or "bruggeman" (formulas in the module docstring). Scalar or array
    ``fraction`` in [0, 1]; returns a float for a scalar fraction."""
    sm, si, f = _mix_args(matrix, inclusion, fraction)
    if rule == "maxwell_garnett":
        d = si - sm
        out = sm * (si + 2 * sm + 2 * f * d) / (si + 2 * sm - f * d)
    elif rule == "bruggeman":
        b = (3 * f - 1) * si + (2 - 3 * f) * sm
        out = (b + np.sqrt(b * b + 8 * si * sm)) / 4
    else:
        raise CoilsimValueError(f"unknown mixing rule {rule!r}; use one of {list(MIXING_RULES)}")
    return float(out) if out.ndim == 0 else out


def wiener_bounds(matrix, inclusion, fraction):
    """(series, parallel) Wiener bounds, S/m, on any two-phase mixture's conductivity."""
    sm, si, f = _mix_args(matrix, inclusion, fraction)
    lo = 1.0 / (f / si + (1 - f) / sm)
    hi = f * si + (1 - f) * sm
    return (float(lo), float(hi)) if f.ndim == 0 else (lo, hi)


def effective_muscle_conductivity(fat_fraction, rule="maxwell_garnett", *, muscle=None, fat=None):
    """Muscle conductivity, S/m, with an extra intramuscular fat volume ``fat_fraction``.

    ``muscle`` and ``fat`` default to the table's values (S/m)."""
    sm = conductivity("muscle") if muscle is None else muscle
    sf = conductivity("fat") if fat is None else fat
    return mix_conductivity(sm, sf, fat_fraction, rule)


__all__ = ["ConductivityEntry", "MIXING_RULES", "conductivity", "conductivity_table", "conductivity_entries",
           "check_overrides", "mix_conductivity", "wiener_bounds", "effective_muscle_conductivity"]
