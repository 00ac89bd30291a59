"""Normalised pulse waveforms: the time course ``w(t)`` of dI/dt, hence of the induced E-field.

A :class:`Pulse` is piecewise: on piece ``k`` (``breaks[k] <= t <= breaks[k+1]``, local time
``u = t - breaks[k]``) it is a *generalised damped cosine*

    w(u) = e^{-alpha u} [a C_q(u) + b S_q(u)],

with ``C_q = cos(sqrt(q) u)``, ``S_q = sin(sqrt(q) u)/sqrt(q)`` for ``q > 0``, their hyperbolic
continuations for ``q < 0`` and ``C_0 = 1``, ``S_0 = u``. Every shape coilsim builds is of this
form (rectangle, cosine, half-sine, exponential decay, every RLC discharge), and so is the linear
interpolant of measured samples (``alpha = q = 0``). That is what makes the exponentially
filtered integral

    F(t; r) = int_0^t w(t') e^{-r (t - t')} dt'

available in closed form (:meth:`Pulse.integral`): ``r = 0`` gives the current, ``r = 1/tau``
the passive-membrane response (:mod:`coilsim.analytic.membrane`).

Times in s, ``w`` dimensionless with ``max |w| = 1``; ``t[0] = 0``. Outside
``[0, duration]`` the pulse is zero.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import positive_int, real_scalar
from ..errors import CoilsimTypeError, CoilsimValueError

__all__ = ["Pulse", "rectangular", "biphasic", "half_sine", "monophasic", "polyphasic", "damped",
           "MIN_SAMPLES", "MONOPHASIC_TAIL"]

#: fewest samples :meth:`Pulse.from_samples` accepts (a shape needs more than a handful of points)
MIN_SAMPLES = 16
#: a monophasic pulse ends when its current has decayed to this fraction of the peak
MONOPHASIC_TAIL = 1e-3
#: points per piece in the ``t``/``w`` samples of an analytic pulse
_SAMPLES_PER_PIECE = 512
#: |q| L^2 below which a piece is integrated as q = 0 (relative error <= 5e-11, see _modes)
_SMALL_Q = 1e-10
#: |z u| below which the Taylor series of the phi functions is used
_SERIES_RADIUS = 0.5
_SERIES_TERMS = 24


def _damped_cs(alpha, q, u):
    """``(e^{-alpha u} C_q(u), e^{-alpha u} S_q(u))`` elementwise, without overflow for q < 0."""
    alpha, q, u = np.broadcast_arrays(np.asarray(alpha, float), np.asarray(q, float),
                                      np.asarray(u, float))
    ec = np.empty(u.shape)
    es = np.empty(u.shape)
    pos, neg = q > 0, q < 0
    zer = ~(pos | neg)
    if pos.any():
        w = np.sqrt(q[pos])
        ea = np.exp(-alpha[pos] * u[pos])
        ec[pos] = ea * np.cos(w * u[pos])
        es[pos] = ea * np.sin(w * u[pos]) / w
    if zer.any():
        ea = np.exp(-alpha[zer] * u[zer])
        ec[zer] = ea
        es[zer] = ea * u[zer]
    if neg.any():
        k = np.sqrt(-q[neg])
        al, uu = alpha[neg], u[neg]
        ep = np.exp((k - al) * uu)
        em = np.exp(-(k + al) * uu)
        ec[neg] = 0.5 * (ep + em)
        x = k * uu
        small = x < 1.0
        s = np.empty(uu.shape)
        s[small] = np.exp(-al[small] * uu[small]) * np.sinh(x[small]) / k[small]
        s[~small] = (ep[~small] - em[~small]) / (2.0 * k[~small])
        es[neg] = s
    return ec, es


def _phi_series(y, m):
    """``int_0^1 s^m e^{y s} ds`` by its Taylor series (|y| <= 0.5), m in {0, 1}."""
    out = np.zeros(y.shape, dtype=complex)
    term = np.ones(y.shape, dtype=complex)  # y^k / k!
    for k in range(_SERIES_TERMS):
        out += term / (k + 1 + m)
        term = term * y / (k + 1)
    return out


def _kernel_integral(z, mu, beta, u, m):
    """``e^{-beta u} int_0^u x^m e^{z x} dx`` with ``z = beta + mu`` (complex), elementwise."""
    y = z * u
    out = np.empty(y.shape, dtype=complex)
    small = np.abs(y) <= _SERIES_RADIUS
    if small.any():
        us = u[small]
        out[small] = np.exp(-beta[small] * us) * us ** (1 + m[small]) * np.where(
            m[small] == 0, _phi_series(y[small], 0), _phi_series(y[small], 1))
    big = ~small
    if big.any():
        zb, ub = z[big], u[big]
        em = np.exp(mu[big] * ub)
        diff = (em - np.exp(-beta[big] * ub)) / zb
        out[big] = np.where(m[big] == 0, diff, (ub * em - diff) / zb)
    return out


class _Pieces:
    """Piecewise generalised damped cosines (see the module docstring); raw amplitudes."""

    __slots__ = ("breaks", "alpha", "q", "a", "b", "_modes")

    def __init__(self, breaks, alpha, q, a, b):
        self.breaks = np.ascontiguousarray(breaks, dtype=float)
        n = self.breaks.size - 1
        self.alpha, self.q, self.a, self.b = (np.broadcast_to(np.asarray(v, float), (n,)).copy()
                                              for v in (alpha, q, a, b))
        self._modes = None

    @property
    def n(self):
        return self.alpha.size

    @property
    def duration(self):
        return float(self.breaks[-1])

    def scaled(self, factor):
        return _Pieces(self.breaks, self.alpha, self.q, self.a * factor, self.b * factor)

    def derivative(self):
        """The pieces of dw/dt (same form: (a, b) -> (b - alpha a, -q a - alpha b))."""
        return _Pieces(self.breaks, self.alpha, self.q, self.b - self.alpha * self.a,
                       -self.q * self.a - self.alpha * self.b)

    def locate(self, t):
        k = np.searchsorted(self.breaks, t, side="right") - 1
        return np.clip(k, 0, self.n - 1)

    def value_k(self, t, k):
        ec, es = _damped_cs(self.alpha[k], self.q[k], t - self.breaks[k])
        return self.a[k] * ec + self.b[k] * es

    def value(self, t):
        t = np.asarray(t, dtype=float)
        k = self.locate(t)
        inside = (t >= 0.0) & (t <= self.breaks[-1])
        return np.where(inside, self.value_k(np.where(inside, t, 0.0), k), 0.0)

    # ---- exponentially filtered integral ----------------------------------------------------
    def modes(self):
        """Each piece as Re sum_j c_j u^{m_j} e^{mu_j u}, two modes per piece."""
        if self._modes is None:
            n = self.n
            c = np.zeros((n, 2), complex)
            mu = np.zeros((n, 2), complex)
            m = np.zeros((n, 2), np.int64)
            length = np.diff(self.breaks)
            zero = np.abs(self.q) * length**2 < _SMALL_Q  # treat as q = 0: e^{-au}(a + b u)
            c[zero, 0], c[zero, 1] = self.a[zero], self.b[zero]
            mu[zero, 0] = mu[zero, 1] = -self.alpha[zero]
            m[zero, 1] = 1
            nz = ~zero
            w = np.sqrt(self.q[nz] + 0j)  # q < 0 gives i*kappa
            c[nz, 0] = 0.5 * self.a[nz] - 0.5j * self.b[nz] / w
            c[nz, 1] = 0.5 * self.a[nz] + 0.5j * self.b[nz] / w
            mu[nz, 0] = -self.alpha[nz] + 1j * w
            mu[nz, 1] = -self.alpha[nz] - 1j * w
            self._modes = (c, mu, m)
        return self._modes

    def partial_k(self, u, k, rate):
        """int_0^u w_k(x) e^{-rate (u - x)} dx within piece k (u local time)."""
        c, mu, m = self.modes()
        u = np.asarray(u, float)
        beta = np.full(u.shape, rate)
        total = np.zeros(u.shape)
        for j in range(2):
            mj = mu[k, j]
            total += (c[k, j] * _kernel_integral(rate + mj, mj, beta, u, m[k, j])).real
        return total

    def at_breaks(self, rate):
        """F(breaks[k]; rate) for every break (recurrence over pieces)."""
        idx = np.arange(self.n)
        inc = self.partial_k(np.diff(self.breaks), idx, rate)
        if rate == 0.0:
            return np.concatenate(([0.0], np.cumsum(inc)))
        decay = np.exp(-rate * np.diff(self.breaks))
        out = np.empty(self.n + 1)
        out[0] = 0.0
        acc = 0.0
        for i in range(self.n):
            acc = acc * decay[i] + inc[i]
            out[i + 1] = acc
        return out

    def integral_k(self, t, k, rate, fb):
        u = t - self.breaks[k]
        return fb[k] * np.exp(-rate * u) + self.partial_k(u, k, rate)

    def integral(self, t, rate):
        t = np.asarray(t, dtype=float)
        fb = self.at_breaks(rate)
        k = self.locate(t)
        tc = np.clip(t, 0.0, self.breaks[-1])
        out = self.integral_k(tc, k, rate, fb)
        out = np.where(t < 0.0, 0.0, out)
        after = t > self.breaks[-1]
        if after.any():
            out = np.where(after, fb[-1] * np.exp(-rate * np.where(after, t - self.breaks[-1], 0.0)),
                           out)
        return out

    # ---- maximisation -----------------------------------------------------------------------
    def _grid(self, rate):
        """Per-piece sample times (each piece includes both of its ends) and piece indices."""
        length = np.diff(self.breaks)
        if self.n > 64:
            frac = np.linspace(0.0, 1.0, 5)
            t = self.breaks[:-1, None] + length[:, None] * frac
            t[:, -1] = self.breaks[1:]
            k = np.repeat(np.arange(self.n), frac.size).reshape(t.shape)
            return t, k
        rows_t, rows_k = [], []
        freq = np.sqrt(np.abs(self.q)) + np.abs(self.alpha) + rate
        counts = np.clip(np.ceil(32.0 * length * freq), 256, 100_000).astype(int)
        width = int(counts.max()) + 1
        t = np.empty((self.n, width))
        for i in range(self.n):
            g = np.linspace(self.breaks[i], self.breaks[i + 1], width)
            g[-1] = self.breaks[i + 1]
            t[i] = g
        k = np.repeat(np.arange(self.n), width).reshape(t.shape)
        return t, k

    def maximise(self, f, df, rate):
        """Max of f(t, k) over the pulse; df(t, k) its derivative within piece k.

        Grid search, then bisection (to the last bit) of every sub-interval where df changes
        sign from + to -, vectorised over sub-intervals.
        """
        t, k = self._grid(rate)
        fv = f(t, k)
        best = np.unravel_index(np.argmax(fv), fv.shape)
        t_best, f_best = float(t[best]), float(fv[best])
        dv = df(t, k)
        sel = (dv[:, :-1] > 0) & (dv[:, 1:] < 0)
        if sel.any():
            lo, hi, kk = t[:, :-1][sel], t[:, 1:][sel], k[:, :-1][sel]
            # keep the 64 most promising brackets (all of them for analytic pulses)
            if lo.size > 64:
                score = np.maximum(fv[:, :-1][sel], fv[:, 1:][sel])
                keep = np.argsort(score)[-64:]
                lo, hi, kk = lo[keep], hi[keep], kk[keep]
            for _ in range(64):
                mid = 0.5 * (lo + hi)
                up = df(mid, kk) > 0
                lo = np.where(up, mid, lo)
                hi = np.where(up, hi, mid)
            tm = 0.5 * (lo + hi)
            fm = f(tm, kk)
            j = int(np.argmax(fm))
            if fm[j] > f_best:
                t_best, f_best = float(tm[j]), float(fm[j])
        return t_best, f_best

    def peak_abs(self):
        d = self.derivative()
        up = self.maximise(self.value_k, d.value_k, 0.0)[1]
        down = self.maximise(lambda t, k: -self.value_k(t, k), lambda t, k: -d.value_k(t, k), 0.0)[1]
        return max(up, down)

    def integral_extremum(self, rate, sign):
        fb = self.at_breaks(rate)

        def f(t, k):
            return sign * self.integral_k(t, k, rate, fb)

        def df(t, k):
            return sign * (self.value_k(t, k) - rate * self.integral_k(t, k, rate, fb))

        t, v = self.maximise(f, df, rate)
        return t, sign * v


def _ro(x):
    x = np.array(x, dtype=float)
    x.flags.writeable = False
    return x


class Pulse:
    """A normalised pulse: ``w(t)`` is dI/dt(t) / max|dI/dt| (so also the E-field's time course).

    Build one with a shape function (:func:`rectangular`, :func:`biphasic`, :func:`half_sine`,
    :func:`monophasic`, :func:`polyphasic`, :func:`damped`), from a stimulator
    (:meth:`coilsim.Stimulator.pulse`), from measured samples (:meth:`from_samples`) or from
    generalised damped-cosine pieces (:meth:`from_pieces`).

    Attributes
    ----------
    t : ndarray
        Sample times, s (``t[0] = 0``, ``t[-1] = duration``). For a sampled pulse these are the
        given samples; for an analytic one a fine grid (evaluation always uses the exact form).
    w : ndarray
        ``w(t)`` at ``t``, dimensionless, ``max |w| = 1``.
    name : str
        Shape name.
    """

    __slots__ = ("_p", "_t", "_w", "name", "_peak_int")

    def __init__(self, pieces: _Pieces, name: str, samples=None, *, normalise=True):
        if normalise:
            peak = pieces.peak_abs()
            if not peak > 0 or not math.isfinite(peak):
                raise CoilsimValueError(f"pulse {name!r} is identically zero (or not finite); "
                                        "a pulse needs a non-zero waveform")
            pieces = pieces.scaled(1.0 / peak)
        self._p = pieces
        self.name = name
        if samples is None:
            parts = [np.linspace(pieces.breaks[i], pieces.breaks[i + 1], _SAMPLES_PER_PIECE + 1)[:-1]
                     for i in range(min(pieces.n, 64))] if pieces.n <= 64 else [pieces.breaks[:-1]]
            t = np.concatenate(parts + [pieces.breaks[-1:]])
            t[0] = 0.0
            samples = (t, pieces.value(t))
        self._t, self._w = _ro(samples[0]), _ro(samples[1])
        self._peak_int = None

    # ---- construction -----------------------------------------------------------------------
    @classmethod
    def from_samples(cls, t, w, name: str = "samples") -> "Pulse":
        """A pulse from samples of dI/dt (or of E), e.g. a measured waveform.

        Parameters
        ----------
        t : array_like, shape (n,)
            Sample times, s: strictly increasing, ``t[0] == 0``, ``n >= MIN_SAMPLES`` (16).
        w : array_like, shape (n,)
            Samples in any unit; divided by ``max |w|`` (the pulse is normalised).
        name : str, optional

        Returns
        -------
        Pulse
            Linear interpolation between the samples; zero outside ``[t[0], t[-1]]``. The
            current and the membrane response of the interpolant are exact.
        """
        try:
            t = np.asarray(t, dtype=float)
            w = np.asarray(w, dtype=float)
        except (TypeError, ValueError) as exc:
            raise CoilsimTypeError("t and w must be 1-D arrays of numbers (t in s)") from exc
        if t.ndim != 1 or w.ndim != 1 or t.shape != w.shape:
            raise CoilsimTypeError(f"t and w must be 1-D arrays of equal length; got shapes "
                                   f"{t.shape} and {w.shape}")
        if t.size < MIN_SAMPLES:
            raise CoilsimValueError(f"t has {t.size} samples; a pulse needs at least {MIN_SAMPLES} "
                                    "to resolve its shape: sample it more finely")
        for name_, arr in (("t", t), ("w", w)):
            bad = ~np.isfinite(arr)
            if bad.any():
                raise CoilsimValueError(f"{name_} contains NaN or inf (first at index "
                                        f"{int(np.argmax(bad))}); pass finite samples")
        dt = np.diff(t)
        if not np.all(dt > 0):
            i = int(np.argmax(~(dt > 0)))
            raise CoilsimValueError(f"t must be strictly increasing; t[{i + 1}] = {t[i + 1]} <= "
                                    f"t[{i}] = {t[i]}: sort the samples and drop duplicates")
        if t[0] != 0.0:
            raise CoilsimValueError(f"t must start at 0 (t[0] = {t[0]} s); pass t - t[0]")
        peak = float(np.max(np.abs(w)))
        if peak == 0.0:
            raise CoilsimValueError("w is zero everywhere; a pulse needs a non-zero waveform")
        wn = w / peak
        pieces = _Pieces(t, 0.0, 0.0, wn[:-1], np.diff(wn) / dt)
        return cls(pieces, name, samples=(t, wn), normalise=False)

    @classmethod
    def from_pieces(cls, breaks, alpha, q, a, b, name: str = "pieces") -> "Pulse":
        """A pulse from generalised damped-cosine pieces (module docstring), then normalised.

        Parameters
        ----------
        breaks : array_like, shape (n + 1,)
            Piece boundaries, s; ``breaks[0] = 0``, strictly increasing.
        alpha, q, a, b : array_like, shape (n,) or scalars
            ``alpha`` in 1/s, ``q`` in 1/s², ``a`` dimensionless, ``b`` in 1/s. On piece k,
            ``w = e^{-alpha u}[a C_q(u) + b S_q(u)]`` with ``u = t - breaks[k]``.
        """
        br = np.asarray(breaks, dtype=float)
        if br.ndim != 1 or br.size < 2:
            raise CoilsimTypeError("breaks must be a 1-D array of at least 2 times (s)")
        if not np.all(np.isfinite(br)) or br[0] != 0.0 or not np.all(np.diff(br) > 0):
            raise CoilsimValueError("breaks must be finite, start at 0 and strictly increase")
        try:
            p = _Pieces(br, alpha, q, a, b)
        except ValueError as exc:
            raise CoilsimTypeError(f"alpha, q, a, b must be scalars or have {br.size - 1} "
                                   "entries (one per piece)") from exc
        for nm in ("alpha", "q", "a", "b"):
            if not np.all(np.isfinite(getattr(p, nm))):
                raise CoilsimValueError(f"{nm} must be finite")
        return cls(p, name)

    # ---- properties -------------------------------------------------------------------------
    @property
    def t(self) -> np.ndarray:
        """Sample times, s (read-only)."""
        return self._t

    @property
    def w(self) -> np.ndarray:
        """Normalised dI/dt at :attr:`t` (read-only)."""
        return self._w

    @property
    def duration(self) -> float:
        """Length of the pulse, s."""
        return self._p.duration

    @property
    def breaks(self) -> np.ndarray:
        """Piece boundaries, s (where w or its derivatives may jump)."""
        return _ro(self._p.breaks)

    @property
    def pieces(self) -> dict:
        """The generalised damped-cosine pieces: dict of arrays breaks, alpha, q, a, b."""
        p = self._p
        return {k: _ro(getattr(p, k)) for k in ("breaks", "alpha", "q", "a", "b")}

    def __repr__(self):
        return f"Pulse({self.name!r}, duration={self.duration:.6g} s, pieces={self._p.n})"

    # ---- evaluation -------------------------------------------------------------------------
    def __call__(self, t) -> np.ndarray:
        """``w(t)`` at any times (array_like, s), vectorised; 0 outside ``[0, duration]``."""
        return self._p.value(_times(t))

    def integral(self, t, decay_rate: float = 0.0) -> np.ndarray:
        """Closed-form ``int_0^t w(t') e^{-decay_rate (t - t')} dt'``, s.

        Parameters
        ----------
        t : array_like
            Times, s (any shape; before 0 the result is 0, after the pulse it decays).
        decay_rate : float, optional
            ``r`` in 1/s, >= 0. ``0`` gives the running integral (current per unit peak
            dI/dt); ``1/tau`` the response of a passive membrane with time constant ``tau``.
        """
        r = real_scalar(decay_rate, "decay_rate", nonnegative=True)
        return self._p.integral(_times(t), r)

    def integral_extremum(self, decay_rate: float = 0.0, maximum: bool = True):
        """``(time, value)`` of the largest (or, ``maximum=False``, the most negative) value of
        :meth:`integral` over all t >= 0, located to round-off."""
        r = real_scalar(decay_rate, "decay_rate", nonnegative=True)
        return self._p.integral_extremum(r, 1.0 if maximum else -1.0)

    def di_dt(self, t, peak_di_dt: float) -> np.ndarray:
        """dI/dt(t) in A/s for a pulse whose peak |dI/dt| is ``peak_di_dt`` (A/s)."""
        return real_scalar(peak_di_dt, "peak_di_dt") * self(t)

    def current(self, t, peak_di_dt: float) -> np.ndarray:
        """Coil current I(t) in A (I(0) = 0) for peak |dI/dt| = ``peak_di_dt`` (A/s)."""
        return real_scalar(peak_di_dt, "peak_di_dt") * self.integral(t)

    @property
    def current_factor(self) -> float:
        """``max_t |int_0^t w|``, s: peak current = ``current_factor * peak_di_dt``."""
        if self._peak_int is None:
            hi = self._p.integral_extremum(0.0, 1.0)[1]
            lo = self._p.integral_extremum(0.0, -1.0)[1]
            self._peak_int = max(abs(hi), abs(lo))
        return self._peak_int

    def peak_current(self, peak_di_dt: float) -> float:
        """Peak |I| in A for peak |dI/dt| = ``peak_di_dt`` (A/s)."""
        return abs(real_scalar(peak_di_dt, "peak_di_dt")) * self.current_factor

    def reversed(self) -> "Pulse":
        """The same pulse with opposite polarity (``w -> -w``)."""
        p = self._p.scaled(-1.0)
        return Pulse(p, self.name + " (reversed)", samples=(self._t, -self._w), normalise=False)


def _times(t):
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"t must be an array of times in s; got {type(t).__name__}") from exc
    if np.isnan(arr).any():
        raise CoilsimValueError("t contains NaN; pass finite times in s")
    return arr


# ---- parametric shapes (DESIGN.md) ----------------------------------------------------------
def rectangular(width: float) -> Pulse:
    """``w = 1`` on ``[0, width)``; ``width`` in s (> 0)."""
    wd = real_scalar(width, "width", positive=True)
    return Pulse(_Pieces([0.0, wd], 0.0, 0.0, 1.0, 0.0), "rectangular")


def biphasic(period: float) -> Pulse:
    """``w = cos(2 pi t / period)`` on ``[0, period]``: one full cycle of sinusoidal current."""
    T = real_scalar(period, "period", positive=True)
    om = 2.0 * math.pi / T
    return Pulse(_Pieces([0.0, T], 0.0, om * om, 1.0, 0.0), "biphasic")


def half_sine(width: float) -> Pulse:
    """``w = sin(pi t / width)`` on ``[0, width]`` (a half-sine of E, not of current)."""
    wd = real_scalar(width, "width", positive=True)
    om = math.pi / wd
    return Pulse(_Pieces([0.0, wd], 0.0, om * om, 0.0, om), "half_sine")


def monophasic(rise: float, decay: float, tail: float = MONOPHASIC_TAIL) -> Pulse:
    """Current ``sin(pi t / (2 rise))`` up to ``rise``, then ``exp(-(t - rise)/decay)``.

    ``w`` is its derivative divided by ``max(pi/(2 rise), 1/decay)``. The pulse ends when the
    current has decayed to ``tail`` (default 1e-3) of its peak: ``duration = rise +
    decay ln(1/tail)``. ``rise`` and ``decay`` in s (> 0).
    """
    r = real_scalar(rise, "rise", positive=True)
    d = real_scalar(decay, "decay", positive=True)
    tl = real_scalar(tail, "tail", positive=True)
    if not tl < 1:
        raise CoilsimValueError(f"tail must be in (0, 1) (fraction of the peak current); got {tl}")
    om = math.pi / (2.0 * r)
    p = _Pieces([0.0, r, r + d * math.log(1.0 / tl)], [0.0, 1.0 / d], [om * om, 0.0],
                [om, -1.0 / d], [0.0, 0.0])
    return Pulse(p, "monophasic")


def polyphasic(period: float, cycles: int = 2) -> Pulse:
    """``cycles`` full cycles of sinusoidal current: ``w = cos(2 pi t / period)`` on
    ``[0, cycles * period]``."""
    T = real_scalar(period, "period", positive=True)
    n = positive_int(cycles, "cycles")
    om = 2.0 * math.pi / T
    return Pulse(_Pieces([0.0, n * T], 0.0, om * om, 1.0, 0.0), "polyphasic")


def damped(period: float, decay: float, cycles: int = 3) -> Pulse:
    """A freely ringing discharge: current ``e^{-t/decay} sin(2 pi t / period)`` for ``cycles``
    full cycles; ``w`` is its normalised derivative. ``period``, ``decay`` in s (> 0)."""
    T = real_scalar(period, "period", positive=True)
    d = real_scalar(decay, "decay", positive=True)
    n = positive_int(cycles, "cycles")
    om = 2.0 * math.pi / T
    return Pulse(_Pieces([0.0, n * T], 1.0 / d, om * om, om, -om / d), "damped")
