"""Coil winding resistance and temperature during a pulse train (lumped, one thermal node).

Electrical
    DC resistance ``R(T) = rho_20 (1 + alpha_20 (T - 20 °C)) l / A`` for annealed copper
    (IEC 60028: rho_20 = 1.7241e-8 Ω·m, alpha_20 = 0.00393 /K). The AC correction is the
    *skin effect of an isolated conductor*, exact for a round wire (Bessel-function solution;
    e.g. Ramo, Whinnery & Van Duzer, *Fields and Waves*, §5.6), a 1-D slab (field on both broad
    faces, edges neglected) for a rectangular strip of the smaller dimension, and each strand for
    litz wire. A pulse's heat is ``sum_f R(f) |I(f)|^2`` (Parseval over its spectrum), so any
    pulse shape is handled. **Neglected**: the proximity effect between turns and between litz
    strands (for conductors thicker than the skin depth it can add tens of per cent in a
    multi-turn winding; pass a measured ``ac_factor`` to override), the temperature dependence
    of the skin depth (factors are evaluated at 20 °C) and eddy currents in nearby metal.

Thermal
    One node: the copper (heat capacity ``m c_p``, c_p = 385 J/(kg K), CRC Handbook) plus any
    ``extra_heat_capacity`` (potting, former), losing ``cooling * (T - ambient)`` W to the
    surroundings. A pulse (< 2 ms) is short against the interval between pulses (>= 10 ms at
    <= 100 Hz), so each pulse deposits its heat instantly; its energy scales with the winding's
    resistance at the temperature just before it, ``E(T) = E_20 (1 + alpha_20 (T - 20))``. The
    temperature just after pulse n then obeys a linear recurrence with a closed form.

Limits (:data:`LIMITS`, °C)
    ``casing_surface`` 41: IEC 60601-1:2005+A1:2012, 11.1.2.2: an applied part that is not meant
    to heat the patient and exceeds 41 °C must have its temperature disclosed and its clinical
    effect justified (considering, among others, the patient's maturity — relevant for children);
    ``casing_surface_10min`` 43: same standard, Table 24, skin contact >= 10 min;
    ``class_B`` 130 and ``class_F`` 155: insulation thermal classes (IEC 60085). The one-node model
    gives the *winding* temperature; the casing, heated by the winding, is never warmer, so
    comparing the winding temperature with a casing limit is conservative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import jve

from .._validate import real_scalar
from ..coils.conductor import Conductor
from ..constants import MU0
from ..errors import CoilsimTypeError, CoilsimValueError

__all__ = ["CoilThermal", "TrainLimit", "COPPER_RESISTIVITY", "COPPER_TEMPERATURE_COEFFICIENT",
           "COPPER_DENSITY", "COPPER_HEAT_CAPACITY", "LIMITS", "round_wire_skin_factor",
           "strip_skin_factor", "skin_depth"]

#: resistivity of annealed copper at 20 °C, Ω·m (IEC 60028, the International Annealed Copper Standard)
COPPER_RESISTIVITY = 1.7241e-8
#: temperature coefficient of resistance at 20 °C, 1/K (IEC 60028)
COPPER_TEMPERATURE_COEFFICIENT = 0.00393
#: density of annealed copper at 20 °C, kg/m³ (IEC 60028)
COPPER_DENSITY = 8890.0
#: specific heat of copper at 25 °C, J/(kg K) (CRC Handbook of Chemistry and Physics: 0.385 J/(g K))
COPPER_HEAT_CAPACITY = 385.0
#: temperature limits, °C (sources in the module docstring)
LIMITS = {"casing_surface": 41.0, "casing_surface_10min": 43.0, "class_B": 130.0, "class_F": 155.0}
#: samples of the current over the pulse for the spectral heat sum (zero-padded 4x)
_HEAT_SAMPLES = 1 << 14


def skin_depth(frequency, resistivity=COPPER_RESISTIVITY):
    """Skin depth ``sqrt(rho / (pi f mu0))``, m (``inf`` at f = 0)."""
    f = np.asarray(frequency, dtype=float)
    with np.errstate(divide="ignore"):
        return np.sqrt(resistivity / (math.pi * f * MU0))


def round_wire_skin_factor(radius, frequency, resistivity=COPPER_RESISTIVITY):
    """``R_ac / R_dc`` of an isolated round wire: ``Re[(k r/2) J0(k r)/J1(k r)]``, ``k = (1-i)/delta``.

    Exponentially scaled Bessel functions keep it finite for ``r >> delta``; for
    ``r/delta > 300`` the asymptote ``r/(2 delta) + 1/4 + 3 delta/(32 r)`` is used.
    """
    f = np.atleast_1d(np.asarray(frequency, dtype=float))
    out = np.ones(f.shape)
    pos = f > 0
    x = radius / skin_depth(f[pos], resistivity)
    res = np.empty(x.shape)
    big = x > 300.0
    z = (1.0 - 1.0j) * x[~big]
    res[~big] = (0.5 * z * jve(0, z) / jve(1, z)).real
    res[big] = 0.5 * x[big] + 0.25 + 3.0 / (32.0 * x[big])
    out[pos] = np.maximum(res, 1.0)
    return out.reshape(np.shape(frequency))


def strip_skin_factor(thickness, frequency, resistivity=COPPER_RESISTIVITY):
    """``R_ac / R_dc`` of a slab of ``thickness`` with equal field on both faces:
    ``Re[(k h/2) coth(k h/2)]``, ``k = (1+i)/delta``."""
    f = np.atleast_1d(np.asarray(frequency, dtype=float))
    out = np.ones(f.shape)
    pos = f > 0
    y = (1.0 + 1.0j) * 0.5 * thickness / skin_depth(f[pos], resistivity)
    big = y.real > 20.0  # coth -> 1
    res = np.empty(y.shape)
    res[big] = y[big].real
    yb = y[~big]
    res[~big] = (yb * np.cosh(yb) / np.sinh(yb)).real if yb.size else res[~big]
    out[pos] = np.maximum(res, 1.0)
    return out.reshape(np.shape(frequency))


@dataclass(frozen=True)
class TrainLimit:
    """Result of :meth:`CoilThermal.train_limit`.

    pulses : number of pulses deliverable with the winding at or below ``limit`` (``inf`` if
        the periodic steady state stays below it); duration : s, ``pulses / rate``;
    steady_temperature : °C just after each pulse once the train has settled (``inf`` for a
        thermal runaway); limit : °C.
    """

    pulses: float
    duration: float
    steady_temperature: float
    limit: float


@dataclass(frozen=True)
class CoilThermal:
    """Electrical and lumped thermal model of a coil winding.

    Parameters
    ----------
    wire_length : float
        Total conductor length, m (> 0).
    conductor : Conductor or tuple
        Cross-section (``("round", r)``, ``("rect", w, h)``, ``("litz", n, r)``).
    copper_mass : float, optional
        kg; default ``COPPER_DENSITY * wire_length * conductor.area``.
    cooling : float, optional
        Heat-transfer conductance from the winding to the surroundings, W/K (>= 0). Default
        0: adiabatic, the conservative choice for a short train.
    extra_heat_capacity : float, optional
        Heat capacity that warms with the copper (potting, former), J/K; default 0
        (conservative).
    ambient : float, optional
        Ambient (and default starting) temperature, °C; default 25.
    ac_factor : float, optional
        A measured ``R_ac / R_dc`` (>= 1) that replaces the skin-effect model.
    """

    wire_length: float
    conductor: Conductor
    copper_mass: float | None = None
    cooling: float = 0.0
    extra_heat_capacity: float = 0.0
    ambient: float = 25.0
    ac_factor: float | None = None

    def __post_init__(self):
        s = object.__setattr__
        s(self, "wire_length", real_scalar(self.wire_length, "wire_length", positive=True))
        s(self, "conductor", Conductor.parse(self.conductor))
        if self.copper_mass is None:
            s(self, "copper_mass", COPPER_DENSITY * self.wire_length * self.conductor.area)
        else:
            s(self, "copper_mass", real_scalar(self.copper_mass, "copper_mass", positive=True))
        s(self, "cooling", real_scalar(self.cooling, "cooling", nonnegative=True))
        s(self, "extra_heat_capacity",
          real_scalar(self.extra_heat_capacity, "extra_heat_capacity", nonnegative=True))
        s(self, "ambient", real_scalar(self.ambient, "ambient"))
        if self.ac_factor is not None:
            x = real_scalar(self.ac_factor, "ac_factor")
            if not x >= 1.0:
                raise CoilsimValueError(f"ac_factor is R_ac/R_dc and must be >= 1; got {x}")
            s(self, "ac_factor", x)

    @classmethod
    def from_coil(cls, coil, **kwargs) -> "CoilThermal":
        """From any coil with ``wire_length()`` (m of conductor) and ``conductor``; ``kwargs`` as
        in the constructor (``cooling``, ``ambient``, ...)."""
        try:
            length = coil.wire_length()
            conductor = coil.conductor
        except AttributeError as exc:
            raise CoilsimTypeError("coil must provide wire_length() (conductor length, m) and "
                                   f"conductor (a Conductor); got {type(coil).__name__}") from exc
        if conductor is None:
            raise CoilsimValueError("coil.conductor is None: build the coil with conductor=... "
                                    "to get its resistance and copper mass")
        return cls(length, conductor, **kwargs)

    # ---- electrical -------------------------------------------------------------------------
    @property
    def heat_capacity(self) -> float:
        """Heat capacity of the thermal node, J/K."""
        return self.copper_mass * COPPER_HEAT_CAPACITY + self.extra_heat_capacity

    def dc_resistance(self, temperature: float = 20.0) -> float:
        """DC resistance at ``temperature`` (°C), Ω."""
        T = real_scalar(temperature, "temperature")
        rho = COPPER_RESISTIVITY * (1.0 + COPPER_TEMPERATURE_COEFFICIENT * (T - 20.0))
        return rho * self.wire_length / self.conductor.area

    def skin_factor(self, frequency):
        """``R_ac / R_dc`` at ``frequency`` (Hz, array_like), skin effect only (or ``ac_factor``)."""
        f = np.asarray(frequency, dtype=float)
        if np.any(~np.isfinite(f)) or np.any(f < 0):
            raise CoilsimValueError("frequency must be finite and >= 0 (Hz)")
        if self.ac_factor is not None:
            return np.where(f > 0, self.ac_factor, 1.0)
        c = self.conductor
        if c.kind == "rect":
            return strip_skin_factor(min(c.width, c.height), f)
        return round_wire_skin_factor(c.radius, f)  # round wire, or one litz strand

    def ac_resistance(self, frequency, temperature: float = 20.0):
        """Resistance to a sinusoidal current of ``frequency`` (Hz), Ω."""
        return self.dc_resistance(temperature) * self.skin_factor(frequency)

    def pulse_heat(self, source, peak_di_dt: float | None = None) -> float:
        """Heat one pulse deposits in the winding at 20 °C, J: ``sum_f R(f) |I(f)|^2``.

        Parameters
        ----------
        source : Discharge or Pulse
            A :class:`~coilsim.pulses.stimulator.Discharge` (anything with ``current(t)`` in A
            and ``duration`` in s), or a :class:`~coilsim.pulses.Pulse` together with
            ``peak_di_dt``.
        peak_di_dt : float, optional
            A/s, only with a Pulse.
        """
        if peak_di_dt is not None:
            amp = real_scalar(peak_di_dt, "peak_di_dt")

            def current(t):
                return source.current(t, amp)
        elif hasattr(source, "current") and hasattr(source, "duration"):
            current = source.current
        else:
            raise CoilsimTypeError("source must be a Discharge (stim.discharge(L, intensity)) or "
                                   "a Pulse with peak_di_dt=... (A/s)")
        T = float(source.duration)
        n = _HEAT_SAMPLES
        t = np.linspace(0.0, T, n)
        dt = t[1] - t[0]
        i = np.asarray(current(t), dtype=float)
        npad = 4 * n
        spec = np.abs(np.fft.rfft(i, npad)) ** 2
        spec[1:-1] *= 2.0  # npad even: the Nyquist bin appears once
        f = np.fft.rfftfreq(npad, dt)
        return float(self.dc_resistance(20.0) * dt / npad * np.sum(self.skin_factor(f) * spec))

    # ---- thermal ----------------------------------------------------------------------------
    def _recurrence(self, rate, pulse_heat, start):
        f = real_scalar(rate, "rate", positive=True)
        e20 = real_scalar(pulse_heat, "pulse_heat", nonnegative=True)
        t0 = self.ambient if start is None else real_scalar(start, "start")
        cth = self.heat_capacity
        a = COPPER_TEMPERATURE_COEFFICIENT
        k = a * e20 / cth
        e0 = e20 / cth * (1.0 + a * (self.ambient - 20.0))
        ln_rho = -self.cooling / (cth * f) + math.log1p(k)
        return t0 - self.ambient, k, e0, ln_rho

    @staticmethod
    def _theta(n, th0, k, e0, ln_rho):
        """Temperature rise just after pulse n (n >= 1, real), closed form; th0 before pulse 1."""
        n = np.asarray(n, dtype=float)
        rho_n1 = np.exp((n - 1.0) * ln_rho)
        geom = n if ln_rho == 0.0 else np.expm1(n * ln_rho) / math.expm1(ln_rho)
        return (1.0 + k) * th0 * rho_n1 + e0 * geom

    def temperature(self, pulses, rate: float, pulse_heat: float, start: float | None = None):
        """Winding temperature just after the last of ``pulses`` pulses at ``rate`` Hz, °C.

        Parameters
        ----------
        pulses : int or array of int
            Number of pulses (>= 0; 0 gives ``start``).
        rate : float
            Repetition rate, Hz.
        pulse_heat : float
            Heat per pulse at 20 °C, J (:meth:`pulse_heat`).
        start : float, optional
            Temperature before the train, °C (default ``ambient``).
        """
        n = np.asarray(pulses)
        if n.dtype.kind not in "iu" or np.any(n < 0):
            raise CoilsimValueError("pulses must be integers >= 0")
        th0, k, e0, ln_rho = self._recurrence(rate, pulse_heat, start)
        th = np.where(n == 0, th0, self._theta(np.maximum(n, 1), th0, k, e0, ln_rho))
        return self.ambient + th

    def train_limit(self, rate: float, pulse_heat: float, limit: float = LIMITS["casing_surface"],
                    start: float | None = None) -> TrainLimit:
        """Longest train at ``rate`` (Hz) that keeps the winding at or below ``limit`` (°C).

        Returns a :class:`TrainLimit`; ``pulses`` is the largest N with the temperature just
        after pulse N <= ``limit`` (``inf`` if the steady state never exceeds it, 0 if the
        first pulse, or the start, already does).
        """
        lim = real_scalar(limit, "limit")
        th0, k, e0, ln_rho = self._recurrence(rate, pulse_heat, start)
        f = float(rate)
        th_l = lim - self.ambient
        if ln_rho < 0.0:
            steady = e0 / -math.expm1(ln_rho)
        else:
            steady = math.inf if e0 > 0 or th0 > 0 else 0.0
        steady_T = self.ambient + steady
        if th0 > th_l:
            return TrainLimit(0, 0.0, steady_T, lim)
        if steady <= th_l and float(self._theta(1, th0, k, e0, ln_rho)) <= th_l:
            # monotone approach to the steady state from below: never exceeds the limit
            if th0 <= steady or steady <= th_l:
                return TrainLimit(math.inf, math.inf, steady_T, lim)

        def g(x):
            return float(self._theta(x, th0, k, e0, ln_rho)) - th_l

        if g(1.0) > 0:
            return TrainLimit(0, 0.0, steady_T, lim)
        hi = 2.0
        while g(hi) <= 0:
            hi *= 2.0
            if hi > 1e15:  # pragma: no cover (guarded by the steady-state test above)
                return TrainLimit(math.inf, math.inf, steady_T, lim)
        n = int(math.floor(brentq(g, 1.0, hi, xtol=1e-9, rtol=1e-15)))
        while g(n + 1) <= 0:
            n += 1
        while n > 1 and g(n) > 0:
            n -= 1
        return TrainLimit(n, n / f, steady_T, lim)
