"""Fast threshold estimator: the activating function through a first-order membrane filter.

For screening many fibres (10⁴–10⁶) where a cable simulation per fibre is too slow. With
``V_e`` at the nodes (quasi-potential, :mod:`.coupling`) and the pulse's normalised waveform
``w(t)``:

1. activating function ``f_n = V_e[n-1] - 2 V_e[n] + V_e[n+1]`` (V; sealed one-sided difference
   at the end nodes, where cut ends are driven);
2. spatial spread over neighbouring nodes (the cable's passive coupling): ``g_n = Σ_k κ^{|n-k|}
   f_k``, an exponential kernel computed by two recursive passes (O(N));
3. the node's depolarisation through a first-order membrane, ``τ dV/dt = -V + τ g_n w(t)``:
   ``V_n,max = max(g_n F⁺, g_n F⁻)`` with ``F^± = max/min_t ∫_0^t w(t') e^{-(t-t')/τ} dt'`` in
   closed form (:meth:`coilsim.Pulse.integral_extremum`, the same formula as
   :mod:`coilsim.analytic.membrane`);
4. threshold = ``c τ / max_n V_n,max``; ``c`` (V) is the rheobase activating function.

``c``, ``τ`` and ``κ`` are calibrated per model and diameter against the nonlinear cable
(:meth:`Estimator.calibrate`), which also reports the error. With ``κ = 0`` the estimator is the
passive first-order membrane: its strength–duration ratios are exactly
:func:`coilsim.analytic.membrane.threshold_ratio`.

The built-in calibration (:data:`DEFAULT_CALIBRATION`) was fitted by
``benchmarks/nerves_perf.py --calibrate`` (MRG 121 nodes and SENN 51 nodes; rectangular 50–500 µs,
half-sine 150 µs, biphasic 300 µs, monophasic 60/150 µs; point sources 1–4 mm and smooth fields
of width 5–20 mm). Its error on those cases is listed with each entry (``max_error``); between
tabulated diameters ``log c``, ``log τ`` and ``κ`` are interpolated linearly in ``log D``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._numba import njit, prange
from .._validate import real_scalar
from ..errors import CoilsimTypeError, CoilsimValueError

__all__ = ["Estimator", "EstimatorCalibration", "estimate_thresholds", "DEFAULT_CALIBRATION",
           "activating_function", "ve_from_tangential"]


@dataclass(frozen=True)
class EstimatorCalibration:
    """Calibrated estimator constants for one model and diameter.

    rheobase : c (V), the rheobase activating function; tau : s; kappa : spatial decay per node
    (0: no spread); beta : time-constant shortening by a narrow drive; max_error, rms_error : relative threshold errors on the calibration set.
    """

    model: str
    diameter: float
    rheobase: float
    tau: float
    kappa: float
    beta: float = 0.0
    max_error: float = math.nan
    rms_error: float = math.nan
    n_cases: int = 0


# filled from benchmarks/nerves_perf.py --calibrate (see the module docstring)
#: rows (D m, c V, τ s, κ, β, max relative error on the calibration set); rms errors in comments
DEFAULT_CALIBRATION = {
    "mrg": (
        (5.7e-6, 0.00525414, 0.000417139, 0.7400, 0.3992, 0.199),   # rms 0.067
        (10e-6, 0.00626485, 0.000325273, 0.7291, 0.2814, 0.229),    # rms 0.083
        (16e-6, 0.00494115, 0.000264829, 0.7343, 0.0231, 0.277),    # rms 0.113
    ),
    "senn": (
        (10e-6, 0.0218373, 0.000231114, 0.6790, 1.4525, 0.471),     # rms 0.159
        (20e-6, 0.0224718, 0.000133825, 0.5340, 0.2285, 0.169),     # rms 0.060
    ),
}


@njit
def _interp_log(lt, grid, vals):
    k = grid.shape[0]
    if k == 1:
        return vals[0]
    step = (grid[k - 1] - grid[0]) / (k - 1)
    x = (lt - grid[0]) / step
    if x <= 0.0:
        return vals[0]
    if x >= k - 1:
        return vals[k - 1]
    i = int(x)
    f = x - i
    return vals[i] + f * (vals[i + 1] - vals[i])


@njit(parallel=True)
def _estimate_kernel(ve, grid, rplus, rminus, c, tau0, kappa, beta, out_thr, out_site):
    """Thresholds of ``ve`` (F, N) per unit amplitude.

    ``rplus``/``rminus`` are ``F^±(τ)/τ`` on the uniform ``log τ`` grid ``grid`` (one entry:
    exact at ``τ0``); node i filters with ``τ_i = τ0 / (1 + β q_i)``, ``q_i`` the relative
    curvature of the activating function there."""
    nf, n = ve.shape
    ltau0 = math.log(tau0)
    for f in prange(nf):
        g = np.empty(n)
        h = np.empty(n)
        for i in range(n):
            if i == 0:
                a = ve[f, 1] - ve[f, 0]
            elif i == n - 1:
                a = ve[f, n - 2] - ve[f, n - 1]
            else:
                a = ve[f, i - 1] - 2.0 * ve[f, i] + ve[f, i + 1]
            g[i] = a
        if kappa > 0.0:
            # forward and backward exponential passes: h_i = Σ_k κ^{|i-k|} g_k
            acc = 0.0
            for i in range(n):
                acc = acc * kappa + g[i]
                h[i] = acc
            acc = 0.0
            for i in range(n - 1, -1, -1):
                h[i] += acc * kappa
                acc = acc * kappa + g[i]
        else:
            for i in range(n):
                h[i] = g[i]
        best = 0.0
        site = -1
        for i in range(n):
            if h[i] == 0.0:
                continue
            lt = ltau0
            if beta > 0.0 and g[i] != 0.0:
                left = g[i - 1] if i > 0 else g[i]
                right = g[i + 1] if i < n - 1 else g[i]
                q = (2.0 * g[i] - left - right) / g[i]
                if q > 0.0:
                    lt = ltau0 - math.log(1.0 + beta * q)
            if h[i] > 0.0:
                v = h[i] * _interp_log(lt, grid, rplus)
            else:
                v = h[i] * _interp_log(lt, grid, rminus)
            if v > best:
                best = v
                site = i
        if best > 0.0:
            out_thr[f] = c / best
        else:
            out_thr[f] = np.inf
        out_site[f] = site


#: the log-τ grid of the filtered-waveform table (when β > 0): 5 µs to 5 ms
_GRID_LO, _GRID_HI, _GRID_N = math.log(5e-6), math.log(5e-3), 49


def activating_function(ve) -> np.ndarray:
    """Second difference of ``ve`` (..., N) along the last axis, sealed one-sided at the ends."""
    v = np.asarray(ve, dtype=np.float64)
    out = np.empty(v.shape)
    out[..., 1:-1] = v[..., :-2] - 2 * v[..., 1:-1] + v[..., 2:]
    out[..., 0] = v[..., 1] - v[..., 0]
    out[..., -1] = v[..., -2] - v[..., -1]
    return out


def ve_from_tangential(e_t, spacing) -> np.ndarray:
    """Quasi-potential at the nodes from the tangential field sampled at the nodes.

    ``e_t`` (..., N) V/m at nodes ``spacing`` (m) apart; ``V_e`` by the trapezoidal rule
    (second order; :func:`~coilsim.nerves.quasi_potential` integrates the field itself to high
    order when the field, not samples, is at hand)."""
    e = np.asarray(e_t, dtype=np.float64)
    if e.ndim < 1 or e.shape[-1] < 3:
        raise CoilsimTypeError("e_t must have at least 3 samples along its last axis (one per node)")
    if not np.all(np.isfinite(e)):
        raise CoilsimValueError("e_t contains NaN or inf")
    h = real_scalar(spacing, "spacing", positive=True)
    out = np.zeros(e.shape)
    out[..., 1:] = -np.cumsum(0.5 * h * (e[..., 1:] + e[..., :-1]), axis=-1)
    return out


def _pulse_extremes(pulse, tau):
    if not (hasattr(pulse, "integral_extremum")):
        raise CoilsimTypeError(f"pulse must be a coilsim Pulse; got {type(pulse).__name__}")
    fp = float(pulse.integral_extremum(1.0 / tau, True)[1])
    fm = float(pulse.integral_extremum(1.0 / tau, False)[1])
    return fp, fm


_TABLES = {}


def _pulse_table(pulse, tau, beta):
    """(grid, F⁺/τ, F⁻/τ): exact at τ when β = 0, else on the log-τ grid (cached per pulse)."""
    if beta == 0.0:
        fp, fm = _pulse_extremes(pulse, tau)
        return np.array([math.log(tau)]), np.array([fp / tau]), np.array([fm / tau])
    key = id(pulse)
    hit = _TABLES.get(key)
    if hit is None or hit[0] is not pulse:
        grid = np.linspace(_GRID_LO, _GRID_HI, _GRID_N)
        rp = np.empty(grid.size)
        rm = np.empty(grid.size)
        for k, lt in enumerate(grid):
            t = math.exp(lt)
            fp, fm = _pulse_extremes(pulse, t)
            rp[k], rm[k] = fp / t, fm / t
        hit = (pulse, grid, rp, rm)
        if len(_TABLES) > 64:
            _TABLES.clear()
        _TABLES[key] = hit
    return hit[1], hit[2], hit[3]


class Estimator:
    """Threshold estimator for one model and diameter (see the module docstring).

    Parameters
    ----------
    rheobase : c, V (rheobase activating function).
    tau : s, membrane time constant of the filter (for a broad drive).
    kappa : spatial decay per node in [0, 1).
    beta : shortening of the time constant by a narrow drive: node i filters with
        ``τ / (1 + β q_i)``, ``q_i = (2 f_i - f_{i-1} - f_{i+1}) / f_i`` (axial charge loss from a
        node driven harder than its neighbours). 0: one time constant (the passive membrane).
    """

    def __init__(self, rheobase: float, tau: float, kappa: float = 0.0, beta: float = 0.0, *,
                 model: str = "", diameter: float = math.nan,
                 calibration: EstimatorCalibration | None = None):
        self.rheobase = real_scalar(rheobase, "rheobase", positive=True)
        self.tau = real_scalar(tau, "tau", positive=True)
        self.kappa = real_scalar(kappa, "kappa", nonnegative=True)
        if not self.kappa < 1.0:
            raise CoilsimValueError(f"kappa must be in [0, 1); got {kappa}")
        self.beta = real_scalar(beta, "beta", nonnegative=True)
        self.model = model
        self.diameter = diameter
        self.calibration = calibration

    def __repr__(self):
        return (f"Estimator(c={self.rheobase:.4g} V, tau={self.tau * 1e6:.4g} µs, "
                f"kappa={self.kappa:.3g}, beta={self.beta:.3g}{', ' + self.model if self.model else ''})")

    # ---- use ----------------------------------------------------------------------------------
    def thresholds(self, ve, pulse, *, return_site: bool = False):
        """Estimated thresholds for ``ve`` (N,) or (F, N) V per unit drive at the nodes.

        Polarity as given (a threshold is ``inf`` where the pulse never depolarises a node).
        One parallel numba call for all F fibres.
        """
        v = np.asarray(ve, dtype=np.float64)
        single = v.ndim == 1
        v2 = np.ascontiguousarray(np.atleast_2d(v))
        if v2.ndim != 2 or v2.shape[1] < 3:
            raise CoilsimTypeError(f"ve must have shape (N,) or (F, N) with N >= 3 nodes; got {v.shape}")
        if not np.all(np.isfinite(v2)):
            raise CoilsimValueError("ve contains NaN or inf; pass finite potentials (V)")
        grid, rp, rm = _pulse_table(pulse, self.tau, self.beta)
        thr = np.empty(v2.shape[0])
        site = np.empty(v2.shape[0], dtype=np.int64)
        _estimate_kernel(v2, grid, rp, rm, self.rheobase, self.tau, self.kappa, self.beta, thr, site)
        if single:
            thr, site = float(thr[0]), int(site[0])
        return (thr, site) if return_site else thr

    def strength_duration_ratio(self, pulse) -> float:
        """Threshold / rheobase of a broad drive (β and κ play no part): ``τ / F⁺``."""
        fp, _ = _pulse_extremes(pulse, self.tau)
        return self.tau / fp if fp > 0 else math.inf

    # ---- calibration --------------------------------------------------------------------------
    @classmethod
    def calibrate(cls, model: str, diameter: float, cases, *, n_nodes: int = None,
                  rel_tol: float = 0.002, fit_beta: bool = True):
        """Fit ``c``, ``τ``, ``κ`` (and ``β``) to nonlinear-model thresholds.

        Parameters
        ----------
        model : "mrg" or "senn"; diameter : m.
        cases : iterable of ``(ve_fn, pulse)``: ``ve_fn(arc)`` gives V_e (V per unit drive) at
            arc positions (m) along a straight fibre centred on 0.
        n_nodes : nodes of the calibration fibre (MRG 121, SENN 51).

        Returns
        -------
        (Estimator, table): ``table`` lists, per case, the nonlinear threshold, the estimate
        and the relative error; ``Estimator.calibration`` holds the max and rms errors.
        """
        from scipy.optimize import least_squares

        from . import mrg as _mrg
        from .senn import SennParameters, senn_threshold
        model = str(model).lower()
        if model not in ("mrg", "senn"):
            raise CoilsimValueError(f"model must be 'mrg' or 'senn'; got {model!r}")
        D = real_scalar(diameter, "diameter", positive=True)
        cases = list(cases)
        if len(cases) < 4:
            raise CoilsimValueError("calibrate needs at least 4 cases (it fits 4 constants)")
        true, ves, pulses = [], [], []
        if model == "mrg":
            n = 121 if n_nodes is None else int(n_nodes)
            g = _mrg.mrg_geometry(D)
            arc = g.compartment_offsets(n)
            arc = arc - 0.5 * arc[-1]
            node = np.arange(0, arc.size, _mrg.COMPARTMENTS_PER_INTERNODE + 1)
            for fn, p in cases:
                ve = np.asarray(fn(arc), dtype=np.float64)
                true.append(_mrg.mrg_threshold(D, ve, p, rel_tol=rel_tol).amplitude)
                ves.append(ve[node])
                pulses.append(p)
        else:
            n = 51 if n_nodes is None else int(n_nodes)
            arc = (np.arange(n) - (n - 1) // 2) * SennParameters().internode_ratio * D
            for fn, p in cases:
                ve = np.asarray(fn(arc), dtype=np.float64)
                true.append(senn_threshold(D, ve, p, rel_tol=rel_tol).amplitude)
                ves.append(ve)
                pulses.append(p)
        true = np.array(true)
        ok = np.isfinite(true)
        if ok.sum() < 4:
            raise CoilsimValueError("fewer than 4 calibration cases reached threshold")
        ves = np.array(ves)

        def est(x, exact=False):
            b = x[3] if fit_beta else 0.0
            e = cls(math.exp(x[0]), math.exp(x[1]), x[2], b if (b > 0 or exact) else 1e-12)
            return np.array([e.thresholds(ves[i], pulses[i]) for i in range(len(pulses))])

        def resid(x):
            return np.log(est(x)[ok]) - np.log(true[ok])

        x0 = np.array([0.0, math.log(150e-6), 0.3, 0.2])
        r0 = est(x0)
        x0[0] = float(np.median(np.log(true[ok]) - np.log(r0[ok])))
        lo = [-50, math.log(10e-6), 0.0, 0.0]
        hi = [50, math.log(3e-3), 0.95, 5.0 if fit_beta else 1e-9]
        fit = least_squares(resid, x0, bounds=(lo, hi), x_scale=[1.0, 1.0, 0.1, 0.1])
        x = fit.x
        beta = float(x[3]) if fit_beta else 0.0
        e = cls(math.exp(x[0]), math.exp(x[1]), float(x[2]), beta, model=model, diameter=D)
        e_thr = np.array([e.thresholds(ves[i], pulses[i]) for i in range(len(pulses))])
        err = e_thr / true - 1.0
        cal = EstimatorCalibration(model, D, e.rheobase, e.tau, e.kappa, beta,
                                   float(np.max(np.abs(err[ok]))),
                                   float(np.sqrt(np.mean(err[ok] ** 2))), int(ok.sum()))
        e.calibration = cal
        table = [dict(case=i, threshold=float(true[i]), estimate=float(e_thr[i]),
                      error=float(err[i])) for i in range(len(true))]
        return e, table

    @classmethod
    def default(cls, model: str, diameter: float) -> "Estimator":
        """The built-in calibration (:data:`DEFAULT_CALIBRATION`) for ``model`` at ``diameter``."""
        model = str(model).lower()
        rows = DEFAULT_CALIBRATION.get(model)
        if not rows:
            raise CoilsimValueError(f"no built-in estimator calibration for model {model!r}; "
                                    "use Estimator.calibrate(...)")
        D = real_scalar(diameter, "diameter", positive=True)
        ds = np.array([r[0] for r in rows])
        if D < ds[0] * (1 - 1e-9) or D > ds[-1] * (1 + 1e-9):
            raise CoilsimValueError(f"diameter {D * 1e6:.3g} µm is outside the calibrated range "
                                    f"{ds[0] * 1e6:.3g}–{ds[-1] * 1e6:.3g} µm of the {model} estimator; "
                                    "calibrate it with Estimator.calibrate(...)")
        x = math.log(D)
        lx = np.log(ds)

        def col(k, log=False):
            v = np.array([r[k] for r in rows])
            return math.exp(np.interp(x, lx, np.log(v))) if log else float(np.interp(x, lx, v))

        cal = EstimatorCalibration(model, D, col(1, True), col(2, True), col(3), col(4), col(5))
        return cls(cal.rheobase, cal.tau, cal.kappa, cal.beta, model=model, diameter=D,
                   calibration=cal)


def estimate_thresholds(fibers, field, pulse, *, estimator: Estimator | None = None) -> np.ndarray:
    """Estimated thresholds (drive units) of Fibers in ``field`` for ``pulse``.

    The quasi-potential at the nodes is integrated from the field (:func:`quasi_potential`); use
    :meth:`Estimator.thresholds` directly with ``V_e`` arrays to skip the field evaluation.
    """
    from .coupling import quasi_potential
    from .fiber import Fiber
    fibers = list(fibers)
    out = np.empty(len(fibers))
    for i, f in enumerate(fibers):
        if not isinstance(f, Fiber):
            raise CoilsimTypeError(f"fibers[{i}] must be a Fiber; got {type(f).__name__}")
        est = estimator if estimator is not None else Estimator.default(f.model, f.diameter)
        out[i] = est.thresholds(quasi_potential(f, field, f.node_arc), pulse)
    return out
