"""Numba kernels of the SENN cable: Frankenhaeuser–Huxley or CRRSS nodes, implicit time stepping.

Pure functions on arrays; they write into preallocated outputs and trust their inputs (the
validating wrapper is :mod:`coilsim.nerves.senn`). They import nothing else from coilsim except
the numba options.

Units inside the kernels (chosen so that the rate constants keep their published form):
membrane potential ``v`` = depolarisation from rest in mV, time in ms, current densities in
µA/cm², capacitance in µF/cm², conductances per nodal area in mS/cm², permeabilities times the
Faraday constant in µA/cm² per mM (so ``P·F·GHK`` is µA/cm²), concentrations in mM.

Node membranes (``kind``):

* ``KIND_FH`` — Frankenhaeuser–Huxley (amphibian, 22 °C): sodium, potassium and the "p" current
  through Goldman–Hodgkin–Katz fluxes, plus a leak; gates m, h, n, p.
* ``KIND_CRRSS`` — Chiu, Ritchie, Rogart & Stagg 1979 (rabbit) at 37 °C as in Sweeney,
  Mortimer & Durand 1987 ("CRRSS"): ``I = g_Na m² h (V - E_Na) + g_L (V - E_L)``, no potassium current;
  gates m, h (columns 0 and 1 of ``gates``; 2 and 3 unused). Rates at absolute potential
  ``E`` = ``v + V_rest`` (mV), multiplied by the temperature factor ``k = Q10^((T - 37 °C)/10)``::

      α_m = (126 + 0.363 E) / (1 + exp(-(E + 49)/5.3))     β_m = α_m / exp((E + 56.2)/4.17)
      β_h = 15.6 / (1 + exp(-(E + 56)/10))                 α_h = β_h / exp((E + 74.5)/5)

  (the published form in depolarisation ``V = E + 80``: α_m = (97 + 0.363 V)/(1 + e^{(31-V)/5.3}),
  β_m = α_m/e^{(V-23.8)/4.17}, β_h = 15.6/(1 + e^{(24-V)/10}), α_h = β_h/e^{(V-5.5)/5}).
  The fit holds for physiological potentials; the numerator of α_m changes sign at
  E = -347 mV, so the rates are evaluated at ``max(E, V_rest - 250 mV)`` (a node that
  hyperpolarised has m ≈ 0, h ≈ 1 either way).

Time stepping (Hines' staggered scheme, as NEURON's ``secondorder`` Crank–Nicolson):

* the gates live at half steps; ``x(t+dt/2)`` is advanced from ``x(t-dt/2)`` by the exact
  exponential update with rates frozen at ``v(t)``: ``x ← x∞ + (x - x∞)·exp(-dt(α+β))``;
* the potentials live at whole steps; with the new gates the ionic current is linearised about
  ``v(t)`` and the cable equation is stepped by the θ-method (θ = ½: Crank–Nicolson, second
  order; θ = 1: backward Euler). Unknown ``δ = v(t+dt) - v(t)``::

      (C/dt + θ·dI/dv) δ - θ·G·Δδ = G·Δv + amplitude·w̄·G·Δv_e - I(v)

  ``Δ`` is the graph Laplacian of the fibre, ``(Δv)_i = Σ_{j ~ i} (v_j - v_i)`` over the
  nodes ``j`` linked to ``i`` (sealed ends: an end node has one neighbour; a branch node three),
  ``G`` the axial conductance per nodal area and ``w̄`` the waveform averaged over the step
  (exact charge per step). The nodes are in Hines order: every node but node 0 has one parent
  ``parent[i] < i``, so the system is solved in O(N) without fill-in by eliminating from the
  leaves to the root and substituting back from the root (Hines 1984); an unbranched fibre
  (``parent[i] = i - 1``) is the Thomas algorithm run from its far end.

Rates and GHK factors come from a lookup table on a uniform voltage grid (linear
interpolation) built by the same exact functions; outside the table the exact functions are
evaluated directly, so no voltage is out of range.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit

# columns of the coefficient table: steady state and one-step decay factor per gate, then the
# GHK factors and their derivatives (per mV) for sodium and potassium
(T_MINF, T_MDEC, T_HINF, T_HDEC, T_NINF, T_NDEC, T_PINF, T_PDEC, T_GNA, T_DGNA, T_GK,
 T_DGK) = range(12)
N_TABLE_COLS = 12

# columns of the CRRSS coefficient table (the first four FH columns: m and h)
N_CRRSS_COLS = 4

# entries of the constants vector (FH uses C_KU .. C_VL; CRRSS uses C_VREST, C_GL, C_VL and
# C_GNA .. C_QT)
(C_KU, C_VREST, C_NAO, C_NAI, C_KO, C_KI, C_PNA, C_PK, C_PP, C_GL, C_VL, C_GNA, C_ENA,
 C_QT) = range(14)
N_CONSTS = 14

# node membranes
KIND_FH = 0
KIND_CRRSS = 1
#: lowest depolarisation (mV) at which the CRRSS rates are evaluated (see the module docstring)
CRRSS_V_FLOOR = -250.0

# kernel status codes
STATUS_QUIET = 0       # stimulus over and every node back near rest: no action potential
STATUS_AP = 1          # the detection node crossed the AP threshold
STATUS_TIMEOUT = 2     # ran all steps without either


@njit
def vtrap(x, y):
    """``x / (exp(x/y) - 1)``, continuous at ``x = 0`` (limit ``y``)."""
    r = x / y
    if r == 0.0:
        return y
    return x / math.expm1(r)


@njit
def fh_rates(v):
    """Frankenhaeuser–Huxley rate constants (ms⁻¹) at depolarisation ``v`` (mV).

    Returns ``(α_m, β_m, α_h, β_h, α_n, β_n, α_p, β_p)``.
    """
    return (0.36 * vtrap(22.0 - v, 3.0), 0.4 * vtrap(v - 13.0, 20.0),
            0.1 * vtrap(v + 10.0, 6.0), 4.5 / (1.0 + math.exp((45.0 - v) / 10.0)),
            0.02 * vtrap(35.0 - v, 10.0), 0.05 * vtrap(v - 10.0, 10.0),
            0.006 * vtrap(40.0 - v, 10.0), 0.09 * vtrap(v + 25.0, 20.0))


@njit
def ghk_factor(u, ci, co):
    """``g(u)·(ci·e^u - co)`` with ``g(u) = u/(e^u - 1)``, and its derivative in ``u``.

    ``u = E·F/(R·T)`` with ``E`` the absolute membrane potential. Multiplied by ``P·F`` this is
    the Goldman–Hodgkin–Katz current density ``P·E·F²/(RT)·(co - ci·e^u)/(1 - e^u)``.
    """
    eu = math.exp(u)
    if abs(u) < 1e-4:
        g = 1.0 - 0.5 * u + u * u / 12.0
        dg = -0.5 + u / 6.0
    else:
        em1 = math.expm1(u)
        g = u / em1
        dg = (1.0 - g * eu) / em1
    d = ci * eu - co
    return g * d, dg * d + g * ci * eu


@njit(inline="always")
def _gate(a, b, dt):
    """Steady state a/(a+b) and one-step decay exp(−dt (a+b)) of a gate with rates a, b (ms⁻¹)."""
    s = a + b
    return a / s, math.exp(-dt * s)


@njit
def node_coeffs(v, dt, c, out):
    """Exact table row at depolarisation ``v`` (mV) for a step ``dt`` (ms); ``c``: constants."""
    am, bm, ah, bh, an, bn, ap, bp = fh_rates(v)
    out[T_MINF], out[T_MDEC] = _gate(am, bm, dt)
    out[T_HINF], out[T_HDEC] = _gate(ah, bh, dt)
    out[T_NINF], out[T_NDEC] = _gate(an, bn, dt)
    out[T_PINF], out[T_PDEC] = _gate(ap, bp, dt)
    ku = c[C_KU]
    u = (v + c[C_VREST]) * ku
    f, df = ghk_factor(u, c[C_NAI], c[C_NAO])
    out[T_GNA] = f
    out[T_DGNA] = df * ku
    f, df = ghk_factor(u, c[C_KI], c[C_KO])
    out[T_GK] = f
    out[T_DGK] = df * ku


@njit
def build_table(v_lo, dv, dt, c, table):
    """Fill ``table[i] = node_coeffs(v_lo + i·dv)``."""
    for i in range(table.shape[0]):
        node_coeffs(v_lo + i * dv, dt, c, table[i])


@njit
def crrss_rates(v, c):
    """CRRSS rate constants (ms⁻¹) at depolarisation ``v`` (mV); ``c``: constants vector.

    Returns ``(α_m, β_m, α_h, β_h)`` at the temperature factor ``c[C_QT]``.
    """
    if v < CRRSS_V_FLOOR:
        v = CRRSS_V_FLOOR
    e = v + c[C_VREST]
    k = c[C_QT]
    am = (126.0 + 0.363 * e) / (1.0 + math.exp(-(e + 49.0) / 5.3))
    bm = am * math.exp(-(e + 56.2) / 4.17)
    bh = 15.6 / (1.0 + math.exp(-(e + 56.0) / 10.0))
    ah = bh * math.exp(-(e + 74.5) / 5.0)
    return k * am, k * bm, k * ah, k * bh


@njit
def crrss_coeffs(v, dt, c, out):
    """CRRSS table row (m∞, m decay, h∞, h decay) at depolarisation ``v`` (mV), step ``dt`` (ms)."""
    am, bm, ah, bh = crrss_rates(v, c)
    out[T_MINF], out[T_MDEC] = _gate(am, bm, dt)
    out[T_HINF], out[T_HDEC] = _gate(ah, bh, dt)


@njit
def build_crrss_table(v_lo, dv, dt, c, table):
    """Fill ``table[i] = crrss_coeffs(v_lo + i·dv)`` (``table``: (n, N_CRRSS_COLS))."""
    for i in range(table.shape[0]):
        crrss_coeffs(v_lo + i * dv, dt, c, table[i])


@njit
def crrss_steady_gates(v, c, out):
    """Steady-state m, h of the CRRSS node at depolarisation ``v`` (mV) into ``out[0:2]``;
    ``out[2:4]`` (unused gates) are set to 0."""
    am, bm, ah, bh = crrss_rates(v, c)
    out[0] = am / (am + bm)
    out[1] = ah / (ah + bh)
    out[2] = 0.0
    out[3] = 0.0


@njit
def crrss_node_current(v, m, h, c):
    """CRRSS membrane current density (µA/cm²) at depolarisation ``v`` (mV) and gates m, h."""
    return c[C_GNA] * m * m * h * (v - c[C_ENA]) + c[C_GL] * (v - c[C_VL])


@njit
def steady_gates(v, out):
    """Steady-state m, h, n, p at depolarisation ``v`` (mV) into ``out[0:4]``."""
    am, bm, ah, bh, an, bn, ap, bp = fh_rates(v)
    out[0] = am / (am + bm)
    out[1] = ah / (ah + bh)
    out[2] = an / (an + bn)
    out[3] = ap / (ap + bp)


@njit
def run_cable(v, gates, active, parent, ga, cm, drive, wbar, amplitude, dt, n_steps, theta,
              table, v_lo, inv_dv, c, v_ap, detect, quiet_v, quiet_m, t_cross, rec, rec_every,
              vmax, kind=KIND_FH):
    """Integrate the cable from its current state; return ``(status, steps_run)``.

    Parameters (kernel units, see the module docstring)
    ----------
    v : (N,) depolarisation at the current time (mV); updated in place.
    gates : (N, 4) m, h, n, p (CRRSS: m, h, 0, 0) half a step behind ``v``; updated in place
        (ignored where passive).
    active : (N,) uint8, 1 = active node (membrane ``kind``), 0 = passive node (C and g_L only).
    parent : (N,) int64, the node each node is linked to towards node 0 (``parent[0] = -1``,
        ``0 <= parent[i] < i``; ``i - 1`` for an unbranched fibre).
    ga : axial conductance between neighbouring nodes per nodal area (mS/cm²).
    cm : nodal capacitance (µF/cm²).
    drive : (N,) ``ga·Δv_e`` per unit amplitude and unit waveform (µA/cm²), sealed ends.
    wbar : (n_stim,) the waveform averaged over each step; zero drive after ``n_stim`` steps.
    amplitude : multiplier of ``drive``.
    dt : step (ms); ``n_steps``: the most steps to run; ``theta``: ½ CN, 1 backward Euler.
    table, v_lo, inv_dv : coefficient table on ``v_lo + i/inv_dv`` (columns of ``kind``; a
        one-row table means: evaluate the exact functions).
    c : constants vector (``C_*`` indices).
    v_ap : action-potential threshold (mV of depolarisation); ``detect``: detection node.
    quiet_v, quiet_m : after the stimulus, stop as quiet when every ``|v| < quiet_v`` and
        every active node's ``m < quiet_m``.
    t_cross : (N,) out: first upward crossing time of ``v_ap`` (ms), -1 where none.
    rec : (n_rec, N) out: ``v`` every ``rec_every`` steps starting with the initial state;
        pass shape (0, N) to record nothing.
    vmax : (N,) out: the largest ``v`` each node reached.
    kind : ``KIND_FH`` or ``KIND_CRRSS``.
    """
    n = v.shape[0]
    n_tab = table.shape[0]
    n_cols = table.shape[1]
    n_stim = wbar.shape[0]
    n_rec = rec.shape[0]
    gl = c[C_GL]
    vl = c[C_VL]
    pna = c[C_PNA]
    pk = c[C_PK]
    pp = c[C_PP]
    gna = c[C_GNA]
    ena = c[C_ENA]
    co = np.empty(N_TABLE_COLS)
    cur = np.empty(n)
    diag = np.empty(n)
    rhs = np.empty(n)
    dlt = np.empty(n)
    nb = np.zeros(n)
    for i in range(1, n):
        nb[i] += 1.0
        nb[parent[i]] += 1.0
    off = -theta * ga
    cdt = cm / dt
    for i in range(n):
        t_cross[i] = -1.0
        vmax[i] = v[i]
    if n_rec > 0:
        for i in range(n):
            rec[0, i] = v[i]
    status = STATUS_TIMEOUT
    k = 0
    while k < n_steps:
        # membrane currents with gates advanced to the half step
        for i in range(n):
            vi = v[i]
            if active[i]:
                x = (vi - v_lo) * inv_dv
                if x >= 0.0 and x < n_tab - 1:
                    j = int(x)
                    f = x - j
                    for q in range(n_cols):
                        a = table[j, q]
                        co[q] = a + f * (table[j + 1, q] - a)
                elif kind == KIND_CRRSS:
                    crrss_coeffs(vi, dt, c, co)
                else:
                    node_coeffs(vi, dt, c, co)
                mm = co[T_MINF] + (gates[i, 0] - co[T_MINF]) * co[T_MDEC]
                hh = co[T_HINF] + (gates[i, 1] - co[T_HINF]) * co[T_HDEC]
                gates[i, 0] = mm
                gates[i, 1] = hh
                if kind == KIND_CRRSS:
                    # linear in v: I = g_Na m²h (v - E_Na) + g_L (v - E_L)
                    wna = gna * mm * mm * hh
                    cur[i] = wna * (vi - ena) + gl * (vi - vl)
                    didv = wna + gl
                else:
                    nn = co[T_NINF] + (gates[i, 2] - co[T_NINF]) * co[T_NDEC]
                    pq = co[T_PINF] + (gates[i, 3] - co[T_PINF]) * co[T_PDEC]
                    gates[i, 2] = nn
                    gates[i, 3] = pq
                    wna = pna * mm * mm * hh + pp * pq * pq
                    wk = pk * nn * nn
                    cur[i] = wna * co[T_GNA] + wk * co[T_GK] + gl * (vi - vl)
                    didv = wna * co[T_DGNA] + wk * co[T_DGK] + gl
            else:
                cur[i] = gl * vi
                didv = gl
            diag[i] = cdt + theta * (didv + ga * nb[i])
            rhs[i] = -cur[i]
        s = 0.0
        if k < n_stim:
            s = amplitude * wbar[k]
        for i in range(n):
            rhs[i] += s * drive[i]
            if i > 0:
                p = parent[i]
                d = ga * (v[p] - v[i])
                rhs[i] += d
                rhs[p] -= d
        # Hines elimination, leaves to root (constant off-diagonal). What node i passes to its
        # parent stays in registers when the parent is i - 1 (the common case: an unbranched
        # stretch), so a chain runs as fast as the Thomas algorithm.
        cd = 0.0
        cr = 0.0
        for i in range(n - 1, 0, -1):
            di = diag[i] - cd
            ri = rhs[i] - cr
            f = off / di
            diag[i] = 1.0 / di
            rhs[i] = ri
            p = parent[i]
            if p == i - 1:
                cd = f * off
                cr = f * ri
            else:
                diag[p] -= f * off
                rhs[p] -= f * ri
                cd = 0.0
                cr = 0.0
        last = (rhs[0] - cr) / (diag[0] - cd)
        t0 = k * dt
        hit = False
        # back substitution from the root, and per-node bookkeeping
        for i in range(n):
            if i > 0:
                p = parent[i]
                up = last if p == i - 1 else dlt[p]
                last = (rhs[i] - off * up) * diag[i]
            dlt[i] = last
            vold = v[i]
            vnew = vold + last
            v[i] = vnew
            if vnew > vmax[i]:
                vmax[i] = vnew
            if vold < v_ap and vnew >= v_ap and t_cross[i] < 0.0:
                t_cross[i] = t0 + dt * (v_ap - vold) / (vnew - vold)
                if i == detect:
                    hit = True
        k += 1
        if n_rec > 0 and k % rec_every == 0:
            r = k // rec_every
            if r < n_rec:
                for i in range(n):
                    rec[r, i] = v[i]
        if hit:
            status = STATUS_AP
            break
        if k >= n_stim:
            quiet = True
            for i in range(n):
                if abs(v[i]) >= quiet_v or (active[i] and gates[i, 0] >= quiet_m):
                    quiet = False
                    break
            if quiet:
                status = STATUS_QUIET
                break
    return status, k
