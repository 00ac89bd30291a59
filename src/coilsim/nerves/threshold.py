"""Fibre thresholds for a field and a pulse (DESIGN.md), threshold vs depth, activation depth.

``fiber_threshold(fiber, field, pulse)`` couples the field to the fibre (the quasi-potential,
:mod:`.coupling`), runs the fibre's cable model (MRG or SENN) and searches the lowest drive that
fires a propagating action potential: bracketing by 1.25× steps from a passive-cable estimate,
then geometric bisection to ``rel_tol`` (0.5 %); every run stops as soon as the action
potential reaches the node 90 % along the fibre. The amplitude is in the field's unit of drive:
A/s of peak dI/dt for an EField (the pulse's ``w`` is dI/dt normalised to a peak of 1), the
callable's own multiplier otherwise.

The search never runs away: above ``max_amplitude`` (default: a Stimulator's output at
``max_intensity``, or the drive at which the fibre with passive nodes would be depolarised by
2 V, about 100× any real threshold) the result says "not reached up to X".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import real_scalar
from ..errors import CoilsimTypeError, CoilsimValueError
from . import _mrg_kernels as MK
from . import mrg as _mrg
from .coupling import quasi_potential
from .branched import BranchedFiber
from .fiber import Fiber
from .senn import _waveform_steps, senn_simulate, senn_threshold

__all__ = ["FiberThreshold", "ActivationDepth", "fiber_threshold", "fiber_thresholds",
           "threshold_vs_depth", "activation_depth", "fires", "strength_duration"]

POLARITIES = ("given", "reversed", "both")


@dataclass(frozen=True)
class FiberThreshold:
    """Threshold of one fibre (:func:`fiber_threshold`).

    Attributes
    ----------
    amplitude : lowest drive that fired (A/s of peak dI/dt for an EField; the callable's
        multiplier otherwise); ``inf`` when not reached.
    polarity : "given" or "reversed": the pulse polarity that ``amplitude`` refers to.
    site : (3,) m, where the action potential started (NaN when not reached).
    site_node : index of that node (-1 when not reached).
    time : s, when the site crossed the detection level (``inf`` when not reached).
    reached : False when no AP fired up to ``max_amplitude``.
    max_amplitude : the search ceiling (same unit as ``amplitude``).
    intensity : stimulator intensity in [0, 1] that gives ``amplitude`` (with a Stimulator).
    max_intensity : the intensity ceiling (with a Stimulator).
    model : "mrg" or "senn"; diameter : m.
    rel_tol : width of the final bracket; n_runs : simulations the search took.
    """

    amplitude: float
    polarity: str
    site: np.ndarray
    site_node: int
    time: float
    reached: bool
    max_amplitude: float
    intensity: float | None
    max_intensity: float | None
    model: str
    diameter: float
    rel_tol: float
    n_runs: int

    def __str__(self):
        if not self.reached:
            if self.max_intensity is not None:
                return (f"threshold not reached up to intensity {self.max_intensity:.3g} "
                        f"({self.max_amplitude:.4g} A/s)")
            return f"threshold not reached up to {self.max_amplitude:.4g}"
        s = f"threshold {self.amplitude:.4g} ({self.polarity} polarity"
        if self.intensity is not None:
            s += f", intensity {self.intensity:.3f}"
        return s + f", node {self.site_node}, t = {self.time * 1e6:.0f} µs)"


@dataclass(frozen=True)
class ActivationDepth:
    """Result of :func:`activation_depth`.

    depth : m, the deepest fibre that fires at the amplitude (NaN when none fires).
    depths : (k,) m, each fibre's depth; fired : (k,) bool; amplitude : the drive tested;
    intensity : with a Stimulator.
    """

    depth: float
    depths: np.ndarray
    fired: np.ndarray
    amplitude: float
    intensity: float | None


def _is_stimulator(p) -> bool:
    return hasattr(p, "peak_di_dt") and hasattr(p, "pulse") and callable(getattr(p, "pulse"))


def _resolve_pulse(pulse, inductance, max_intensity):
    """(pulse, peak_di_dt_per_intensity or None)."""
    if _is_stimulator(pulse):
        if inductance is None:
            raise CoilsimValueError("inductance is required with a Stimulator: pass inductance=L "
                                    "(H, the coil's inductance, e.g. coil.inductance())")
        L = real_scalar(inductance, "inductance", positive=True)
        return pulse.pulse(L), float(pulse.peak_di_dt(L, 1.0))
    if inductance is not None:
        raise CoilsimValueError("inductance is only used with a Stimulator; a Pulse already fixes "
                                "the waveform")
    if not (hasattr(pulse, "t") and hasattr(pulse, "w")):
        raise CoilsimTypeError("pulse must be a coilsim Pulse (e.g. cs.pulses.biphasic(300e-6)) or a "
                               f"Stimulator with inductance=; got {type(pulse).__name__}")
    return pulse, None


def _check_fiber(fiber):
    if not isinstance(fiber, (Fiber, BranchedFiber)):
        raise CoilsimTypeError(f"fiber must be a coilsim Fiber (cs.Fiber(path, diameter, model)) or "
                               f"BranchedFiber; got {type(fiber).__name__}")
    return fiber


def _tree_kw(fiber):
    """The cable models' ``parent``/``detect`` arguments of a branching fibre."""
    if isinstance(fiber, BranchedFiber):
        return {"parent": fiber.parent, "detect": fiber.detect_node}
    return {}


def _polarities(polarity):
    if polarity not in POLARITIES:
        raise CoilsimValueError(f"polarity must be one of {POLARITIES}; got {polarity!r}")
    return ("given", "reversed") if polarity == "both" else (polarity,)


def _flip(pulse, pol):
    return pulse if pol == "given" else pulse.reversed()


def _one(fiber, ve, pulse, rel_tol, max_amplitude, dt, passive_ends):
    """(amplitude, site_node, time, reached, ceiling, n_runs) for one polarity."""
    if fiber.model == "senn":
        kw = {} if dt is None else {"dt": dt}
        kw.update(_tree_kw(fiber))
        r = senn_threshold(fiber.diameter, ve, pulse, rel_tol=rel_tol, max_amplitude=max_amplitude,
                           passive_ends=bool(passive_ends) if passive_ends is not None else False,
                           node=fiber.node, **kw)
        return r.amplitude, r.site, r.time, r.reached, r.max_amplitude, r.n_runs
    kw = {} if dt is None else {"dt": dt}
    kw.update(_tree_kw(fiber))
    r = _mrg.mrg_threshold(fiber.diameter, ve, pulse, rel_tol=rel_tol, max_amplitude=max_amplitude,
                           passive_ends=True if passive_ends is None else bool(passive_ends),
                           extrapolate=fiber.extrapolate, **kw)
    return r.amplitude, r.site, r.time, r.reached, r.max_amplitude, r.n_runs


def fiber_threshold(fiber, field, pulse, polarity: str = "given", inductance=None, *,
                    rel_tol: float = 0.005, max_amplitude=None, max_intensity: float = 1.0,
                    dt=None, passive_ends=None) -> FiberThreshold:
    """Lowest drive that fires a propagating action potential in ``fiber``.

    Parameters
    ----------
    fiber : :class:`~coilsim.nerves.Fiber` ("mrg" or "senn" with its ``node``, "fh" or "crrss"),
        or a :class:`~coilsim.nerves.BranchedFiber` (one cable on its tree).
    field : an EField (``.E(points)``, V/m per A/s) or a callable ``points -> E`` (V/m per
        unit drive).
    pulse : a :class:`~coilsim.Pulse`, or a :class:`~coilsim.Stimulator` with ``inductance``.
    polarity : "given", "reversed" or "both" (tries both, reports the lower).
    inductance : H, the coil inductance (with a Stimulator).
    rel_tol : relative width of the final bisection bracket (0.5 %).
    max_amplitude : search ceiling in drive units; with a Stimulator the default is its peak
        dI/dt at ``max_intensity`` (1.0: full output).
    dt : time step (s): the model's default (MRG 5 µs backward Euler, SENN 1 µs CN).
    passive_ends : end nodes passive (default: MRG True, SENN False).

    Returns
    -------
    FiberThreshold ("not reached up to X" when ``reached`` is False).
    """
    fiber = _check_fiber(fiber)
    pols = _polarities(polarity)
    p, per_int = _resolve_pulse(pulse, inductance, max_intensity)
    rel_tol = real_scalar(rel_tol, "rel_tol", positive=True)
    max_int = None
    if per_int is not None:
        max_int = real_scalar(max_intensity, "max_intensity", positive=True)
        if max_int > 1.0:
            raise CoilsimValueError(f"max_intensity must be in (0, 1] (1 = full output); got {max_int}")
        if max_amplitude is None:
            max_amplitude = per_int * max_int
    if max_amplitude is not None:
        max_amplitude = real_scalar(max_amplitude, "max_amplitude", positive=True)
    ve = quasi_potential(fiber, field)
    best = None
    n_runs = 0
    for pol in pols:
        res = _one(fiber, ve, _flip(p, pol), rel_tol, max_amplitude, dt, passive_ends)
        n_runs += res[5]
        if best is None or res[0] < best[1][0]:
            best = (pol, res)
    pol, (amp, site, t, reached, ceiling, _) = best
    site_xyz = fiber.nodes[site].copy() if reached and site >= 0 else np.full(3, np.nan)
    intensity = None
    if per_int is not None:
        intensity = amp / per_int if reached else None
    return FiberThreshold(amplitude=float(amp), polarity=pol, site=site_xyz, site_node=int(site),
                          time=float(t), reached=bool(reached), max_amplitude=float(ceiling),
                          intensity=intensity, max_intensity=max_int, model=fiber.model,
                          diameter=fiber.diameter, rel_tol=rel_tol, n_runs=int(n_runs))


def fiber_thresholds(fibers, field, pulse, polarity: str = "given", inductance=None, *,
                     rel_tol: float = 0.005, max_amplitude=None, max_intensity: float = 1.0,
                     passive_ends=None) -> list:
    """:func:`fiber_threshold` for many fibres; MRG fibres of one diameter and node count run
    their searches together in one parallel numba call (``prange`` over fibres)."""
    fibers = list(fibers)
    for f in fibers:
        _check_fiber(f)
    pols = _polarities(polarity)
    p, per_int = _resolve_pulse(pulse, inductance, max_intensity)
    rel_tol = real_scalar(rel_tol, "rel_tol", positive=True)
    max_int = None
    if per_int is not None:
        max_int = real_scalar(max_intensity, "max_intensity", positive=True)
        if max_amplitude is None:
            max_amplitude = per_int * max_int
    if max_amplitude is not None:
        max_amplitude = real_scalar(max_amplitude, "max_amplitude", positive=True)
    out = [None] * len(fibers)
    groups = {}
    for i, f in enumerate(fibers):
        if f.model == "mrg" and isinstance(f, Fiber):
            groups.setdefault((f.diameter, f.n_nodes, f.extrapolate), []).append(i)
        else:
            out[i] = fiber_threshold(f, field, pulse, polarity, inductance, rel_tol=rel_tol,
                                     max_amplitude=max_amplitude, max_intensity=max_intensity,
                                     passive_ends=passive_ends)
    for (D, n, ext), idx in groups.items():
        geom = _mrg.mrg_geometry(D, extrapolate=ext)
        cab = _mrg.build_cable(geom, n, passive_ends=True if passive_ends is None else bool(passive_ends))
        ve = np.array([quasi_potential(fibers[i], field) for i in idx]) * 1e3
        da, dp = _mrg.cable_drive(cab, ve)
        best = [None] * len(idx)
        for pol in pols:
            pp = _flip(p, pol)
            wbar, t_stim = _waveform_steps(pp, cab.dt_ms * 1e-3, None)
            t_stop = _mrg._default_t_stop(cab, t_stim, D)
            n_steps = _mrg._n_steps(cab, t_stop)
            hi0 = np.empty(len(idx))
            lo0 = np.empty(len(idx))
            for k in range(len(idx)):
                peak = _mrg.passive_peak(cab, da[k], dp[k], wbar, t_stim) * 1e-3
                peak = peak if peak > 0 else 1e-30
                hi0[k] = _mrg.MAX_PASSIVE_DEPOLARISATION / peak if max_amplitude is None else max_amplitude
                lo0[k] = min(0.25 * _mrg._GUESS_PASSIVE_DEPOLARISATION / peak, 0.5 * hi0[k])
            thr = np.empty(len(idx))
            lo = np.empty(len(idx))
            site = np.empty(len(idx), dtype=np.int64)
            tt = np.empty(len(idx))
            runs = np.empty(len(idx), dtype=np.int64)
            MK.threshold_batch(cab.gates0, cab.parent, cab.node_of, cab.kind, cab.cap, cab.gm, cab.em, cab.area,
                               cab.bmy, cab.gmy, cab.ga, cab.gp, cab.gp_full, da, dp, wbar,
                               cab.dt_ms, n_steps, cab.consts, cab.v_ap, cab.detect,
                               _mrg.QUIET_V * 1e3, _mrg.QUIET_M, lo0, hi0, rel_tol, thr, lo, site,
                               tt, runs)
            for k in range(len(idx)):
                cand = (pol, thr[k], int(site[k]), tt[k] * 1e-3, hi0[k], int(runs[k]))
                if best[k] is None or cand[1] < best[k][1]:
                    best[k] = cand
        for k, i in enumerate(idx):
            pol, a, s, t, ceiling, nr = best[k]
            reached = bool(np.isfinite(a))
            f = fibers[i]
            out[i] = FiberThreshold(
                amplitude=float(a), polarity=pol,
                site=f.nodes[s].copy() if reached and s >= 0 else np.full(3, np.nan),
                site_node=s, time=float(t), reached=reached, max_amplitude=float(ceiling),
                intensity=(a / per_int if (per_int is not None and reached) else None),
                max_intensity=max_int, model="mrg", diameter=D, rel_tol=rel_tol, n_runs=nr)
    return out


def _fiber_depths(fibers, depths):
    if depths is None:
        d = [f.depth for f in fibers]
        if any(x is None for x in d):
            raise CoilsimValueError("fibres without a depth: pass depths= (m) or build them with "
                                    "probe_fibers(...)")
        return np.array(d, dtype=np.float64)
    d = np.asarray(depths, dtype=np.float64)
    if d.shape != (len(fibers),) or not np.all(np.isfinite(d)):
        raise CoilsimValueError(f"depths must have one finite depth (m) per fibre ({len(fibers)})")
    return d


def threshold_vs_depth(fibers, field, pulse, inductance=None, *, depths=None, polarity="given",
                       rel_tol=0.005, max_amplitude=None, max_intensity=1.0):
    """``(depths (k,) m, thresholds (k,) drive units, results)`` of a fibre family, sorted by depth."""
    fibers = list(fibers)
    d = _fiber_depths(fibers, depths)
    res = fiber_thresholds(fibers, field, pulse, polarity, inductance, rel_tol=rel_tol,
                           max_amplitude=max_amplitude, max_intensity=max_intensity)
    order = np.argsort(d, kind="stable")
    return d[order], np.array([res[i].amplitude for i in order]), [res[i] for i in order]


def fires(fiber, field, pulse, amplitude, *, polarity="given", dt=None, passive_ends=None,
          ve=None) -> bool:
    """Whether one pulse at ``amplitude`` (drive units) fires a propagating AP in ``fiber``."""
    fiber = _check_fiber(fiber)
    amplitude = real_scalar(amplitude, "amplitude", nonnegative=True)
    if ve is None:
        ve = quasi_potential(fiber, field)
    for pol in _polarities(polarity):
        pp = _flip(pulse, pol)
        kw = {} if dt is None else {"dt": dt}
        kw.update(_tree_kw(fiber))
        if fiber.model == "senn":
            r = senn_simulate(fiber.diameter, ve, pp, amplitude, record_every=0,
                              passive_ends=bool(passive_ends) if passive_ends is not None else False,
                              node=fiber.node, **kw)
        else:
            r = _mrg.mrg_simulate(fiber.diameter, ve, pp, amplitude, record_every=0,
                                  passive_ends=True if passive_ends is None else bool(passive_ends),
                                  extrapolate=fiber.extrapolate, **kw)
        if r.fired:
            return True
    return False


def activation_depth(fibers, field, pulse, amplitude=None, *, intensity=None, inductance=None,
                     depths=None, polarity="given") -> ActivationDepth:
    """The deepest fibre of a family that fires at ``amplitude`` (DESIGN.md: activation depth).

    Parameters
    ----------
    fibers : a fibre family (e.g. :func:`~coilsim.nerves.probe_fibers`), each with a depth, or
        ``depths=`` (m).
    field, pulse : as :func:`fiber_threshold` (a Stimulator with ``inductance`` and
        ``intensity`` instead of ``amplitude``).
    amplitude : drive (A/s of peak dI/dt for an EField).

    One simulation per fibre (fires or not at that amplitude): cheaper than thresholds.
    """
    fibers = list(fibers)
    for f in fibers:
        _check_fiber(f)
    d = _fiber_depths(fibers, depths)
    p, per_int = _resolve_pulse(pulse, inductance, 1.0)
    if per_int is not None:
        if intensity is None or amplitude is not None:
            raise CoilsimValueError("with a Stimulator pass intensity= (0..1), not amplitude=")
        intensity = real_scalar(intensity, "intensity", nonnegative=True)
        if intensity > 1.0:
            raise CoilsimValueError(f"intensity must be in [0, 1]; got {intensity}")
        amplitude = intensity * per_int
    else:
        if amplitude is None:
            raise CoilsimValueError("amplitude is required (drive units: A/s of peak dI/dt for an EField)")
        if intensity is not None:
            raise CoilsimValueError("intensity= needs a Stimulator (with inductance=)")
        amplitude = real_scalar(amplitude, "amplitude", nonnegative=True)
    fired = np.array([fires(f, field, p, amplitude, polarity=polarity) for f in fibers])
    depth = float(d[fired].max()) if fired.any() else math.nan
    return ActivationDepth(depth=depth, depths=d, fired=fired, amplitude=float(amplitude),
                           intensity=intensity)


def strength_duration(fiber, field, widths, shape: str = "rectangular", *, polarity="given",
                      rel_tol=0.005):
    """Thresholds (drive units) of ``fiber`` for pulses of the given ``widths`` (s).

    ``shape``: "rectangular", "half_sine" (width) or "biphasic" (period)."""
    from .. import pulses as P
    makers = {"rectangular": P.rectangular, "half_sine": P.half_sine, "biphasic": P.biphasic}
    if shape not in makers:
        raise CoilsimValueError(f"shape must be one of {sorted(makers)}; got {shape!r}")
    w = np.atleast_1d(np.asarray(widths, dtype=np.float64))
    return np.array([fiber_threshold(fiber, field, makers[shape](x), polarity,
                                     rel_tol=rel_tol).amplitude for x in w])
