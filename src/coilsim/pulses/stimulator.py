"""Stimulator: the series RLC discharge that drives the coil, in closed form.

Circuit: a capacitor ``C`` charged to ``V0 = intensity * max_voltage`` discharges through the
circuit resistance ``R`` (switch, cable, coil winding: one lumped number) and
``L_total = L_coil + internal_inductance`` (the cable/internal inductance defaults to 1.5 µH,
an assumption; REFERENCES.md §2). With ``alpha = R / (2 L_total)`` and
``q = 1/(L_total C) - alpha²`` (``q = omega²`` when the circuit oscillates), while the
capacitor is in the loop

    I(t)     = (V0 / L_total) e^{-alpha t} S_q(t)
    dI/dt(t) = (V0 / L_total) e^{-alpha t} [C_q(t) - alpha S_q(t)]
    v_C(t)   = V0 e^{-alpha t} [C_q(t) + alpha S_q(t)]

with ``C_q = cos(sqrt(q) t)``, ``S_q = sin(sqrt(q) t)/sqrt(q)`` (hyperbolic for ``q < 0``,
``1`` and ``t`` for ``q = 0``). So ``dI/dt(0) = V0 / L_total`` exactly.

Modes
-----
``"biphasic"``
    One full cycle of coil current, ``0 <= t <= 2 pi / omega``; in the second half the current
    flows back through the anti-parallel diode and recharges the capacitor (the energy
    returned). Needs an oscillating circuit, ``R < 2 sqrt(L_total / C)``.
``"half_sine_current"``
    One half cycle of current, ``0 <= t <= pi / omega`` (the switch opens at the first current
    zero); the capacitor keeps the reversed charge (energy returned). Needs ``R < 2 sqrt(L/C)``.
``"monophasic"``
    Idealised diode/damping circuit: the RLC discharge runs until the capacitor voltage reaches
    zero (at ``t1 = (pi - atan2(omega, alpha)) / omega``, just after the current peak); from
    then on an ideal diode holds the capacitor at 0 V and the coil current decays through
    ``R + damping_resistance``: ``I = I(t1) e^{-(t - t1)/tau_d}``, ``tau_d = L_total / (R +
    R_d)``. The pulse ends when the current is ``MONOPHASIC_TAIL`` (1e-3) of its peak. A
    critically or over-damped circuit never reverses the capacitor: the diode never conducts.
    Neglected: the diode's forward drop and recovery, the capacitor's ESR beyond ``R``.

The coil voltage reported is the inductive ``L_coil dI/dt`` (the winding's resistive drop is a
few per cent of it and is neglected there).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np
from scipy.optimize import brentq

from .._validate import real_scalar
from ..errors import CoilFileError, CoilsimTypeError, CoilsimValueError
from .waveforms import MONOPHASIC_TAIL, Pulse, _damped_cs, _Pieces

__all__ = ["Stimulator", "Discharge", "PulseEnergy", "list_stimulators", "MODES"]

MODES = ("biphasic", "monophasic", "half_sine_current")
#: default cable + internal inductance, H (an assumption; REFERENCES.md §2: 1–2 µH)
INTERNAL_INDUCTANCE = 1.5e-6
#: default damping resistance of the monophasic circuit, Ω (an assumption: with L_total ≈ 18 µH
#: and R ≈ 0.05 Ω it gives a decay constant ≈ 0.2 ms, a ~1 ms monophasic pulse)
DAMPING_RESISTANCE = 0.04


def _intensity(intensity) -> float:
    x = real_scalar(intensity, "intensity")
    if not 0.0 <= x <= 1.0:
        raise CoilsimValueError(f"intensity must be in [0, 1] (fraction of max_voltage); got {x}")
    return x


@dataclass(frozen=True)
class PulseEnergy:
    """Energy bookkeeping of one pulse, J: ``stored = dissipated + returned``."""

    stored: float
    dissipated: float
    returned: float


class Discharge:
    """One discharge of a :class:`Stimulator` into a coil, in closed form (all SI units).

    Built by :meth:`Stimulator.discharge`. Attributes: ``mode``, ``v0`` (V), ``capacitance``
    (F), ``inductance`` (coil, H), ``total_inductance`` (H), ``resistance`` (Ω),
    ``damping_resistance`` (Ω, monophasic only), ``switch_time`` (s: when the monophasic diode
    starts to conduct; ``None`` if it never does or for other modes), ``duration`` (s).
    """

    def __init__(self, stim: "Stimulator", inductance: float, intensity: float):
        self.mode = stim.mode
        self.v0 = intensity * stim.max_voltage
        self.capacitance = C = stim.capacitance
        self.inductance = inductance
        self.total_inductance = L = inductance + stim.internal_inductance
        self.resistance = R = stim.resistance
        self.damping_resistance = stim.damping_resistance if self.mode == "monophasic" else 0.0
        self.alpha = a = R / (2.0 * L)
        w0sq = 1.0 / (L * C)
        self.q = q = w0sq - a * a
        self.switch_time = None
        r_crit = 2.0 * math.sqrt(L / C)
        if self.mode in ("biphasic", "half_sine_current"):
            if not (q > 0.0 and R < r_crit):
                raise CoilsimValueError(
                    f"resistance = {R} Ω is too large for mode={self.mode!r}: with L_total = "
                    f"{L:.4g} H and C = {C:.4g} F the circuit oscillates only for R < "
                    f"2 sqrt(L_total/C) = {r_crit:.4g} Ω; lower the resistance or use "
                    "mode='monophasic'")
            om = math.sqrt(q)
            self.duration = (2.0 if self.mode == "biphasic" else 1.0) * math.pi / om
            unit = _Pieces([0.0, self.duration], a, q, 1.0, -a)
        else:
            def cur(x):  # current per (V0 / L_total), s
                return float(_damped_cs(a, q, x)[1])

            if q > 0.0:
                om = math.sqrt(q)
                tp = math.atan2(om, a) / om
                t1 = (math.pi - math.atan2(om, a)) / om
            else:
                k = math.sqrt(-q)
                tp = 1.0 / a if q == 0.0 else math.atanh(k / a) / k
                t1 = math.inf
            target = MONOPHASIC_TAIL * cur(tp)
            if math.isfinite(t1) and cur(t1) > target:
                # the capacitor reaches 0 V before the current has died away: the diode conducts
                rd = R + self.damping_resistance
                if not rd > 0:
                    raise CoilsimValueError(
                        "damping_resistance must be > 0 in mode='monophasic' (otherwise the "
                        "current never decays); set it, e.g. 0.04 Ω")
                i1, tau = cur(t1), L / rd
                self.switch_time = t1
                self.duration = t1 + tau * math.log(i1 / target)
                unit = _Pieces([0.0, t1, self.duration], [a, 1.0 / tau], [q, 0.0],
                               [1.0, -i1 / tau], [-a, 0.0])
                self._i1, self._tau = i1, tau
            else:  # (nearly) critically or over-damped: one unipolar current lobe, no diode
                hi = t1 if math.isfinite(t1) else 2.0 * tp
                while cur(hi) > target:
                    hi *= 2.0
                self.duration = brentq(lambda x: cur(x) - target, tp, hi, xtol=1e-15 * hi,
                                       rtol=1e-15)
                unit = _Pieces([0.0, self.duration], a, q, 1.0, -a)
        self._scale = self.v0 / L  # A/s: dI/dt = scale * unit(t), I = scale * (s)
        self._unit = unit
        self._peak_unit = unit.peak_abs()
        self._pulse = None
        self._ipeak_unit = None

    def __repr__(self):
        return (f"Discharge(mode={self.mode!r}, v0={self.v0:.6g} V, L_total="
                f"{self.total_inductance:.6g} H, duration={self.duration:.6g} s)")

    # ---- waveforms --------------------------------------------------------------------------
    def _phase(self, t):
        t = np.asarray(t, dtype=float)
        if np.isnan(t).any():
            raise CoilsimValueError("t contains NaN; pass finite times in s")
        return t

    def current(self, t) -> np.ndarray:
        """Coil current, A (0 before the pulse; after it, 0 except a monophasic tail)."""
        t = self._phase(t)
        L, a, q = self.total_inductance, self.alpha, self.q
        tc = np.clip(t, 0.0, self.duration)
        i = _damped_cs(a, q, tc)[1]
        if self.switch_time is not None:
            u = np.maximum(tc - self.switch_time, 0.0)
            i = np.where(tc > self.switch_time, self._i1 * np.exp(-u / self._tau), i)
        i = np.where((t < 0) | (t > self.duration), 0.0, i)
        return self._scale * i

    def di_dt(self, t) -> np.ndarray:
        """dI/dt, A/s."""
        return self._scale * self._unit.value(self._phase(t))

    def capacitor_voltage(self, t) -> np.ndarray:
        """Capacitor voltage, V (``v0`` before the pulse; its final value after)."""
        t = self._phase(t)
        tc = np.clip(t, 0.0, self.duration)
        ec, es = _damped_cs(self.alpha, self.q, tc)
        v = ec + self.alpha * es
        if self.switch_time is not None:
            v = np.where(tc >= self.switch_time, 0.0, v)
        return self.v0 * v

    def coil_voltage(self, t) -> np.ndarray:
        """Inductive voltage across the coil, ``L_coil dI/dt``, V."""
        return self.inductance * self.di_dt(t)

    def loop_resistance(self, t) -> np.ndarray:
        """Resistance the current flows through at t, Ω (``R``, plus ``R_d`` once the monophasic
        diode conducts)."""
        t = self._phase(t)
        if self.switch_time is None:
            return np.full(t.shape, self.resistance)
        return np.where(t > self.switch_time, self.resistance + self.damping_resistance,
                        self.resistance)

    # ---- scalars ----------------------------------------------------------------------------
    @property
    def pulse(self) -> Pulse:
        """The normalised :class:`Pulse` (independent of intensity)."""
        if self._pulse is None:
            name = f"{self.mode} (L_total={self.total_inductance:.4g} H)"
            self._pulse = Pulse(self._unit.scaled(1.0 / self._peak_unit), name, normalise=False)
        return self._pulse

    @property
    def peak_di_dt(self) -> float:
        """max |dI/dt|, A/s (``v0 / L_total`` unless the monophasic decay is steeper)."""
        return self._scale * self._peak_unit

    @property
    def peak_current(self) -> float:
        """max |I|, A."""
        if self._ipeak_unit is None:
            self._ipeak_unit = self.pulse.current_factor * self._peak_unit
        return self._scale * self._ipeak_unit

    @property
    def peak_coil_voltage(self) -> float:
        """max |L_coil dI/dt|, V."""
        return self.inductance * self.peak_di_dt

    @property
    def final_capacitor_voltage(self) -> float:
        """Capacitor voltage when the pulse ends, V."""
        return float(self.capacitor_voltage(self.duration))

    @property
    def energy(self) -> PulseEnergy:
        """Stored ``C v0²/2``; returned = ``C v_end²/2`` (biphasic, half-sine: the recharged
        capacitor; monophasic: 0); dissipated = stored − returned (in R, R_d and the coil; a
        monophasic tail's remaining magnetic energy is counted as dissipated)."""
        stored = 0.5 * self.capacitance * self.v0**2
        returned = (0.0 if self.mode == "monophasic"
                    else 0.5 * self.capacitance * self.final_capacitor_voltage**2)
        return PulseEnergy(stored, stored - returned, returned)


def _rates(value, where="max_rate") -> tuple:
    try:
        rows = tuple((float(a), float(b)) for a, b in value)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{where} must be a list of [intensity, rate_Hz] pairs") from exc
    if rows:
        x = np.array(rows)
        if not (np.all(np.isfinite(x)) and np.all(np.diff(x[:, 0]) > 0) and x[0, 0] > 0
                and x[-1, 0] == 1.0 and np.all(x[:, 1] > 0)):
            raise CoilsimValueError(
                f"{where} must list [intensity, rate_Hz] pairs with intensities increasing in "
                "(0, 1], the last one 1.0, and rates > 0")
    return rows


@dataclass(frozen=True)
class Stimulator:
    """A magnetic stimulator: capacitor bank discharged through the coil (series RLC).

    Parameters
    ----------
    capacitance : float
        Energy-storage capacitance ``C``, F (> 0).
    max_voltage : float
        Capacitor voltage at intensity 1, V (> 0).
    resistance : float
        Total series resistance of the discharge loop (switch, cable, coil), Ω (>= 0).
    mode : {"biphasic", "monophasic", "half_sine_current"}
        See the module docstring.
    internal_inductance : float, optional
        Cable and internal inductance added to the coil's, H (>= 0; default 1.5e-6).
    damping_resistance : float, optional
        Monophasic mode: resistance of the diode branch the current decays through, Ω (> 0).
    max_rate : sequence of (intensity, rate_Hz), optional
        Highest repetition rate at each intensity (step table, see :meth:`max_rate_at`);
        empty means no known limit.
    name, source : str, optional
        Preset name and provenance.
    """

    capacitance: float
    max_voltage: float
    resistance: float
    mode: str = "biphasic"
    internal_inductance: float = INTERNAL_INDUCTANCE
    damping_resistance: float = DAMPING_RESISTANCE
    max_rate: tuple = field(default=())
    name: str = ""
    source: str = ""

    def __post_init__(self):
        s = object.__setattr__
        s(self, "capacitance", real_scalar(self.capacitance, "capacitance", positive=True))
        s(self, "max_voltage", real_scalar(self.max_voltage, "max_voltage", positive=True))
        s(self, "resistance", real_scalar(self.resistance, "resistance", nonnegative=True))
        s(self, "internal_inductance",
          real_scalar(self.internal_inductance, "internal_inductance", nonnegative=True))
        s(self, "damping_resistance",
          real_scalar(self.damping_resistance, "damping_resistance", nonnegative=True))
        if self.mode not in MODES:
            raise CoilsimValueError(f"mode must be one of {MODES}; got {self.mode!r}")
        s(self, "max_rate", _rates(self.max_rate))

    # ---- presets ----------------------------------------------------------------------------
    @classmethod
    def preset(cls, name: str) -> "Stimulator":
        """A stimulator from ``coilsim/data/stimulators.toml`` (see :func:`list_stimulators`)."""
        table = _presets()
        if name not in table:
            raise CoilsimValueError(f"unknown stimulator preset {name!r}; choose one of "
                                    f"{sorted(table)} (coilsim.pulses.list_stimulators())")
        return table[name]

    # ---- the discharge ----------------------------------------------------------------------
    def discharge(self, inductance: float, intensity: float = 1.0) -> Discharge:
        """The closed-form discharge into a coil of ``inductance`` (H) at ``intensity``."""
        L = real_scalar(inductance, "inductance", positive=True)
        return Discharge(self, L, _intensity(intensity))

    def pulse(self, inductance: float) -> Pulse:
        """Normalised pulse for a coil of ``inductance`` (H); L_total adds the internal one."""
        return self.discharge(inductance).pulse

    def peak_di_dt(self, inductance: float, intensity: float = 1.0) -> float:
        """Peak |dI/dt| in A/s; ``V0 / L_total`` at t = 0 for every oscillating mode."""
        return self.discharge(inductance, intensity).peak_di_dt

    def peak_current(self, inductance: float, intensity: float = 1.0) -> float:
        """Peak |I| in A."""
        return self.discharge(inductance, intensity).peak_current

    def peak_coil_voltage(self, inductance: float, intensity: float = 1.0) -> float:
        """Peak inductive coil voltage ``L_coil max|dI/dt|`` in V."""
        return self.discharge(inductance, intensity).peak_coil_voltage

    def duration(self, inductance: float) -> float:
        """Pulse duration, s (independent of intensity)."""
        return self.discharge(inductance).duration

    def energy(self, inductance: float, intensity: float = 1.0) -> PulseEnergy:
        """Energy stored, dissipated and returned per pulse, J."""
        return self.discharge(inductance, intensity).energy

    def with_pulse_width(self, width: float, inductance: float) -> "Stimulator":
        """A copy whose capacitance makes the pulse last ``width`` (s) into ``inductance`` (H).

        Biphasic: the full current cycle ``2 pi/omega``; half-sine: ``pi/omega``. Closed form
        ``C = 1 / (L_total (omega² + alpha²))`` (alpha = R/(2 L_total) does not depend on C).
        """
        wd = real_scalar(width, "width", positive=True)
        L = real_scalar(inductance, "inductance", positive=True) + self.internal_inductance
        if self.mode == "monophasic":
            raise CoilsimValueError("with_pulse_width needs mode 'biphasic' or "
                                    "'half_sine_current'; a monophasic width depends on R_d too")
        om = (2.0 if self.mode == "biphasic" else 1.0) * math.pi / wd
        a = self.resistance / (2.0 * L)
        return replace(self, capacitance=1.0 / (L * (om * om + a * a)))

    # ---- repetition rate --------------------------------------------------------------------
    def max_rate_at(self, intensity: float) -> float:
        """Highest repetition rate at ``intensity``, Hz: the rate of the first table row whose
        intensity is >= ``intensity`` (a conservative step); ``inf`` if no table is known."""
        x = _intensity(intensity)
        if not self.max_rate:
            return math.inf
        for level, rate in self.max_rate:
            if x <= level + 1e-12:
                return rate
        return self.max_rate[-1][1]  # pragma: no cover (the table ends at 1.0)

    def check_rate(self, rate: float, intensity: float) -> float:
        """Return ``rate`` (Hz) if the stimulator can fire at it at ``intensity``, else raise."""
        f = real_scalar(rate, "rate", positive=True)
        fmax = self.max_rate_at(intensity)
        if f > fmax:
            raise CoilsimValueError(
                f"rate = {f} Hz exceeds what stimulator {self.name or 'custom'!r} allows at "
                f"intensity {intensity} ({fmax} Hz); lower the rate or the intensity")
        return f


# ---- presets file ---------------------------------------------------------------------------
_KEYS_REQUIRED = {"mode", "capacitance", "max_voltage", "resistance", "max_rate", "source",
                  "description"}
_KEYS_OPTIONAL = {"internal_inductance", "damping_resistance", "assumptions"}
_CACHE: dict = {}


def _parse_presets(text: str, where: str) -> dict:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CoilFileError(f"{where}: not valid TOML: {exc}") from exc
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise CoilFileError(f"{where}: top-level key {name!r} must be a [table] of a preset")
        unknown = set(entry) - _KEYS_REQUIRED - _KEYS_OPTIONAL
        if unknown:
            raise CoilFileError(f"{where}: [{name}] has unknown key(s) {sorted(unknown)}; allowed: "
                                f"{sorted(_KEYS_REQUIRED | _KEYS_OPTIONAL)}")
        missing = _KEYS_REQUIRED - set(entry)
        if missing:
            raise CoilFileError(f"{where}: [{name}] misses key(s) {sorted(missing)}")
        kw = {k: entry[k] for k in ("capacitance", "max_voltage", "resistance", "mode",
                                     "internal_inductance", "damping_resistance") if k in entry}
        try:
            out[name] = Stimulator(max_rate=_rates(entry["max_rate"], f"[{name}] max_rate"),
                                   name=name, source=str(entry["source"]), **kw)
        except (CoilsimValueError, CoilsimTypeError) as exc:
            raise CoilFileError(f"{where}: [{name}]: {exc}") from exc
    return out


def _presets() -> dict:
    if "presets" not in _CACHE:
        res = resources.files("coilsim") / "data" / "stimulators.toml"
        _CACHE["presets"] = _parse_presets(res.read_text(encoding="utf-8"),
                                           "coilsim/data/stimulators.toml")
    return _CACHE["presets"]


def list_stimulators() -> list:
    """Names of the stimulator presets shipped in ``coilsim/data/stimulators.toml``."""
    return sorted(_presets())
