"""Stimulator: RLC closed forms against an independent ODE integration, energy bookkeeping,
limits and presets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

import coilsim.pulses as cp
from coilsim.errors import CoilFileError, CoilsimError, CoilsimValueError
from coilsim.pulses.stimulator import _parse_presets

L_COIL = 16e-6
L_INT = 1.5e-6
C = 180e-6
R_CRIT = 2.0 * math.sqrt((L_COIL + L_INT) / C)  # critical damping of the series RLC


def stim(R, mode, **kw):
    return cp.Stimulator(C, 1750.0, R, mode=mode, internal_inductance=L_INT, **kw)


# (mode, R): underdamped, near-critical and critically damped / over-damped circuits
CASES = [
    ("biphasic", 0.03),
    ("biphasic", 0.0),
    ("biphasic", 0.97 * R_CRIT),  # near-critical but still oscillating: what the mode needs
    ("half_sine_current", 0.03),
    ("half_sine_current", 0.9 * R_CRIT),
    ("monophasic", 0.03),
    ("monophasic", 0.999 * R_CRIT),  # near-critical, underdamped
    ("monophasic", (1 - 1e-9) * R_CRIT),  # near-critical to 1e-9 (omega ~ 0.8 rad/s)
    ("monophasic", (1 + 1e-9) * R_CRIT),
    ("monophasic", R_CRIT),  # critically damped (to round-off)
    ("monophasic", 1.001 * R_CRIT),  # near-critical, over-damped
    ("monophasic", 3.0 * R_CRIT),  # over-damped
]


def ode_reference(d):
    """Integrate the circuit equations (not the closed form) with DOP853 at rtol 1e-13.

    Phase 1: C dv/dt = -I, L dI/dt = v - R I. Monophasic: when v reaches 0 the ideal diode
    clamps it and L dI/dt = -(R + R_d) I.
    """
    L, R, Cc, v0 = d.total_inductance, d.resistance, d.capacitance, d.v0
    i_scale = v0 * math.sqrt(Cc / L)

    def rhs(t, y):
        return [-y[1] / Cc, (y[0] - R * y[1]) / L]

    event = None
    if d.mode == "monophasic":
        def event(t, y):
            return y[0]
        event.terminal, event.direction = True, -1
    s1 = solve_ivp(rhs, (0.0, d.duration), [v0, 0.0], method="DOP853", rtol=1e-13,
                   atol=[1e-13 * v0, 1e-13 * i_scale], dense_output=True, events=event)
    t_switch = None
    s2 = None
    if event is not None and s1.t_events[0].size:
        t_switch = float(s1.t_events[0][0])
        i1 = float(s1.y_events[0][0][1])
        rtot = R + d.damping_resistance
        s2 = solve_ivp(lambda t, y: [-rtot * y[0] / L], (t_switch, d.duration), [i1],
                       method="DOP853", rtol=1e-13, atol=1e-13 * i_scale, dense_output=True)

    def state(t):
        t = np.asarray(t, float)
        v = np.empty(t.shape)
        i = np.empty(t.shape)
        didt = np.empty(t.shape)
        ph1 = np.ones(t.shape, bool) if t_switch is None else t <= t_switch
        y = s1.sol(t[ph1])
        v[ph1], i[ph1] = y
        didt[ph1] = (y[0] - R * y[1]) / L
        if t_switch is not None:
            y2 = s2.sol(t[~ph1])[0]
            v[~ph1], i[~ph1] = 0.0, y2
            didt[~ph1] = -(R + d.damping_resistance) * y2 / L
        return v, i, didt

    return state, t_switch


@pytest.mark.parametrize("mode,R", CASES)
def test_closed_form_matches_ode(mode, R):
    d = stim(R, mode).discharge(L_COIL, 0.8)
    state, t_switch = ode_reference(d)
    if t_switch is not None or d.switch_time is not None:
        assert d.switch_time == pytest.approx(t_switch, rel=1e-9)
    t = np.linspace(0.0, d.duration, 3001)
    if d.switch_time is not None:  # keep samples off the switch instant (dI/dt jumps there)
        t = t[np.abs(t - d.switch_time) > 1e-9 * d.duration]
    v, i, didt = state(t)
    ipk, dpk = np.max(np.abs(i)), np.max(np.abs(didt))
    err_i = np.max(np.abs(d.current(t) - i)) / ipk
    err_v = np.max(np.abs(d.capacitor_voltage(t) - v)) / d.v0
    err_d = np.max(np.abs(d.di_dt(t) - didt)) / dpk
    assert max(err_i, err_v, err_d) <= 1e-6, (err_i, err_v, err_d)
    # peaks against the ODE solution sampled finely
    tt = np.linspace(0.0, d.duration, 200_001)
    assert d.peak_current == pytest.approx(np.max(np.abs(state(tt)[1])), rel=1e-6)
    assert d.peak_coil_voltage == pytest.approx(L_COIL * d.peak_di_dt, rel=1e-15)


@pytest.mark.parametrize("mode,R", CASES)
def test_closed_form_matches_arbitrary_precision(mode, R):
    """The same closed form evaluated with mpmath at 40 digits: a round-off check of the
    double-precision branches (near-critical sinc / sinh forms)."""
    import mpmath

    mpmath.mp.dps = 40
    d = stim(R, mode).discharge(L_COIL, 0.8)
    L, Cc, Rm, V0 = (mpmath.mpf(x) for x in (d.total_inductance, C, R, d.v0))
    a = Rm / (2 * L)
    q = 1 / (L * Cc) - a * a

    def s_of(x):
        if q > 0:
            return mpmath.sin(mpmath.sqrt(q) * x) / mpmath.sqrt(q)
        if q < 0:
            return mpmath.sinh(mpmath.sqrt(-q) * x) / mpmath.sqrt(-q)
        return x

    t_end = d.switch_time if d.switch_time is not None else d.duration
    t = np.linspace(0.0, t_end, 201)
    ref = np.array([float(V0 / L * mpmath.exp(-a * x) * s_of(mpmath.mpf(x))) for x in t])
    assert np.max(np.abs(d.current(t) - ref)) <= 1e-14 * np.max(np.abs(ref))


@pytest.mark.parametrize("mode,R", CASES)
def test_di_dt_at_zero_is_v_over_l_total(mode, R):
    intensity = 0.7
    d = stim(R, mode).discharge(L_COIL, intensity)
    v0 = intensity * 1750.0
    assert d.di_dt(0.0) == v0 / (L_COIL + L_INT)
    if mode != "monophasic":  # the oscillating modes peak at t = 0
        assert stim(R, mode).peak_di_dt(L_COIL, intensity) == v0 / (L_COIL + L_INT)


@pytest.mark.parametrize("mode,R", CASES)
def test_energy_bookkeeping_at_every_sample(mode, R):
    """½ C V0² = ½ C v² + ½ L I² + ∫ R I² dt, the integral by adaptive quadrature."""
    d = stim(R, mode).discharge(L_COIL, 1.0)
    L = d.total_inductance
    e0 = 0.5 * d.capacitance * d.v0**2
    t = np.linspace(0.0, d.duration, 401)
    if d.switch_time is not None:
        t = np.sort(np.append(t, d.switch_time))

    def p(x):
        return float(d.loop_resistance(x) * d.current(x) ** 2)

    heat = np.concatenate(([0.0], np.cumsum([quad(p, a, b, epsabs=0, epsrel=1e-13, limit=200)[0]
                                             for a, b in zip(t[:-1], t[1:])])))
    balance = (0.5 * d.capacitance * d.capacitor_voltage(t) ** 2 + 0.5 * L * d.current(t) ** 2
               + heat)
    assert np.max(np.abs(balance - e0)) / e0 <= 1e-9
    en = d.energy
    assert en.stored == pytest.approx(e0, rel=1e-15)
    assert en.dissipated + en.returned == pytest.approx(en.stored, rel=1e-14)
    if mode == "monophasic":
        assert en.returned == 0.0
    else:  # the capacitor's final charge, from the ODE
        state, _ = ode_reference(d)
        v_end = state(np.array([d.duration]))[0][0]
        assert en.returned == pytest.approx(0.5 * d.capacitance * v_end**2, rel=1e-9)
        assert heat[-1] == pytest.approx(en.dissipated, rel=1e-9)


def test_lossless_modes_are_the_design_shapes():
    """R = 0: biphasic = cos(2πt/T), half-sine current has w = cos(πt/W), monophasic =
    pulses.monophasic(rise = π/2 √(LC), decay = L/R_d) (DESIGN.md definitions)."""
    L = L_COIL + L_INT
    T = 2.0 * math.pi * math.sqrt(L * C)
    t = np.linspace(0.0, 1.0, 5001)
    p = stim(0.0, "biphasic").pulse(L_COIL)
    assert p.duration == pytest.approx(T, rel=1e-14)
    assert np.max(np.abs(p(t * T) - np.cos(2 * np.pi * t))) < 1e-12
    h = stim(0.0, "half_sine_current").pulse(L_COIL)
    assert np.max(np.abs(h(t * T / 2) - np.cos(np.pi * t))) < 1e-12
    rd = 0.05
    m = stim(0.0, "monophasic", damping_resistance=rd).pulse(L_COIL)
    ref = cp.monophasic(T / 4, L / rd)
    assert m.duration == pytest.approx(ref.duration, rel=1e-12)
    tt = np.linspace(0.0, ref.duration, 20001)
    tt = tt[np.abs(tt - T / 4) > 1e-9]
    assert np.max(np.abs(m(tt) - ref(tt))) < 1e-12


def test_intensity_scales_linearly_and_pulse_shape_does_not_change():
    s = stim(0.03, "biphasic")
    t = np.linspace(0, s.duration(L_COIL), 101)
    i1 = s.discharge(L_COIL, 0.25).current(t)
    i2 = s.discharge(L_COIL, 1.0).current(t)
    np.testing.assert_allclose(4.0 * i1, i2, rtol=1e-14, atol=1e-12 * np.max(np.abs(i2)))
    assert s.peak_current(L_COIL, 0.0) == 0.0
    assert s.energy(L_COIL, 0.5).stored == pytest.approx(0.25 * s.energy(L_COIL, 1.0).stored,
                                                         rel=1e-15)


def test_with_pulse_width_inverts_the_closed_form():
    for mode in ("biphasic", "half_sine_current"):
        s = stim(0.03, mode).with_pulse_width(120e-6, L_COIL)
        assert s.duration(L_COIL) == pytest.approx(120e-6, rel=1e-12)


# ---- limits ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kw,word", [
    (dict(capacitance=0.0), "capacitance"), (dict(capacitance=-1e-6), "capacitance"),
    (dict(capacitance=float("nan")), "capacitance"), (dict(max_voltage=0.0), "max_voltage"),
    (dict(resistance=-0.1), "resistance"), (dict(internal_inductance=-1e-6), "internal_inductance"),
    (dict(mode="triphasic"), "mode"),
])
def test_bad_stimulator_arguments(kw, word):
    args = dict(capacitance=C, max_voltage=1000.0, resistance=0.03)
    args.update(kw)
    with pytest.raises(CoilsimError, match=word):
        cp.Stimulator(**args)


def test_bad_discharge_arguments():
    s = stim(0.03, "biphasic")
    for L in (0.0, -1e-6, float("nan")):
        with pytest.raises(CoilsimValueError, match="inductance"):
            s.pulse(L)
    for x in (1.0000001, -0.1, 2.0, float("nan")):
        with pytest.raises(CoilsimValueError, match="intensity"):
            s.peak_di_dt(L_COIL, x)
    for mode in ("biphasic", "half_sine_current"):
        with pytest.raises(CoilsimValueError, match="resistance.*too large"):
            stim(1.01 * R_CRIT, mode).pulse(L_COIL)
    with pytest.raises(CoilsimValueError, match="damping_resistance"):
        stim(0.0, "monophasic", damping_resistance=0.0).pulse(L_COIL)


# ---- presets --------------------------------------------------------------------------------
def test_presets_load_and_respect_reference_ranges():
    names = cp.list_stimulators()
    assert set(names) >= {"generic_biphasic_rapid", "generic_monophasic_single",
                          "generic_controllable_width"}
    modes = set()
    for n in names:
        s = cp.Stimulator.preset(n)
        modes.add(s.mode)
        assert s.name == n and s.source
        # REFERENCES.md §7: C 20–200+ µF, 1–3 kV
        assert 20e-6 <= s.capacitance <= 250e-6 and 1000 <= s.max_voltage <= 3000
        rates = [s.max_rate_at(x) for x in np.linspace(0.05, 1.0, 20)]
        assert all(a >= b for a, b in zip(rates, rates[1:]))  # lower intensity, faster
    assert modes == {"biphasic", "monophasic", "half_sine_current"}
    rapid = cp.Stimulator.preset("generic_biphasic_rapid")
    assert 250e-6 <= rapid.duration(16e-6) <= 400e-6  # REFERENCES §7 biphasic cycle
    assert rapid.max_rate_at(0.3) == 50.0  # the Magstim Rapid² anchor in REFERENCES §7
    assert rapid.check_rate(20.0, 0.4) == 20.0
    with pytest.raises(CoilsimValueError, match="rate"):
        rapid.check_rate(30.0, 0.5)
    with pytest.raises(CoilsimValueError, match="intensity"):
        rapid.max_rate_at(1.5)
    with pytest.raises(CoilsimValueError, match="preset"):
        cp.Stimulator.preset("magic")


def test_presets_file_rejects_unknown_and_missing_keys():
    good = """[x]
description = "d"
mode = "biphasic"
capacitance = 1e-4
max_voltage = 1000.0
resistance = 0.03
max_rate = [[1.0, 10.0]]
source = "s"
"""
    assert _parse_presets(good, "t.toml")["x"].max_rate_at(0.5) == 10.0
    with pytest.raises(CoilFileError, match="unknown key.*colour"):
        _parse_presets(good + 'colour = "red"\n', "t.toml")
    with pytest.raises(CoilFileError, match="source"):
        _parse_presets(good.replace('source = "s"\n', ""), "t.toml")
    with pytest.raises(CoilFileError, match="capacitance"):
        _parse_presets(good.replace("1e-4", "-1e-4"), "t.toml")
    with pytest.raises(CoilFileError, match="max_rate"):
        _parse_presets(good.replace("[[1.0, 10.0]]", "[[0.5, 10.0]]"), "t.toml")
