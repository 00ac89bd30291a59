"""Coil resistance (DC, skin effect) and the lumped thermal model of a pulse train."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

import coilsim.pulses as cp
from coilsim.coils.conductor import Conductor
from coilsim.errors import CoilsimTypeError, CoilsimValueError
from coilsim.pulses import thermal as th

MU0 = 4e-7 * math.pi


def test_dc_resistance_against_wire_tables():
    """AWG 10 solid copper (d = 2.588 mm): 3.277 Ω/km at 20 °C (NBS Handbook 100, Copper Wire
    Tables) and 3.97 Ω/km at 75 °C (NEC 2017 Chapter 9 Table 8: 1.21 Ω/kft, uncoated)."""
    c = th.CoilThermal(1000.0, ("round", 2.588e-3 / 2))
    assert c.dc_resistance(20.0) == pytest.approx(3.277, rel=1e-3)
    assert c.dc_resistance(75.0) == pytest.approx(3.97, rel=1e-2)
    assert c.copper_mass == pytest.approx(8890 * 1000 * math.pi * 1.294e-3**2, rel=1e-12)


def mp_round(x):
    k = (1 - 1j) * x
    return float(mpmath.re(k / 2 * mpmath.besselj(0, k) / mpmath.besselj(1, k)))


def mp_strip(y):
    k = (1 + 1j) * y / 2
    return float(mpmath.re(k * mpmath.coth(k)))


def test_skin_factors_against_mpmath_and_asymptotes():
    """Isolated round wire Re[(kr/2) J0/J1] and slab Re[(kh/2) coth(kh/2)], both with
    arbitrary-precision mpmath; plus the textbook limits (Knight 2016, 'Practical continuous
    functions for the internal impedance of solid cylindrical conductors'):
    round: 1 + x⁴/48 - x⁸/2880 (x = r/δ small), x/2 + 1/4 + 3/(32x) (x large);
    slab: 1 + (h/δ)⁴/180 (small), h/(2δ) (large)."""
    mpmath.mp.dps = 40
    r = 1e-3
    for x in [0.05, 0.3, 1.0, 2.0, 5.0, 20.0, 120.0]:
        f = th.COPPER_RESISTIVITY / (math.pi * MU0 * (r / x) ** 2)
        assert th.round_wire_skin_factor(r, f) == pytest.approx(mp_round(x), rel=1e-11)
        assert th.strip_skin_factor(r, f) == pytest.approx(mp_strip(x), rel=1e-11)
    for x in [0.05, 0.2]:
        f = th.COPPER_RESISTIVITY / (math.pi * MU0 * (r / x) ** 2)
        assert th.round_wire_skin_factor(r, f) == pytest.approx(1 + x**4 / 48 - x**8 / 2880,
                                                                abs=x**12)
        assert th.strip_skin_factor(r, f) == pytest.approx(1 + x**4 / 180, abs=x**8)
    for x in [400.0, 2000.0]:  # beyond mpmath's comfortable range: the asymptote itself
        f = th.COPPER_RESISTIVITY / (math.pi * MU0 * (r / x) ** 2)
        assert th.round_wire_skin_factor(r, f) == pytest.approx(x / 2 + 0.25 + 3 / (32 * x),
                                                                rel=1e-9)
        assert th.strip_skin_factor(r, f) == pytest.approx(x / 2, rel=1e-12)
    assert th.round_wire_skin_factor(r, 0.0) == 1.0


def test_pulse_heat_dc_equals_r_times_integral_of_i_squared():
    d = cp.Stimulator.preset("generic_biphasic_rapid").discharge(16e-6, 0.6)
    c = th.CoilThermal(10.0, ("litz", 1000, 0.05e-3), ac_factor=1.0)
    ref = quad(lambda t: float(d.current(t)) ** 2, 0, d.duration, epsabs=0, epsrel=1e-13,
               limit=200)[0]
    assert c.pulse_heat(d) == pytest.approx(c.dc_resistance() * ref, rel=1e-10)


@pytest.mark.parametrize("mode", ["biphasic", "half_sine_current", "monophasic"])
def test_energy_conservation_coil_is_the_whole_circuit_resistance(mode):
    """If the winding is the circuit's only resistance, its heat per pulse is the energy the
    stimulator loses (stored - returned; RLC bookkeeping checked in test_stimulator)."""
    c = th.CoilThermal(8.0, ("rect", 6e-3, 1.5e-3), ac_factor=1.0)
    R = c.dc_resistance(20.0)
    kw = {"damping_resistance": 0.0} if mode == "monophasic" else {}
    d = cp.Stimulator(180e-6, 1750.0, R, mode=mode, **kw).discharge(16e-6, 0.8)
    if mode == "monophasic":  # no damping resistor: the diode loop decays through R alone
        assert d.switch_time is not None
    # within the pulse: the magnetic energy left in a monophasic tail (I = 1e-3 I_peak) is not yet heat
    tail = 0.5 * d.total_inductance * float(d.current(d.duration)) ** 2
    assert c.pulse_heat(d) == pytest.approx(d.energy.dissipated - tail, rel=1e-9)


def test_pulse_heat_with_skin_effect_against_fourier_integral():
    """Biphasic pulse (one cycle of sin current, R = 0): heat = 2 ∫0^∞ R(f) |Î(f)|² df with the
    closed-form spectrum |Î|² = ω0² 4 sin²(ωT/2) / (ω0² - ω²)², integrated by quad."""
    T = 350e-6
    p = cp.biphasic(T)
    amp = 1e8  # A/s: I(t) = amp T/(2π) sin(2πt/T)
    i0 = amp * T / (2 * math.pi)
    c = th.CoilThermal(8.0, ("round", 2e-3))  # r/δ ≈ 1.6 at 2.9 kHz: R_ac/R_dc ≈ 1.13
    om0 = 2 * math.pi / T

    def spec(f):  # removable 0/0 at f = f0 avoided by the Gauss nodes
        om = 2 * math.pi * f
        return om0**2 * 4 * np.sin(om * T / 2) ** 2 / (om0**2 - om**2) ** 2

    # composite 16-point Gauss-Legendre on 4000 panels up to 2000 f0 (~8 nodes per oscillation)
    fmax = 2000 / T
    x, wg = np.polynomial.legendre.leggauss(16)
    edges = np.linspace(0, fmax, 4001)
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * np.diff(edges)
    f = (mid[:, None] + half[:, None] * x).ravel()
    ref = np.sum((half[:, None] * wg).ravel() * c.skin_factor(f) * spec(f))
    ref += quad(lambda f: float(c.skin_factor(f)) * 2 * om0**2 / (2 * math.pi * f) ** 4,
                fmax, np.inf)[0]  # tail: sin² averages to 1/2
    ref *= 2 * i0**2 * c.dc_resistance()
    got = c.pulse_heat(p, peak_di_dt=amp)
    assert got == pytest.approx(ref, rel=1e-6)  # measured 5e-8 (spectral sum vs integral)
    assert got > 1.05 * c.dc_resistance() * i0**2 * T / 2  # the skin effect matters here


def ode_train(c, n, rate, e20, start):
    """Integrate C dT/dt = -G (T - T_amb) between pulses (solve_ivp), each pulse adding
    E20 (1 + α (T - 20)) / C. Returns temperatures after each pulse, deposits and the heat lost."""
    C, G, a = c.heat_capacity, c.cooling, th.COPPER_TEMPERATURE_COEFFICIENT
    T, lost, dep, after = start, 0.0, 0.0, []
    for k in range(n):
        e = e20 * (1 + a * (T - 20.0))
        dep += e
        T += e / C
        after.append(T)
        if k < n - 1:
            s = solve_ivp(lambda t, y: [-G * (y[0] - c.ambient) / C, G * (y[0] - c.ambient)],
                          (0.0, 1.0 / rate), [T, 0.0], method="DOP853", rtol=1e-13, atol=1e-13)
            T, lost = s.y[0, -1], lost + s.y[1, -1]
    return np.array(after), dep, lost


def test_train_closed_form_and_energy_conservation():
    c = th.CoilThermal(12.0, ("rect", 6e-3, 1.5e-3), cooling=2.0, extra_heat_capacity=50.0,
                       ambient=22.0)
    e20, rate, n, start = 15.0, 25.0, 300, 30.0
    after, dep, lost = ode_train(c, n, rate, e20, start)
    # energy conservation of the integration: deposits = stored heat + heat lost
    assert c.heat_capacity * (after[-1] - start) + lost == pytest.approx(dep, rel=1e-10)
    got = c.temperature(np.arange(1, n + 1), rate, e20, start=start)
    assert np.max(np.abs(got - after)) < 1e-9 * (after[-1] - c.ambient)
    assert c.temperature(0, rate, e20, start=start) == start
    # adiabatic, no temperature coefficient effect at 20 °C start: N pulses deposit N E/C
    adi = th.CoilThermal(12.0, ("rect", 6e-3, 1.5e-3), ambient=20.0)
    k = th.COPPER_TEMPERATURE_COEFFICIENT * e20 / adi.heat_capacity
    ref = 20.0 + e20 / adi.heat_capacity * ((1 + k) ** 10 - 1) / k
    assert adi.temperature(10, 5.0, e20) == pytest.approx(ref, rel=1e-13)


def test_train_limit_straddles_the_limit():
    c = th.CoilThermal(12.0, ("rect", 6e-3, 1.5e-3), cooling=0.5)
    e20, rate = 15.0, 20.0
    lim = c.train_limit(rate, e20, limit=41.0)
    n = lim.pulses
    assert 10 < n < 2000
    after, _, _ = ode_train(c, n + 1, rate, e20, c.ambient)
    assert after[n - 1] <= 41.0 < after[n]
    assert lim.duration == n / rate and lim.limit == 41.0
    # steady state below the limit: unlimited; start above: none
    cool = th.CoilThermal(12.0, ("rect", 6e-3, 1.5e-3), cooling=50.0)
    res = cool.train_limit(1.0, e20)
    assert res.pulses == math.inf and res.steady_temperature < 41.0
    assert c.train_limit(rate, e20, start=45.0).pulses == 0
    # adiabatic: thermal runaway through the temperature coefficient, still a finite count
    adi = th.CoilThermal(12.0, ("rect", 6e-3, 1.5e-3))
    r = adi.train_limit(rate, e20, limit=th.LIMITS["class_B"])
    assert r.steady_temperature == math.inf and math.isfinite(r.pulses)
    a2, _, _ = ode_train(adi, r.pulses + 1, rate, e20, adi.ambient)
    assert a2[r.pulses - 1] <= 130.0 < a2[r.pulses]


class FakeCoil:
    conductor = Conductor("rect", width=6e-3, height=1.5e-3)

    def wire_length(self):
        return 12.0


def test_from_coil_and_validation():
    c = th.CoilThermal.from_coil(FakeCoil(), cooling=0.5)
    assert c.wire_length == 12.0 and c.conductor.kind == "rect" and c.cooling == 0.5
    assert c.copper_mass == pytest.approx(th.COPPER_DENSITY * 12.0 * 9e-6, rel=1e-14)
    with pytest.raises(CoilsimTypeError, match="wire_length"):
        th.CoilThermal.from_coil(object())
    for kw, word in [(dict(wire_length=0.0), "wire_length"), (dict(wire_length=-1.0), "wire_length"),
                     (dict(cooling=-1.0), "cooling"), (dict(ac_factor=0.5), "ac_factor"),
                     (dict(copper_mass=0.0), "copper_mass")]:
        args = dict(wire_length=1.0, conductor=("round", 1e-3))
        args.update(kw)
        with pytest.raises(CoilsimValueError, match=word):
            th.CoilThermal(**args)
    with pytest.raises(CoilsimValueError, match="rate"):
        c.temperature(10, 0.0, 1.0)
    with pytest.raises(CoilsimValueError, match="pulses"):
        c.temperature(-1, 10.0, 1.0)
    with pytest.raises(CoilsimTypeError, match="Discharge"):
        c.pulse_heat(3.0)


def readme_example():
    """The README's train example, verbatim apart from collecting the printed lines."""
    out = []
    print = out.append  # noqa: A001  (the README prints)
    from coilsim.pulses import CoilThermal, Stimulator

    stim = Stimulator.preset("generic_biphasic_rapid")
    L_coil = 16e-6                      # H (e.g. coil.inductance())
    intensity, rate = 0.4, 20.0         # 40 % output, 20 Hz rPMS train
    stim.check_rate(rate, intensity)    # raises if the device cannot fire that fast
    d = stim.discharge(L_coil, intensity)
    e = d.energy
    print(f"pulse {d.duration * 1e6:.0f} µs, peak dI/dt {d.peak_di_dt / 1e6:.0f} A/µs, "
          f"peak current {d.peak_current / 1e3:.2f} kA, peak coil voltage {d.peak_coil_voltage:.0f} V")
    print(f"per pulse: {e.stored:.1f} J stored, {e.dissipated:.1f} J dissipated, {e.returned:.1f} J returned")

    # winding: 12 m of 6 x 1.5 mm copper strip losing 0.5 W/K to the air
    # (with a Coil: CoilThermal.from_coil(coil, cooling=0.5))
    thermal = CoilThermal(wire_length=12.0, conductor=("rect", 6e-3, 1.5e-3), cooling=0.5)
    q = thermal.pulse_heat(d)           # J per pulse in the winding (skin effect included)
    print(f"winding {thermal.dc_resistance() * 1e3:.1f} mΩ, {q:.2f} J per pulse")
    lim = thermal.train_limit(rate, q, limit=41.0)   # casing limit, IEC 60601-1 §11.1.2.2
    print(f"{lim.pulses} pulses ({lim.duration:.1f} s) at {rate:g} Hz before the winding reaches 41 °C")
    print(f"after a 10 s train (200 pulses): {thermal.temperature(200, rate, q):.1f} °C")
    return out, d, thermal, q, lim


def test_readme_example():
    lines, d, thermal, q, lim = readme_example()
    # the winding cannot dissipate more than the circuit loses (its R is part of the circuit's)
    assert 0 < q < d.energy.dissipated
    assert thermal.temperature(lim.pulses, 20.0, q) <= 41.0 < thermal.temperature(lim.pulses + 1,
                                                                                  20.0, q)
    print("\n".join(lines))
