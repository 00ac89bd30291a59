"""Accuracy cases: every stage of coilsim against references it does not build in.

References (REFERENCES.md): the analytic circular loop (Smythe; Simpson et al. 2001) and its
published values (§1), straight-segment Biot–Savart integrals by adaptive quadrature, magpylib,
the loop and Maxwell closed forms and Mohan's spiral expression (§2), ODE integration of the
RLC circuit (scipy ``solve_ivp``), numerical convolution of the passive membrane (§6),
Reilly's published SENN thresholds (§6) and the stored NEURON MRG table
(``benchmarks/data/mrg_neuron_reference.csv``; ``--neuron`` also runs NEURON live). Tolerances
are those of the issues' acceptance criteria (the same as the tests in ``tests/``); errors of
fields follow DESIGN.md's definition (:func:`coilsim.metrics.field_error`).

No expected value here is copied from coilsim's own output. Quick variants (the CI gate) use
fewer points and shapes; the full variant the acceptance sizes.
"""

from __future__ import annotations

import math

import numpy as np

from .suite import Outcome, Registry

#: μ0/4π written out here (DESIGN.md: μ0 = 4π·1e-7 exactly), so a wrong constant inside coilsim
#: cannot leak into the references
K_MU = 1.0e-7

#: REFERENCES.md §1: a = 35 mm, I = 1 A (T, T·m)
LOOP_PUBLISHED = [  # (description, point (m), component extractor, value)
    ("centre B_z", (0.0, 0.0, 0.0), "Bz", 1.7951958e-5),
    ("axis z = 20 mm B_z", (0.0, 0.0, 0.020), "Bz", 1.1749947e-5),
    ("(ρ, z) = (20, 10) mm B_ρ", (0.020, 0.0, 0.010), "Bx", 5.94157115e-6),
    ("(ρ, z) = (20, 10) mm B_z", (0.020, 0.0, 0.010), "Bz", 1.80009391e-5),
    ("(ρ, z) = (20, 10) mm A_φ", (0.020, 0.0, 0.010), "Ay", 1.70442233e-7),
]

#: REFERENCES.md §6: Reilly's SENN program, 20 µm fibre, cathode 2 mm above the centre node,
#: ρ_e = 300 Ω·cm; rectangular widths (s) -> threshold (mA)
REILLY_RECT_20UM = {50e-6: 0.9875, 100e-6: 0.6797, 200e-6: 0.5078, 500e-6: 0.3984}
REILLY_SINE_20UM_100US = 1.609       # mA, one cycle of sin(2πt/T), T = 100 µs, cathodic first
REILLY_RHEOBASE_10UM = 0.18          # mA, cathode 1 mm
REILLY_Q0_10UM = 15.9                # nC
RHO_E_SENN = 3.0                     # Ω·m


# --------------------------------------------------------------------------- helpers


def _field_error(x, ref) -> float:
    from coilsim.metrics import field_error
    return field_error(x, ref)


def _rng(ctx, salt: int) -> np.random.Generator:
    return np.random.default_rng([ctx.seed, salt])


def _points_from_ring(rng, a, n, d_min, extent):
    """Random points within ``extent`` of the origin and ≥ d_min from a ring of radius a in z = 0."""
    pts = []
    while len(pts) < n:
        p = rng.uniform(-extent, extent, size=(4 * n, 3))
        d = np.hypot(np.hypot(p[:, 0], p[:, 1]) - a, p[:, 2])
        keep = (d >= d_min) & (np.linalg.norm(p, axis=1) <= extent)
        pts.extend(p[keep])
    return np.array(pts[:n])


def _ring_shell(rng, a, d, n):
    th, ph = rng.uniform(0, 2 * np.pi, (2, n))
    rr = a + d * np.cos(ph)
    return np.column_stack([rr * np.cos(th), rr * np.sin(th), d * np.sin(ph)])


def _random_polyline(rng, n, scale=0.05):
    return np.cumsum(rng.normal(scale=scale / 3, size=(n, 3)), axis=0)


def _points_away_from_segments(rng, starts, ends, n, min_dist, extent):
    l = ends - starts
    ll = np.einsum("mj,mj->m", l, l)
    pts = []
    while len(pts) < n:
        p = rng.uniform(-extent, extent, size=(4 * n, 3))
        t = np.clip(np.einsum("pmj,mj->pm", p[:, None, :] - starts[None], l) / ll, 0, 1)
        d = np.linalg.norm(p[:, None, :] - (starts[None] + t[..., None] * l[None]), axis=2).min(axis=1)
        pts.extend(p[d >= min_dist])
    return np.array(pts[:n])


def _segment_fields_quad(p, a, b, weight=1.0):
    """(A, B) of a straight filament a→b at p by adaptive quadrature of the Biot–Savart line
    integrals μ0/4π ∫ dl/|p−r| and μ0/4π ∫ dl × (p−r)/|p−r|³ (no closed form involved)."""
    from scipy.integrate import quad_vec
    l = b - a

    def f(t):
        r = p - (a + t * l)
        n = math.sqrt(r @ r)
        return np.concatenate([l / n, np.cross(l, r) / n ** 3])

    v, _ = quad_vec(f, 0.0, 1.0, epsabs=0.0, epsrel=1e-13, norm="max", limit=500)
    return K_MU * weight * v[:3], K_MU * weight * v[3:]


def _fit_order(ns, errs) -> float:
    return float(-np.polyfit(np.log(ns), np.log(errs), 1)[0])


def _maxwell_mutual(a, b, d) -> float:
    """Maxwell's coaxial-loop mutual inductance, μ0 √(ab) [(2/k − k) K − (2/k) E], m = k²."""
    from scipy.special import ellipe, ellipk
    m = 4 * a * b / ((a + b) ** 2 + d * d)
    k = math.sqrt(m)
    return 4 * math.pi * K_MU * math.sqrt(a * b) * ((2 / k - k) * ellipk(m) - 2 / k * ellipe(m))


def _loop_self(a, r, Y=1.0) -> float:
    """μ0 a (ln(8a/r) − 2 + Y/4) (REFERENCES.md §2)."""
    return 4 * math.pi * K_MU * a * (math.log(8 * a / r) - 2 + Y / 4)


# --------------------------------------------------------------------------- registration


def register(reg: Registry) -> None:  # noqa: C901 - one flat list of cases reads best
    """Add the accuracy cases (all stages except E-field) to ``reg``."""

    # ---------------------------------------------------------------- Biot–Savart

    def _loop_points(ctx):
        def make():
            rng = _rng(ctx, 1)
            a = 0.035
            n_vol, n_shell = (1500, 500) if ctx.quick else (3000, 2000)
            pts = np.vstack([_points_from_ring(rng, a, n_vol, 1e-3, 10 * a), _ring_shell(rng, a, 1e-3, n_shell)])
            import coilsim as cs
            from coilsim.analytic import loop_field, loop_vector_potential
            coil = cs.circular_coil(a, conductor=("round", 0.5e-3))
            A, B = coil.fields(pts)
            return dict(a=a, pts=pts, A=A, B=B, Aref=loop_vector_potential(pts, a), Bref=loop_field(pts, a),
                        n_segments=coil.n_segments)
        return ctx.cached("loop_fields", make)

    @reg.case("bs_loop_B", "biot_savart", "analytic loop B (Smythe; Simpson 2001)", 1e-6,
              quantity="DESIGN.md field error")
    def bs_loop_B(ctx):
        """Default `circular_coil` (a = 35 mm) against the elliptic-integral B of a circular loop
        at random points ≥ 1 mm from the wire within 10 radii, plus a shell at exactly 1 mm."""
        d = _loop_points(ctx)
        return Outcome(_field_error(d["B"], d["Bref"]), {"radius_m": d["a"], "points": len(d["pts"]),
                                                         "segments": d["n_segments"]})

    @reg.case("bs_loop_A", "biot_savart", "analytic loop A (elliptic integrals)", 1e-6,
              quantity="DESIGN.md field error")
    def bs_loop_A(ctx):
        """Default `circular_coil` against the vector potential A_φ of a circular loop (same points)."""
        d = _loop_points(ctx)
        return Outcome(_field_error(d["A"], d["Aref"]), {"radius_m": d["a"], "points": len(d["pts"])})

    @reg.case("bs_loop_published", "biot_savart", "REFERENCES §1 published loop values", 1e-6,
              quantity="max relative error")
    def bs_loop_published(ctx):
        """Default `circular_coil` (a = 35 mm, 1 A) at the five published points of REFERENCES.md §1
        (centre, axis, off-axis B_ρ, B_z and A_φ), each to 8 digits."""
        import coilsim as cs
        coil = cs.circular_coil(0.035)
        rows, worst = [], 0.0
        comp = {"Bx": ("B", 0), "Bz": ("B", 2), "Ay": ("A", 1)}
        for desc, p, c, ref in LOOP_PUBLISHED:
            A, B = coil.fields(np.array([p]))
            which, k = comp[c]
            got = float((A if which == "A" else B)[0, k])
            e = abs(got / ref - 1)
            worst = max(worst, e)
            rows.append({"quantity": desc, "published": ref, "coilsim": got, "rel_error": e})
        return Outcome(worst, {"values": rows})

    @reg.case("bs_segment_quadrature", "biot_savart", "adaptive quadrature of the line integrals", 1e-10,
              quantity="DESIGN.md field error")
    def bs_segment_quadrature(ctx):
        """Closed-form straight-segment A and B (Hanson–Hirshman; cancellation-free A) of random open
        polylines against adaptive quadrature of μ0/4π ∫ dl/|r| and ∫ dl × r/|r|³ (scipy quad_vec)."""
        import coilsim as cs
        rng = _rng(ctx, 2)
        n_poly, n_pts = (2, 8) if ctx.quick else (4, 25)
        worst_a = worst_b = 0.0
        for _ in range(n_poly):
            v = _random_polyline(rng, 8)
            coil = cs.Coil.from_polylines([v], weights=[1.7], closed=False, conductor=("round", 1e-3))
            pts = _points_away_from_segments(rng, v[:-1], v[1:], n_pts, 2e-3, 0.2)
            A, B = coil.fields(pts)
            ra = np.zeros_like(pts)
            rb = np.zeros_like(pts)
            for i, p in enumerate(pts):
                for a, b in zip(v[:-1], v[1:]):
                    sa, sb = _segment_fields_quad(p, a, b, 1.7)
                    ra[i] += sa
                    rb[i] += sb
            worst_a = max(worst_a, _field_error(A, ra))
            worst_b = max(worst_b, _field_error(B, rb))
        return Outcome(max(worst_a, worst_b), {"error_A": worst_a, "error_B": worst_b,
                                               "polylines": n_poly, "points_each": n_pts})

    @reg.case("bs_magpylib", "biot_savart", "magpylib Polyline.getB (μ0 rescaled)", 1e-9,
              quantity="DESIGN.md field error", requires=("magpylib",))
    def bs_magpylib(ctx):
        """Random 30-vertex polylines (weight 2) against magpylib's `Polyline.getB` at points ≥ 2 mm
        from the wire within 0.3 m; magpylib's CODATA μ0 rescaled to 4π·1e-7."""
        import magpylib as magpy

        import coilsim as cs
        rng = _rng(ctx, 3)
        worst = 0.0
        n_pts = 100 if ctx.quick else 300
        for _ in range(3):
            v = _random_polyline(rng, 30)
            coil = cs.Coil.from_polylines([v], weights=[2.0], closed=False)
            pts = _points_away_from_segments(rng, v[:-1], v[1:], n_pts, 2e-3, 0.3)
            ref = magpy.current.Polyline(current=2.0, vertices=v).getB(pts) * (4e-7 * math.pi / magpy.mu_0)
            worst = max(worst, _field_error(coil.B(pts), ref))
        return Outcome(worst, {"magpylib": magpy.__version__, "points_each": n_pts, "polylines": 3})

    # ---------------------------------------------------------------- convergence

    def _polygon_case(polygon, order):
        def func(ctx):
            import coilsim as cs
            from coilsim.analytic import loop_field, loop_vector_potential
            a = 0.035
            pts = _points_from_ring(_rng(ctx, 4), a, 800 if ctx.quick else 1500, 10e-3, 10 * a)
            ns = np.array([48, 96, 192, 384])
            Bref, Aref = loop_field(pts, a), loop_vector_potential(pts, a)
            eb, ea = [], []
            for n in ns:
                A, B = cs.circular_coil(a, segments_per_turn=int(n), polygon=polygon).fields(pts)
                eb.append(_field_error(B, Bref))
                ea.append(_field_error(A, Aref))
            pb, pa = _fit_order(ns, eb), _fit_order(ns, ea)
            plot = {"figure": "polygon_convergence", "title": "Polygon → circle (a = 35 mm, points ≥ 10 mm "
                    "from the wire)", "xlabel": "segments per turn", "ylabel": "DESIGN.md field error",
                    "loglog": True, "series": [
                        {"label": f"{polygon}: B (order {pb:.2f})", "x": ns, "y": eb, "style": "o-"},
                        {"label": f"{polygon}: A (order {pa:.2f})", "x": ns, "y": ea, "style": "s--"}]}
            return Outcome(max(abs(pb - order), abs(pa - order)),
                           {"expected_order": order, "order_B": pb, "order_A": pa, "segments": ns,
                            "error_B": eb, "error_A": ea, "points": len(pts)}, plot)
        return func

    for polygon, order, ref in (("inscribed", 2.0, "polygon→circle order 2 (inscribed)"),
                                ("area", 4.0, "polygon→circle order 4 (area-preserving)")):
        f = _polygon_case(polygon, order)
        f.__doc__ = (f"Fitted convergence order of the {polygon} N-gon (N = 48…384) to the analytic loop, "
                     f"B and A, at points ≥ 10 mm from the wire; expected {order:g} (REFERENCES §1), "
                     "error = |fitted − expected|.")
        reg.case(f"bs_polygon_order_{polygon}", "convergence", ref, 0.35, quantity="|order − expected|")(f)

    # ---------------------------------------------------------------- inductance

    @reg.case("ind_loop_self", "inductance", "μ0a(ln(8a/r) − 2 + 1/4)", 5e-3, quantity="max relative error")
    def ind_loop_self(ctx):
        """Self-inductance of single loops (Neumann integral with the wire's GMD) against the
        closed form for uniform current, a/r ≥ 20 (the closed form is O((r/a)²) accurate)."""
        import coilsim as cs
        rows, worst = [], 0.0
        for a, r in ((0.035, 1e-3), (0.05, 0.5e-3), (0.02, 1e-3)):
            L = cs.circular_coil(a, conductor=("round", r)).inductance()
            ref = _loop_self(a, r)
            rows.append({"radius_m": a, "wire_radius_m": r, "coilsim_H": L, "closed_form_H": ref})
            worst = max(worst, abs(L / ref - 1))
        return Outcome(worst, {"loops": rows})

    @reg.case("ind_maxwell_mutual", "inductance", "Maxwell coaxial loops (elliptic)", 1e-6,
              quantity="relative error")
    def ind_maxwell_mutual(ctx):
        """Mutual inductance of two default 35 mm circular coils 10 mm apart against Maxwell's
        formula (REFERENCES §2: 6.06024888e-8 H); also the symmetry M12 = M21."""
        import coilsim as cs
        c1, c2 = cs.circular_coil(0.035), cs.circular_coil(0.035).moved([0, 0, 0.01])
        M, M21 = c1.mutual_inductance(c2), c2.mutual_inductance(c1)
        ref = _maxwell_mutual(0.035, 0.035, 0.01)
        return Outcome(max(abs(M / ref - 1), abs(M21 / M - 1)),
                       {"coilsim_H": M, "maxwell_H": ref, "published_H": 6.06024888e-8})

    @reg.case("ind_spiral_mohan", "inductance", "Mohan et al. 1999 flat spiral", 0.05,
              quantity="relative error")
    def ind_spiral_mohan(ctx):
        """12-turn flat spiral (15–45 mm, 1.5 mm square wire) against Mohan's current-sheet
        expression (its own accuracy is a few per cent)."""
        import coilsim as cs
        from coilsim.analytic import mohan_spiral_inductance
        L = cs.spiral_coil(0.015, 0.045, 12, conductor=("rect", 1.5e-3, 1.5e-3)).inductance()
        ref = mohan_spiral_inductance(12, 0.015, 0.045)
        return Outcome(abs(L / ref - 1), {"coilsim_H": L, "mohan_H": ref})

    # ---------------------------------------------------------------- pulses

    L_COIL, L_INT, C_CAP = 16e-6, 1.5e-6, 180e-6
    R_CRIT = 2.0 * math.sqrt((L_COIL + L_INT) / C_CAP)

    def _ode_error(mode, R):
        """Closed-form discharge vs DOP853 integration of the circuit equations (rtol 1e-13)."""
        import coilsim.pulses as cp
        from scipy.integrate import solve_ivp
        d = cp.Stimulator(C_CAP, 1750.0, R, mode=mode, internal_inductance=L_INT).discharge(L_COIL, 0.8)
        L, Rr, Cc, v0 = d.total_inductance, d.resistance, d.capacitance, d.v0
        i_scale = v0 * math.sqrt(Cc / L)

        def rhs(t, y):
            return [-y[1] / Cc, (y[0] - Rr * y[1]) / L]

        event = None
        if mode == "monophasic":
            def event(t, y):
                return y[0]
            event.terminal, event.direction = True, -1
        s1 = solve_ivp(rhs, (0.0, d.duration), [v0, 0.0], method="DOP853", rtol=1e-13,
                       atol=[1e-13 * v0, 1e-13 * i_scale], dense_output=True, events=event)
        t_sw, s2 = None, None
        if event is not None and s1.t_events[0].size:
            t_sw = float(s1.t_events[0][0])
            rtot = Rr + d.damping_resistance
            s2 = solve_ivp(lambda t, y: [-rtot * y[0] / L], (t_sw, d.duration), [float(s1.y_events[0][0][1])],
                           method="DOP853", rtol=1e-13, atol=1e-13 * i_scale, dense_output=True)
        t = np.linspace(0.0, d.duration, 3001)
        if d.switch_time is not None:
            t = t[np.abs(t - d.switch_time) > 1e-9 * d.duration]
        ph1 = np.ones(t.shape, bool) if t_sw is None else t <= t_sw
        v, i, didt = np.empty(t.shape), np.empty(t.shape), np.empty(t.shape)
        y = s1.sol(t[ph1])
        v[ph1], i[ph1] = y
        didt[ph1] = (y[0] - Rr * y[1]) / L
        if t_sw is not None:
            y2 = s2.sol(t[~ph1])[0]
            v[~ph1], i[~ph1] = 0.0, y2
            didt[~ph1] = -(Rr + d.damping_resistance) * y2 / L
        errs = {"current": float(np.max(np.abs(d.current(t) - i)) / np.max(np.abs(i))),
                "capacitor_voltage": float(np.max(np.abs(d.capacitor_voltage(t) - v)) / v0),
                "di_dt": float(np.max(np.abs(d.di_dt(t) - didt)) / np.max(np.abs(didt)))}
        if (t_sw is None) != (d.switch_time is None):
            errs["switch_time"] = math.inf
        elif t_sw is not None:
            errs["switch_time"] = abs(d.switch_time / t_sw - 1)
        return errs

    RLC = {
        "biphasic": [0.03, 0.0, 0.97 * R_CRIT],
        "half_sine_current": [0.03, 0.9 * R_CRIT],
        "monophasic": [0.03, 0.999 * R_CRIT, R_CRIT, 1.001 * R_CRIT, 3.0 * R_CRIT,
                       (1 - 1e-9) * R_CRIT, (1 + 1e-9) * R_CRIT],
    }

    def _rlc_case(mode):
        def func(ctx):
            rs = RLC[mode] if not ctx.quick else RLC[mode][:5]
            rows, worst = [], 0.0
            for R in rs:
                e = _ode_error(mode, R)
                rows.append({"R_ohm": R, "R_over_Rcrit": R / R_CRIT, **e})
                worst = max(worst, max(e.values()))
            return Outcome(worst, {"L_coil_H": L_COIL, "L_internal_H": L_INT, "C_F": C_CAP, "cases": rows})
        func.__doc__ = (f"Stimulator mode {mode!r}: closed-form current, capacitor voltage and dI/dt "
                        "(and the diode switch time) against DOP853 integration of the series RLC "
                        "equations at rtol 1e-13, from under- to over-damped circuits; error relative "
                        "to each signal's peak.")
        return func

    for mode in RLC:
        reg.case(f"pulse_rlc_{mode}", "pulses", "solve_ivp of the RLC circuit (DOP853)", 1e-6,
                 quantity="max error / peak")(_rlc_case(mode))

    @reg.case("pulse_current_quadrature", "pulses", "adaptive quadrature of w(t)", 1e-11,
              quantity="max error / (amp·duration)")
    def pulse_current_quadrature(ctx):
        """`Pulse.current` (closed-form integral of the dI/dt waveform) against scipy `quad` of
        the waveform itself, for every parametric shape."""
        import coilsim.pulses as cp
        from scipy.integrate import quad
        shapes = [cp.rectangular(100e-6), cp.biphasic(280e-6), cp.half_sine(150e-6),
                  cp.monophasic(80e-6, 2e-4), cp.polyphasic(200e-6, 2), cp.damped(300e-6, 200e-6, 3)]
        amp, worst, rows = 1.3e8, 0.0, []
        for p in shapes:
            t = np.linspace(0.0, p.duration, 11 if ctx.quick else 41)
            brk = list(p.breaks[1:-1])
            ref = np.array([quad(lambda s: amp * p(s), 0.0, x, points=[b for b in brk if b < x] or None,
                                 epsabs=1e-14 * amp * p.duration, epsrel=1e-13, limit=200)[0] for x in t])
            e = float(np.max(np.abs(p.current(t, amp) - ref)) / (amp * p.duration))
            rows.append({"pulse": p.name, "error": e})
            worst = max(worst, e)
        return Outcome(worst, {"shapes": rows})

    # ---------------------------------------------------------------- membrane

    TAU = 150e-6

    def _numeric_peak(w, duration, breaks, tau, n_grid):
        """max_t ∫0^t w(t') e^{-(t−t')/τ} dt' by adaptive quadrature, then Brent around the best
        grid point (REFERENCES §6 strength–duration)."""
        from scipy.integrate import quad
        from scipy.optimize import minimize_scalar
        brk = [b for b in breaks if 0 < b < duration]

        def V(t):
            return quad(lambda s: w(s) * math.exp(-(t - s) / tau), 0.0, t,
                        points=[b for b in brk if b < t] or None, epsabs=1e-16, epsrel=1e-13, limit=500)[0]

        grid = np.linspace(0.0, duration, n_grid)
        vals = np.array([V(t) for t in grid])
        j = int(np.argmax(vals))
        lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, n_grid - 1)]
        best = vals[j]
        if hi > lo:
            r = minimize_scalar(lambda t: -V(t), bounds=(lo, hi), method="bounded",
                                options={"xatol": 1e-13 * duration})
            best = max(best, -r.fun)
        return best

    def _membrane_shapes(quick):
        import coilsim.pulses as cp

        def mono(r, d):
            k = max(math.pi / (2 * r), 1 / d)
            return (cp.monophasic(r, d), lambda t: (math.pi / (2 * r) * math.cos(math.pi * t / (2 * r))
                                                    if t < r else -math.exp(-(t - r) / d) / d) / k, [r])
        T = 280e-6
        shapes = {
            "rectangular 120 µs": (cp.rectangular(120e-6), lambda t: 1.0, [120e-6]),
            "biphasic 280 µs": (cp.biphasic(T), lambda t: math.cos(2 * math.pi * t / T), [T]),
            "half-sine 150 µs": (cp.half_sine(150e-6), lambda t: math.sin(math.pi * t / 150e-6), [150e-6]),
            "monophasic 80/200 µs": mono(80e-6, 200e-6),
        }
        if not quick:
            shapes["monophasic decay = τ"] = mono(60e-6, TAU)
            shapes["polyphasic 3 × 200 µs"] = (cp.polyphasic(200e-6, 3),
                                              lambda t: math.cos(2 * math.pi * t / 200e-6), [600e-6])
            Td, dd = 300e-6, 250e-6
            om = 2 * math.pi / Td
            shapes["damped 300/250 µs"] = (cp.damped(Td, dd, 3), lambda t: math.exp(-t / dd) * (
                math.cos(om * t) - math.sin(om * t) / (om * dd)), [3 * Td])
        return shapes

    @reg.case("membrane_sd_convolution", "membrane", "numerical convolution (quad + Brent)", 1e-8,
              quantity="max relative error")
    def membrane_sd_convolution(ctx):
        """Closed-form passive-membrane threshold/rheobase (τ = 150 µs) of each waveform, both
        polarities, against τ / max_t ∫ w(t') e^{-(t−t')/τ} dt' by adaptive quadrature of an
        independently written w(t) (REFERENCES §6)."""
        from coilsim.analytic import membrane as mb
        rows, worst = [], 0.0
        for name, (p, w, brk) in _membrane_shapes(ctx.quick).items():
            for sign, pulse in ((1, p), (-1, p.reversed())):
                peak = _numeric_peak(lambda t: sign * w(t), p.duration, brk, TAU, 80 if ctx.quick else 160)
                got = mb.threshold_ratio(pulse, TAU)
                if peak <= 0:
                    e = 0.0 if got == math.inf else math.inf
                    ref = math.inf
                else:
                    ref = TAU / peak
                    e = abs(got / ref - 1)
                rows.append({"pulse": name, "polarity": sign, "closed_form": got, "numerical": ref, "error": e})
                worst = max(worst, e)
        return Outcome(worst, {"tau_s": TAU, "shapes": rows})

    @reg.case("membrane_lapicque", "membrane", "Lapicque 1/(1 − e^(−W/τ))", 1e-12,
              quantity="max relative error")
    def membrane_lapicque(ctx):
        """Rectangular pulses 10 µs–2 ms, τ = 50 µs–1 ms: closed-form threshold/rheobase against
        Lapicque's law written out here."""
        import coilsim.pulses as cp
        from coilsim.analytic import membrane as mb
        worst = 0.0
        for tau in (50e-6, 150e-6, 200e-6, 1e-3):
            for W in (10e-6, 50e-6, 100e-6, 200e-6, 500e-6, 2e-3):
                ref = 1.0 / (1.0 - math.exp(-W / tau))
                worst = max(worst, abs(mb.threshold_ratio(cp.rectangular(W), tau) / ref - 1))
        return Outcome(worst, {})

    # ---------------------------------------------------------------- SENN

    def _cathode(height):
        from coilsim.nerves import point_source_potential
        return lambda p: point_source_potential(p, (0.0, height, 0.0), -1.0, RHO_E_SENN)

    def _rect(width):
        return (np.array([0.0, width]), np.array([1.0, 1.0]))

    def _senn_rect(ctx):
        def make():
            from coilsim.nerves import senn_threshold
            return {w: senn_threshold(20e-6, _cathode(2e-3), _rect(w)) for w in REILLY_RECT_20UM}
        return ctx.cached("senn_rect_20um", make)

    def _senn_rect_case(width, published):
        def func(ctx):
            res = _senn_rect(ctx)
            r = res[width]
            got = r.amplitude * 1e3
            plot = {"figure": "senn_strength_duration", "title": "SENN 20 µm, cathode 2 mm: coilsim vs Reilly",
                    "xlabel": "pulse width (µs)", "ylabel": "threshold (mA)", "loglog": True,
                    "series": [{"label": "Reilly (published)", "x": [w * 1e6 for w in REILLY_RECT_20UM],
                                "y": list(REILLY_RECT_20UM.values()), "style": "ks"},
                               {"label": "coilsim", "x": [w * 1e6 for w in res],
                                "y": [v.amplitude * 1e3 for v in res.values()], "style": "o-"}]} \
                if width == 500e-6 else None
            return Outcome(abs(got / published - 1), {"width_s": width, "published_mA": published,
                                                      "coilsim_mA": got, "site": r.site}, plot)
        func.__doc__ = (f"SENN threshold (20 µm fibre, 51 nodes, point cathode 2 mm above the centre node, "
                        f"ρ_e = 300 Ω·cm) for a {width * 1e6:.0f} µs rectangular pulse against Reilly's "
                        f"published {published} mA (REFERENCES §6).")
        return func

    for w, pub in REILLY_RECT_20UM.items():
        reg.case(f"senn_reilly_rect_{w * 1e6:.0f}us", "senn", f"Reilly SENN: {pub} mA", 0.02,
                 quantity="relative error")(_senn_rect_case(w, pub))

    @reg.case("senn_reilly_sine_100us", "senn", f"Reilly SENN: {REILLY_SINE_20UM_100US} mA", 0.02,
              quantity="relative error")
    def senn_reilly_sine(ctx):
        """One 100 µs cycle of sinusoidal electrode current, cathodic first (20 µm, 2 mm) against
        Reilly's published 1.609 mA."""
        from coilsim.nerves import senn_threshold
        T = 100e-6
        r = senn_threshold(20e-6, _cathode(2e-3), lambda t: np.sin(2 * np.pi * t / T), duration=T)
        return Outcome(abs(r.amplitude * 1e3 / REILLY_SINE_20UM_100US - 1),
                       {"coilsim_mA": r.amplitude * 1e3, "published_mA": REILLY_SINE_20UM_100US})

    @reg.case("senn_reilly_rheobase_10um", "senn", f"Reilly SENN: rheobase {REILLY_RHEOBASE_10UM} mA", 0.05,
              quantity="relative error")
    def senn_reilly_rheobase(ctx):
        """10 µm fibre, cathode 1 mm: the threshold of a 5 ms pulse (longer than the utilisation
        time, so the rheobase) against Reilly's 0.18 mA."""
        from coilsim.nerves import senn_threshold
        r = senn_threshold(10e-6, _cathode(1e-3), _rect(5e-3))
        return Outcome(abs(r.amplitude * 1e3 / REILLY_RHEOBASE_10UM - 1),
                       {"coilsim_mA": r.amplitude * 1e3, "published_mA": REILLY_RHEOBASE_10UM})

    @reg.case("senn_reilly_q0_10um", "senn", f"Reilly SENN: Q0 {REILLY_Q0_10UM} nC", 0.05,
              quantity="relative error")
    def senn_reilly_q0(ctx):
        """10 µm fibre, cathode 1 mm: threshold charge of a 1 µs pulse (dt 0.05 µs) against Reilly's
        minimum charge 15.9 nC."""
        from coilsim.nerves import senn_threshold
        r = senn_threshold(10e-6, _cathode(1e-3), _rect(1e-6), dt=0.05e-6)
        q = r.amplitude * 1e-6 * 1e9
        return Outcome(abs(q / REILLY_Q0_10UM - 1), {"coilsim_nC": q, "published_nC": REILLY_Q0_10UM})

    @reg.case("senn_site_under_cathode", "senn", "excitation under the cathode (node 25)", 0.0,
              quantity="nodes")
    def senn_site(ctx):
        """Where the action potential starts for the four rectangular Reilly cases: the node under
        the cathode (node 25 of 51; Reilly 1985), and the site follows the electrode: a cathode above
        node 20 fires node 20, and node 30 of the reversed fibre."""
        from coilsim.nerves import point_source_potential, senn_threshold
        sites = {f"{w * 1e6:.0f}us": r.site for w, r in _senn_rect(ctx).items()}
        err = max(abs(s - 25) for s in sites.values())
        D = 20e-6
        src = (-5 * 100 * D, 2e-3, 0.0)

        def ve(p):
            return point_source_potential(p, src, -1.0, RHO_E_SENN)

        a = senn_threshold(D, ve, _rect(100e-6))
        b = senn_threshold(D, ve, _rect(100e-6), direction=(-1.0, 0.0, 0.0))
        err = max(err, abs(a.site - 20), abs(b.site - 30))
        return Outcome(float(err), {"sites_centre_cathode": sites, "site_node20_cathode": a.site,
                                    "site_reversed_fibre": b.site})

    # ---------------------------------------------------------------- MRG vs NEURON

    def _mrg_table(ctx):
        def make():
            from . import neuron_reference as NR
            pulses = NR.waveforms()
            rows = []
            for r in NR.read_table():
                c = NR.coilsim_threshold(float(r["diameter_um"]), r["field"], pulses[r["waveform"]],
                                         int(r["n_nodes"]), rel_tol=2e-3)
                rows.append({"field": r["field"], "waveform": r["waveform"], "diameter_um": float(r["diameter_um"]),
                             "neuron": float(r["neuron_threshold"]), "coilsim": c.amplitude,
                             "ratio": c.amplitude / float(r["neuron_threshold"]),
                             "neuron_site": int(r["neuron_site"]), "coilsim_site": c.site})
            return rows
        return ctx.cached("mrg_table", make)

    def _vs_neuron(rows, field, figure, title):
        """Outcome of a stored-NEURON-table case: max |coilsim/NEURON − 1| over the ``field``
        rows, plotted per waveform against the diameter."""
        rows = [r for r in rows if r["field"] == field]
        if not rows:
            raise LookupError(f"no {field!r} rows in the stored NEURON table ({figure})")
        series = {}
        for r in rows:
            s = series.setdefault(r["waveform"], {"label": f"{field} {r['waveform']}", "x": [], "y": []})
            s["x"].append(r["diameter_um"])
            s["y"].append(r["ratio"] - 1)
        plot = {"figure": figure, "title": title, "xlabel": "fibre diameter (µm)", "ylabel": "ratio − 1",
                "hline": 0.0,
                "series": [dict(v, style="o-" if field == "point" else "s--") for v in series.values()]}
        return Outcome(max(abs(r["ratio"] - 1) for r in rows), {"rows": rows}, plot)

    def _mrg_field_case(field):
        def func(ctx):
            return _vs_neuron(_mrg_table(ctx), field, "mrg_vs_neuron",
                              "MRG thresholds: coilsim / NEURON − 1 (stored table)")
        func.__doc__ = (f"MRG thresholds ({field} field; rectangular, biphasic, half-sine and monophasic "
                        "pulses; 5.7–16 µm; 121 nodes, 5 µs backward Euler) against the stored NEURON "
                        "table (ModelDB 3810 model, same protocol; benchmarks/neuron_reference.py).")
        return func

    for field in ("point", "smooth"):
        reg.case(f"mrg_neuron_{field}", "mrg", "NEURON MRG (stored table)", 0.02,
                 quantity="max |ratio − 1|")(_mrg_field_case(field))

    @reg.case("mrg_neuron_site", "mrg", "NEURON initiation node (stored table)", 1.0, quantity="nodes")
    def mrg_neuron_site(ctx):
        """The node where the action potential starts, coilsim vs NEURON, for every stored case
        (± 1 node: the two codes break a near tie on either side; a point source over the middle
        node is mirror-symmetric, so there a site and its mirror image count as the same)."""
        from . import neuron_reference as NR
        rows = _mrg_table(ctx)
        mid = (NR.N_NODES - 1) // 2

        def apart(r):
            a, b = r["coilsim_site"], r["neuron_site"]
            return min(abs(a - b), abs(2 * mid - a - b)) if r["field"] == "point" else abs(a - b)
        return Outcome(float(max(apart(r) for r in rows)), {"cases": len(rows)})

    @reg.case("mrg_neuron_live", "mrg", "NEURON MRG run now (--neuron)", 0.02, quantity="max |ratio − 1|",
              requires=("neuron",), option="neuron")
    def mrg_neuron_live(ctx):
        """NEURON run in this process (ModelDB 3810 MRG, same protocol as the stored table) for a
        10 µm fibre: point source + 100 µs rectangle and smooth field + 300 µs biphasic pulse."""
        from . import neuron_reference as NR
        pulses = NR.waveforms()
        rows, worst = [], 0.0
        cases = [("point", "rectangular_100us")] + ([] if ctx.quick else [("smooth", "biphasic_300us")])
        for field, wf in cases:
            c = NR.coilsim_threshold(10.0, field, pulses[wf], rel_tol=2e-3)
            thr, site, runs, secs = NR.neuron_threshold(10.0, field, pulses[wf], rel_tol=1e-3,
                                                        guess=1.3 * c.amplitude)
            rows.append({"field": field, "waveform": wf, "neuron": thr, "coilsim": c.amplitude,
                         "neuron_site": site, "coilsim_site": c.site, "neuron_s": secs})
            worst = max(worst, abs(c.amplitude / thr - 1))
        return Outcome(worst, {"rows": rows})

    @reg.case("tree_neuron", "mrg", "NEURON branching fibres (stored table)", 0.02,
              quantity="max |ratio − 1|")
    def tree_neuron(ctx):
        """Y-shaped fibres (stem of 21 nodes, two daughters of 15 at ±30°; MRG 10 and 16 µm,
        SENN with CRRSS nodes 10 µm): coilsim end to end from the field (BranchedFiber,
        quasi-potential, the cable on its tree) against the stored NEURON thresholds (the same
        sections connected as a tree, closed-form potentials; benchmarks/neuron_tree_reference.py).
        Point cathodes over the branch node, a daughter and the stem, and a uniform field;
        rectangular 100 µs and biphasic 300 µs. Also: the initiation node is the same or a
        neighbour in every case. Reported, not checked: the fast estimator on the same fibre
        (``estimator_error``)."""
        from coilsim.nerves import estimate_thresholds
        from . import neuron_tree_reference as TR
        pulses = TR.waveforms()
        parent = TR.node_links()
        rows, worst, site_ok = [], 0.0, True
        for r in TR.read_table(TR.DATA):
            d, model = float(r["diameter_um"]), r["model"]
            c = TR.coilsim_threshold(d, r["field"], pulses[r["waveform"]], rel_tol=2e-3, model=model)
            ref = float(r["neuron_threshold"])
            a, b = c.site_node, int(r["neuron_site"])
            site_ok &= a == b or parent[a] == b or parent[b] == a
            est = estimate_thresholds([TR.coilsim_fiber(d, model)],
                                      TR.e_field(r["field"], TR.spacing(model, d)),
                                      pulses[r["waveform"]])[0]
            rows.append({"model": model, "field": r["field"], "waveform": r["waveform"],
                         "diameter_um": d, "neuron": ref, "coilsim": c.amplitude,
                         "ratio": c.amplitude / ref, "neuron_site": b, "coilsim_site": a,
                         "estimator_error": est / ref - 1.0})
            worst = max(worst, abs(c.amplitude / ref - 1))
        if not site_ok:
            worst = math.inf
        return Outcome(worst, {"rows": rows, "sites_same_or_neighbour": bool(site_ok)})

    # ---------------------------------------------------------------- SENN with CRRSS nodes vs NEURON

    def _senn_crrss_table(ctx):
        def make():
            from . import neuron_reference as NR
            pulses = NR.senn_waveforms()
            rows = []
            for r in NR.read_senn_table():
                d = float(r["diameter_um"])
                c = NR.coilsim_senn_threshold(d, r["field"], pulses[r["waveform"]], int(r["n_nodes"]))
                ref = float(r["neuron_threshold"])
                rows.append({"field": r["field"], "waveform": r["waveform"], "diameter_um": d,
                             "neuron": ref, "coilsim": c.amplitude, "ratio": c.amplitude / ref,
                             "neuron_site": int(r["neuron_site"]), "coilsim_site": c.site})
            return rows
        return ctx.cached("senn_crrss_table", make)

    def _senn_crrss_field_case(field):
        def func(ctx):
            return _vs_neuron(_senn_crrss_table(ctx), field, "senn_crrss_vs_neuron",
                              "SENN-CRRSS thresholds: coilsim / NEURON − 1 (stored table)")
        func.__doc__ = (f"SENN thresholds with CRRSS mammalian nodes (Sweeney 1987, 37 °C; {field} field; "
                        "rectangular pulses; 5 and 20 µm; 51 active nodes, sealed ends) against the stored "
                        "NEURON table (the same cable from sections and a .mod mechanism written from the "
                        "published equations, backward Euler 0.1 µs; benchmarks/neuron_reference.py --senn).")
        return func

    for field in ("point", "smooth"):
        reg.case(f"senn_crrss_neuron_{field}", "senn", "NEURON SENN-CRRSS (stored table)", 0.02,
                 quantity="max |ratio − 1|")(_senn_crrss_field_case(field))

    @reg.case("senn_crrss_neuron_site", "senn", "NEURON initiation node (stored table)", 1.0,
              quantity="nodes")
    def senn_crrss_neuron_site(ctx):
        """The node where the action potential starts in the SENN-CRRSS fibre, coilsim vs NEURON,
        for every stored case (± 1 node: the two codes may break a symmetric tie on either side)."""
        rows = _senn_crrss_table(ctx)
        return Outcome(float(max(abs(r["coilsim_site"] - r["neuron_site"]) for r in rows)),
                       {"cases": len(rows)})
