"""Numba kernels of the MRG double cable (McIntyre, Richardson & Grill 2002).

Pure functions on arrays; they write into preallocated outputs and trust their inputs (the
validating wrapper is :mod:`coilsim.nerves.mrg`). They import nothing from coilsim except the
numba options.

Units inside the kernels: mV, ms, µS, nF, nA (so ``µS·mV = nA`` and ``nF/ms = µS``).

The cable (one compartment per NEURON section, nseg = 1): every compartment ``j`` has an axon
layer and a periaxonal layer. Unknowns are potentials relative to the applied extracellular
potential ``V_e``: ``x_j = V_i - V_e`` and ``y_j = V_p - V_e``; the axon membrane potential is
``v_m = x - y``. With ``a_j = C_j/dt + dI/dv`` and ``b_j = C_my/dt + G_my`` (myelin), backward
Euler for the increments ``(δx, δy)`` is the symmetric block-tridiagonal system::

    (a + ΣG_a) δx_j - a δy_j - Σ_k G_a,jk δx_k = Σ_k G_a,jk (x_k - x_j) + amp·w·Σ_k G_a,jk (V_e,k - V_e,j) - I_j
    -a δx_j + (a + b + ΣG_p) δy_j - Σ_k G_p,jk δy_k = Σ_k G_p,jk (y_k - y_j) + amp·w·Σ_k G_p,jk (V_e,k - V_e,j) + I_j - G_my y_j

At the nodes the periaxonal layer is shorted to the outside (NEURON's ``xg = 1e10``): ``y = 0``.
The membrane current ``I`` is linearised about the old potential with the old gates (its
conductance with frozen gates is exact: the currents are linear in ``v`` at fixed gates); the
gates are then advanced with the new potential by the exact exponential update (NEURON's
``cnexp`` with ``secondorder = 0``: the same arithmetic step for step). The compartments are in
Hines order (``parent[j] < j``; ``j - 1`` for an unbranched fibre, a tree for a branching one),
so the 2×2 block system is solved in O(n) by eliminating from the leaves to the root and
substituting back from the root (the block Thomas algorithm on a tree).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit, prange

# kernel status codes (the same meaning as in _cable_kernels)
STATUS_QUIET = 0
STATUS_AP = 1
STATUS_TIMEOUT = 2

# constants vector
(M_Q10_1, M_Q10_2, M_Q10_3, M_GNAF, M_GNAP, M_GK, M_GL, M_ENA, M_EK, M_EL, M_VREST) = range(11)
N_MCONSTS = 11


@njit
def _exp(x):
    if x < -100.0:
        return 0.0
    if x > 700.0:
        return math.exp(700.0)
    return math.exp(x)


@njit
def _lin(A, x, B, C):
    """``A (x + B) / (1 - exp(-(x + B)/C))``, continuous at ``x = -B``."""
    u = x + B
    if abs(u / C) < 1e-6:
        return A * C
    return A * u / (1.0 - _exp(-u / C))


@njit
def mrg_gates_inf_tau(v, c, out):
    """Steady states and time constants (ms) of mp, m, h, s at ``v`` (mV, absolute) into
    ``out[0:8]`` = (mp∞, τ_mp, m∞, τ_m, h∞, τ_h, s∞, τ_s). AXNODE.mod of ModelDB 3810."""
    q1 = c[M_Q10_1]
    q2 = c[M_Q10_2]
    q3 = c[M_Q10_3]
    a = q1 * _lin(0.01, v, 27.0, 10.2)
    b = q1 * _lin(0.00025, -v, -34.0, 10.0)
    out[0] = a / (a + b)
    out[1] = 1.0 / (a + b)
    a = q1 * _lin(1.86, v, 21.4, 10.3)
    b = q1 * _lin(0.086, -v, -25.7, 9.16)
    out[2] = a / (a + b)
    out[3] = 1.0 / (a + b)
    a = q2 * _lin(0.062, -v, -114.0, 11.0)
    b = q2 * 2.3 / (1.0 + _exp(-(v + 31.8) / 13.4))
    out[4] = a / (a + b)
    out[5] = 1.0 / (a + b)
    v2 = v + 80.0
    a = q3 * 0.3 / (_exp((v2 - 27.0) / -5.0) + 1.0)
    b = q3 * 0.03 / (_exp((v2 + 10.0) / -1.0) + 1.0)
    out[6] = a / (a + b)
    out[7] = 1.0 / (a + b)


@njit
def mrg_steady_gates(v, c, gates):
    """``gates[0:4]`` = mp∞, m∞, h∞, s∞ at ``v`` (mV)."""
    tmp = np.empty(8)
    mrg_gates_inf_tau(v, c, tmp)
    gates[0] = tmp[0]
    gates[1] = tmp[2]
    gates[2] = tmp[4]
    gates[3] = tmp[6]


@njit
def run_mrg(vm, y, gates, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp, gpf, drive_a,
            drive_p, wbar, amplitude, dt, n_steps, c, v_ap, detect, quiet_v, quiet_m, t_cross, vmax,
            rec, rec_every):
    """Integrate the MRG cable from its current state; return ``(status, steps_run)``.

    Parameters (kernel units)
    ----------
    vm : (n,) axon membrane potential (mV, absolute); updated in place.
    y : (n,) periaxonal potential relative to V_e (mV); updated in place (0 at nodes).
    gates : (n_nodes, 4) mp, m, h, s of each node; updated in place.
    parent : (n,) int64, the compartment each compartment is linked to towards compartment 0
        (``parent[0] = -1``, ``0 <= parent[j] < j``).
    node_of : (n,) int, the node index of a node compartment, -1 elsewhere.
    kind : (n,) uint8, 0 = internode (passive membrane + myelin), 1 = active node,
        2 = passive node (C and ``gm`` only).
    cap : (n,) membrane capacitance (nF); gm, em : passive conductance (µS) and reversal (mV).
    area : (n,) membrane area (cm²) of node compartments (for the AXNODE densities).
    bmy, gmy : (n,) ``C_my/dt + G_my`` and ``G_my`` of the myelin (µS; 0 at nodes).
    ga, gpf : (n,) axial conductances between j and ``parent[j]`` of the axon and the
        periaxonal layer (µS; entry 0 unused); gp : ``gpf`` with 0 where either side is a node
        (a node's periaxonal potential is fixed, so that link couples no unknowns; it stays on
        the diagonal through ``gpf``).
    drive_a, drive_p : (n,) ``Σ G (V_e,k - V_e,j)`` per unit amplitude and waveform (nA), with
        the periaxonal sum over every neighbour (a node's V_p is V_e).
    wbar : (n_stim,) waveform averaged over each step.
    amplitude, dt (ms), n_steps : run control.
    c : constants (``M_*``); v_ap : detection level (mV, absolute); detect : node index.
    quiet_v, quiet_m : stop after the stimulus once every compartment is within ``quiet_v``
        of ``c[M_VREST]`` and every active node's ``m`` exceeds its resting value by less than
        ``quiet_m``.
    t_cross : (n_nodes,) out, first upward crossing of ``v_ap`` (ms), -1 if none.
    vmax : (n_nodes,) out, the largest ``vm`` of each node (mV).
    rec : (n_rec, n_nodes) out, node ``vm`` every ``rec_every`` steps; shape (0, n_nodes): none.
    """
    n = vm.shape[0]
    n_nodes = gates.shape[0]
    n_stim = wbar.shape[0]
    n_rec = rec.shape[0]
    gnaf = c[M_GNAF] * 1e6
    gnap = c[M_GNAP] * 1e6
    gk = c[M_GK] * 1e6
    gl = c[M_GL] * 1e6
    ena = c[M_ENA]
    ek = c[M_EK]
    el = c[M_EL]
    vrest = c[M_VREST]
    tmp = np.empty(8)
    m_rest = np.empty(4)
    mrg_steady_gates(vrest, c, m_rest)
    # block workspace: the diagonal blocks (symmetric 2x2) and right-hand sides, reduced in
    # place, the inverses of the reduced blocks, and the solution
    d11 = np.empty(n)
    d12 = np.empty(n)
    d22 = np.empty(n)
    r1 = np.empty(n)
    r2 = np.empty(n)
    i11 = np.empty(n)
    i12 = np.empty(n)
    i22 = np.empty(n)
    zx = np.empty(n)
    zy = np.empty(n)
    for q in range(n_nodes):
        t_cross[q] = -1.0
    for j in range(n):
        q = node_of[j]
        if q >= 0:
            vmax[q] = vm[j]
            if n_rec > 0:
                rec[0, q] = vm[j]
    status = STATUS_TIMEOUT
    k = 0
    while k < n_steps:
        s = 0.0
        if k < n_stim:
            s = amplitude * wbar[k]
        # membrane currents (nA) and conductances (µS) with the current gates; own blocks
        for j in range(n):
            v = vm[j]
            if kind[j] == 1:
                q = node_of[j]
                ar = area[j]
                mp = gates[q, 0]
                mm = gates[q, 1]
                hh = gates[q, 2]
                ss = gates[q, 3]
                g_na = (gnaf * mm * mm * mm * hh + gnap * mp * mp * mp) * ar
                g_k = gk * ss * ar
                g_l = gl * ar
                cur = g_na * (v - ena) + g_k * (v - ek) + g_l * (v - el)
                a = cap[j] / dt + g_na + g_k + g_l
            else:
                cur = gm[j] * (v - em[j])
                a = cap[j] / dt + gm[j]
            d11[j] = a
            d12[j] = -a
            d22[j] = a + bmy[j]
            r1[j] = s * drive_a[j] - cur
            r2[j] = s * drive_p[j] + cur - gmy[j] * y[j]
            if j > 0:
                # the link to the parent (p < j: its own block is already in place)
                p = parent[j]
                g = ga[j]
                hf = gpf[j]
                d11[j] += g
                d11[p] += g
                d22[j] += hf
                d22[p] += hf
                u = g * (vm[p] + y[p] - vm[j] - y[j])
                r1[j] += u
                r1[p] -= u
                u = hf * (y[p] - y[j])
                r2[j] += u
                r2[p] -= u
        # elimination from the leaves to the root: fold B D_j^-1 B and B D_j^-1 r_j
        # (B = diag(-g, -h)) into the parent; kept in registers (c11 ... c2) when the parent
        # is j - 1, the common case, so a chain runs as the block Thomas algorithm
        c11 = 0.0
        c12 = 0.0
        c22 = 0.0
        c1 = 0.0
        c2 = 0.0
        for j in range(n - 1, -1, -1):
            e11 = d11[j] - c11
            e12 = d12[j] - c12
            e22 = d22[j] - c22
            f1 = r1[j] + c1
            f2 = r2[j] + c2
            if node_of[j] >= 0:
                # periaxonal potential pinned to V_e: the second unknown is identically 0
                e12 = 0.0
                e22 = 1.0
                f2 = 0.0
            det = e11 * e22 - e12 * e12
            a11 = e22 / det
            a12 = -e12 / det
            a22 = e11 / det
            i11[j] = a11
            i12[j] = a12
            i22[j] = a22
            r1[j] = f1
            r2[j] = f2
            c11 = 0.0
            c12 = 0.0
            c22 = 0.0
            c1 = 0.0
            c2 = 0.0
            if j > 0:
                p = parent[j]
                g = ga[j]
                h = gp[j]
                t11 = g * g * a11
                t12 = g * h * a12
                t22 = h * h * a22
                t1 = g * (a11 * f1 + a12 * f2)
                t2 = h * (a12 * f1 + a22 * f2)
                if p == j - 1:
                    c11 = t11
                    c12 = t12
                    c22 = t22
                    c1 = t1
                    c2 = t2
                else:
                    d11[p] -= t11
                    d12[p] -= t12
                    d22[p] -= t22
                    r1[p] += t1
                    r2[p] += t2
        # substitution from the root: z_j = D_j^-1 (r_j - B_j z_parent)
        t0 = k * dt
        hit = False
        dx = 0.0
        dy = 0.0
        for j in range(n):
            u1 = r1[j]
            u2 = r2[j]
            if j > 0:
                p = parent[j]
                if p == j - 1:
                    u1 += ga[j] * dx
                    u2 += gp[j] * dy
                else:
                    u1 += ga[j] * zx[p]
                    u2 += gp[j] * zy[p]
            dx = i11[j] * u1 + i12[j] * u2
            dy = i12[j] * u1 + i22[j] * u2
            zx[j] = dx
            zy[j] = dy
            vold = vm[j]
            vnew = vold + dx - dy
            vm[j] = vnew
            y[j] += dy
            q = node_of[j]
            if q >= 0:
                if vnew > vmax[q]:
                    vmax[q] = vnew
                if vold < v_ap and vnew >= v_ap and t_cross[q] < 0.0:
                    t_cross[q] = t0 + dt * (v_ap - vold) / (vnew - vold)
                    if q == detect:
                        hit = True
                if kind[j] == 1:
                    mrg_gates_inf_tau(vnew, c, tmp)
                    for g_i in range(4):
                        xinf = tmp[2 * g_i]
                        dec = math.exp(-dt / tmp[2 * g_i + 1])
                        gates[q, g_i] = xinf + (gates[q, g_i] - xinf) * dec
        k += 1
        if n_rec > 0 and k % rec_every == 0:
            r = k // rec_every
            if r < n_rec:
                for j in range(n):
                    q = node_of[j]
                    if q >= 0:
                        rec[r, q] = vm[j]
        if hit:
            status = STATUS_AP
            break
        if k >= n_stim:
            quiet = True
            for j in range(n):
                if abs(vm[j] - vrest) >= quiet_v:
                    quiet = False
                    break
                if kind[j] == 1 and gates[node_of[j], 1] - m_rest[1] >= quiet_m:
                    quiet = False
                    break
            if quiet:
                status = STATUS_QUIET
                break
    return status, k


@njit
def _fires(gates0, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp, gpf, drive_a, drive_p,
           wbar, amplitude, dt, n_steps, c, v_ap, detect, quiet_v, quiet_m, t_cross, vmax, rec):
    n = cap.shape[0]
    vm = np.empty(n)
    y = np.zeros(n)
    for j in range(n):
        vm[j] = c[M_VREST]
    gates = gates0.copy()
    status, steps = run_mrg(vm, y, gates, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp,
                            gpf, drive_a, drive_p, wbar, amplitude, dt, n_steps, c, v_ap, detect,
                            quiet_v, quiet_m, t_cross, vmax, rec, 1)
    return status == STATUS_AP


@njit(parallel=True)
def threshold_batch(gates0, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp, gpf, drive_a,
                    drive_p,
                    wbar, dt, n_steps, c, v_ap, detect, quiet_v, quiet_m, lo0, hi0, rel_tol,
                    out_thr, out_lo, out_site, out_time, out_runs):
    """Thresholds of many fibres of one geometry at once (``prange`` over fibres).

    ``drive_a``/``drive_p`` are (n_fibres, n); ``lo0`` (n_fibres,) an amplitude known not to
    fire (or 0) and ``hi0`` the ceiling. Each fibre: one run at the ceiling (``out_thr = inf``
    when it does not fire), geometric bisection of ``[lo0, hi0]`` to ``rel_tol``, and one run
    at the threshold for the site and time.
    """
    nf = drive_a.shape[0]
    n_nodes = gates0.shape[0]
    for f in prange(nf):
        t_cross = np.empty(n_nodes)
        vmax = np.empty(n_nodes)
        rec = np.empty((0, n_nodes))
        runs = 0
        lo = lo0[f]
        hi = hi0[f]
        ok = _fires(gates0, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp, gpf, drive_a[f],
                    drive_p[f], wbar, hi, dt, n_steps, c, v_ap, detect, quiet_v, quiet_m,
                    t_cross, vmax, rec)
        runs += 1
        if not ok:
            out_thr[f] = np.inf
            out_lo[f] = hi
            out_site[f] = -1
            out_time[f] = np.inf
            out_runs[f] = runs
            continue
        # make sure the lower end does not fire (step it down by 4x until it does not)
        while lo > 0.0:
            ok = _fires(gates0, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp, gpf, drive_a[f],
                        drive_p[f], wbar, lo, dt, n_steps, c, v_ap, detect, quiet_v, quiet_m,
                        t_cross, vmax, rec)
            runs += 1
            if not ok:
                break
            hi = lo
            lo = 0.25 * lo
            if lo < 1e-9 * hi0[f]:
                lo = 0.0
        while hi > lo * (1.0 + rel_tol):
            a = math.sqrt(lo * hi) if lo > 0.0 else 0.5 * hi
            ok = _fires(gates0, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp, gpf, drive_a[f],
                        drive_p[f], wbar, a, dt, n_steps, c, v_ap, detect, quiet_v, quiet_m,
                        t_cross, vmax, rec)
            runs += 1
            if ok:
                hi = a
            else:
                lo = a
        # the site and time at the threshold amplitude
        _fires(gates0, parent, node_of, kind, cap, gm, em, area, bmy, gmy, ga, gp, gpf, drive_a[f],
               drive_p[f], wbar, hi, dt, n_steps, c, v_ap, detect, quiet_v, quiet_m,
               t_cross, vmax, rec)
        runs += 1
        best = -1
        tb = np.inf
        for q in range(n_nodes):
            if t_cross[q] >= 0.0 and t_cross[q] < tb:
                tb = t_cross[q]
                best = q
        out_thr[f] = hi
        out_lo[f] = lo
        out_site[f] = best
        out_time[f] = tb
        out_runs[f] = runs
