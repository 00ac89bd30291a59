"""SENN: the spatially extended nonlinear node model of a myelinated fibre (Reilly 1985).

A fibre of ``N`` nodes of Ranvier (placed by a callable ``ve``: straight, odd ``N``, a node at the
middle) joined by internodes
whose myelin is a perfect insulator, so the internode is a pure axial resistor. Each node has an
active membrane chosen by ``node``:

* ``"fh"`` (default) — Frankenhaeuser–Huxley, Reilly's SENN (amphibian node, 22 °C): sodium,
  potassium and the non-specific "p" current through Goldman–Hodgkin–Katz flux equations, plus
  a linear leak; parameters :class:`SennParameters`.
* ``"crrss"`` — the mammalian (rabbit) node of Chiu, Ritchie, Rogart & Stagg (1979) as used by
  Sweeney, Mortimer & Durand (1987) at 37 °C ("CRRSS"): fast sodium ``g_Na m²h (V - E_Na)`` and a
  leak, no potassium current; parameters :class:`CrrssParameters` (by default also Sweeney's
  cable: axon 0.6 D, node 1.5 µm, ρ_i 54.7 Ω·cm, internode 100 D). A mammalian node for
  fibres outside MRG's 5.7–16 µm (small Aβ/II fibres, large Ia afferents).

The extracellular potential at the
nodes is ``V_e(t) = amplitude · ve · w(t)``; it drives node ``n`` through the second difference
``G_a (V_e[n-1] - 2 V_e[n] + V_e[n+1])`` (McNeal 1976; Reilly, Freeman & Larkin 1985, IEEE TBME
32:1001; Reilly & Diamant 2011, *Electrostimulation*).

Geometry (fibre diameter ``D``): nodal axon diameter ``d = 0.7 D``, internode ``L = 100 D``, node
length ``l = 2.5 µm`` (SENN; CRRSS defaults 0.6 D, 100 D, 1.5 µm); axial conductance
``G_a = π d² / (4 ρ_i L)``, nodal area ``π d l``. Parameters are those of
:class:`SennParameters` (REFERENCES.md §6) or :class:`CrrssParameters`.

Choices (the same for every call; stated here once):

* **End nodes**: sealed ends (no axial current leaves the fibre; the end node sees one
  neighbour and one-sided ``V_e`` difference ``V_e[1] - V_e[0]``). All nodes, the end nodes
  included, carry the active membrane as in Reilly's program ("51 active nodes");
  ``passive_ends=True`` makes the end nodes passive (C_m and g_L only), the NEURON/PyFibers
  protocol.
* **Branching**: with ``parent`` (:mod:`.topology`, Hines order) the nodes form a tree: a
  branch node is linked to its parent and its children, the drive is the graph Laplacian of
  ``V_e`` and every end (terminal) is sealed; ``detect`` names the detection node.
* **Action potential**: the node 90 % along the fibre (index ``round(0.9 (N-1))``) depolarises
  by ``ap_threshold`` above rest: FH 80 mV (its propagated action potential peaks ≈ 114 mV
  above rest), CRRSS 50 mV, i.e. -30 mV (its action potential peaks ≈ 90 mV above rest):
  far above any subthreshold or passive response there, well below the propagated action
  potential. A run stops as soon as that happens.
  The *site* is the node that crosses the same level first, the *time* when it does.
* **Time stepping**: Crank–Nicolson for the cable with the ionic current linearised, gates by
  the exact exponential update at staggered half steps (second order overall), ``dt = 1 µs`` by
  default; the waveform enters as its exact average over each step, so pulse edges between
  steps deliver the right charge. Rates and GHK factors come from a 0.1 mV lookup table
  (``exact_rates=True`` evaluates them directly; the two agree to ≈ 1e-4 in threshold).
* **A run without an AP** ends when the stimulus is over and every node is back within 1 mV of
  rest with m < 0.005 (CRRSS: m < 0.01; no node can then fire), or at ``t_stop``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
import numpy as np

from .._validate import as_points, positive_int, real_scalar, unit_vector
from ..errors import CoilsimTypeError, CoilsimValueError
from . import _cable_kernels as K
from .topology import chain_parent, check_parent, degree, laplacian

__all__ = [
    "NODES",
    "CrrssParameters",
    "SennParameters",
    "SennRun",
    "SennThreshold",
    "point_source_potential",
    "senn_node_positions",
    "senn_simulate",
    "senn_threshold",
]

#: Faraday constant (C/mol) and molar gas constant (J/(mol·K)), CODATA 2018 (exact SI values)
FARADAY = 96485.33212
GAS_CONSTANT = 8.314462618


@dataclass(frozen=True)
class SennParameters:
    """Parameters of the SENN fibre, SI units (defaults: Reilly's SENN, REFERENCES.md §6).

    Attributes
    ----------
    axon_ratio : nodal axon diameter / fibre diameter (0.7).
    internode_ratio : internode length / fibre diameter (100).
    node_length : nodal gap width, m (2.5 µm).
    rho_i : axoplasm resistivity, Ω·m (110 Ω·cm).
    c_m : nodal membrane capacitance, F/m² (2 µF/cm²).
    g_l : leak conductance, S/m² (30.365 mS/cm²).
    v_leak : leak reversal as a depolarisation from rest, V (0.026 mV).
    v_rest : resting potential, V (-70 mV).
    p_na, p_k, p_p : permeabilities, m/s (8e-3, 1.2e-3, 0.54e-3 cm/s).
    na_o, na_i, k_o, k_i : concentrations, mol/m³ = mM (114.5, 13.74, 2.5, 120).
    temperature : K (295.18).
    """

    axon_ratio: float = 0.7
    internode_ratio: float = 100.0
    node_length: float = 2.5e-6
    rho_i: float = 1.10
    c_m: float = 2e-2
    g_l: float = 303.65
    v_leak: float = 0.026e-3
    v_rest: float = -70e-3
    p_na: float = 8e-5
    p_k: float = 1.2e-5
    p_p: float = 0.54e-5
    na_o: float = 114.5
    na_i: float = 13.74
    k_o: float = 2.5
    k_i: float = 120.0
    temperature: float = 295.18

    def __post_init__(self):
        for name in ("axon_ratio", "internode_ratio", "node_length", "rho_i", "c_m", "g_l",
                     "p_na", "p_k", "p_p", "na_o", "na_i", "k_o", "k_i", "temperature"):
            real_scalar(getattr(self, name), f"SennParameters.{name}", positive=True)
        for name in ("v_leak", "v_rest"):
            real_scalar(getattr(self, name), f"SennParameters.{name}")

    def kernel_constants(self) -> np.ndarray:
        """The constants vector of the kernels (mV, ms, µA/cm², mM)."""
        c = np.empty(K.N_CONSTS)
        c[K.C_KU] = FARADAY / (GAS_CONSTANT * self.temperature) * 1e-3   # per mV
        c[K.C_VREST] = self.v_rest * 1e3
        c[K.C_NAO] = self.na_o
        c[K.C_NAI] = self.na_i
        c[K.C_KO] = self.k_o
        c[K.C_KI] = self.k_i
        # P (cm/s) · F (C/mol) · c (mM = 1e-6 mol/cm³) = 1e-6 A/cm² = µA/cm²
        c[K.C_PNA] = self.p_na * 100.0 * FARADAY
        c[K.C_PK] = self.p_k * 100.0 * FARADAY
        c[K.C_PP] = self.p_p * 100.0 * FARADAY
        c[K.C_GL] = self.g_l * 0.1                                   # S/m² -> mS/cm²
        c[K.C_VL] = self.v_leak * 1e3
        c[K.C_GNA] = 0.0
        c[K.C_ENA] = 0.0
        c[K.C_QT] = 1.0
        return c


@dataclass(frozen=True)
class CrrssParameters:
    """Parameters of a SENN fibre with CRRSS (mammalian) nodes, SI units.

    The node ("CRRSS"): Chiu, Ritchie, Rogart & Stagg 1979 (J Physiol 292:149), rabbit sciatic
    node, as used at 37 °C by Sweeney, Mortimer & Durand 1987 (Proc 9th IEEE EMBS, 1577–1578):
    ``I = g_Na m² h (V - E_Na) + g_L (V - E_L)``, no potassium current; rates in
    :mod:`coilsim.nerves._cable_kernels`, all multiplied by ``q10^((T - 37 °C)/10)``.
    The cable defaults are Sweeney's (also PySONIC/MorphoSONIC's ``SweeneyFiber``); pass
    ``axon_ratio=0.7, node_length=2.5e-6, rho_i=1.10`` for Reilly's SENN geometry.

    Attributes
    ----------
    axon_ratio : nodal axon diameter / fibre diameter (0.6).
    internode_ratio : internode length / fibre diameter (100).
    node_length : nodal gap width, m (1.5 µm).
    rho_i : axoplasm resistivity, Ω·m (54.7 Ω·cm).
    c_m : nodal membrane capacitance, F/m² (2.5 µF/cm²).
    g_na : maximal sodium conductance, S/m² (1445 mS/cm²).
    g_l : leak conductance, S/m² (128 mS/cm²).
    e_na : sodium reversal potential (absolute), V (35.64 mV).
    e_l : leak reversal potential (absolute), V (-80.01 mV: balances the sodium window current
        at rest to 1 µV).
    v_rest : resting potential, V (-80 mV); the fibre starts there with gates at steady state.
    temperature : K (310.15 = 37 °C, where the published rates hold).
    q10 : temperature coefficient of every rate constant (3).
    """

    axon_ratio: float = 0.6
    internode_ratio: float = 100.0
    node_length: float = 1.5e-6
    rho_i: float = 0.547
    c_m: float = 2.5e-2
    g_na: float = 1.445e4
    g_l: float = 1.28e3
    e_na: float = 35.64e-3
    e_l: float = -80.01e-3
    v_rest: float = -80e-3
    temperature: float = 310.15
    q10: float = 3.0

    def __post_init__(self):
        for name in ("axon_ratio", "internode_ratio", "node_length", "rho_i", "c_m", "g_na", "g_l",
                     "temperature", "q10"):
            real_scalar(getattr(self, name), f"CrrssParameters.{name}", positive=True)
        for name in ("e_na", "e_l", "v_rest"):
            real_scalar(getattr(self, name), f"CrrssParameters.{name}")
        if not 0.0 < self.axon_ratio <= 1.0:
            raise CoilsimValueError(f"CrrssParameters.axon_ratio must lie in (0, 1] (axon inside the "
                                    f"myelin); got {self.axon_ratio}")

    def kernel_constants(self) -> np.ndarray:
        """The constants vector of the kernels (mV relative to rest, mS/cm², rate factor)."""
        c = np.zeros(K.N_CONSTS)
        c[K.C_VREST] = self.v_rest * 1e3
        c[K.C_GL] = self.g_l * 0.1                                   # S/m² -> mS/cm²
        c[K.C_VL] = (self.e_l - self.v_rest) * 1e3
        c[K.C_GNA] = self.g_na * 0.1
        c[K.C_ENA] = (self.e_na - self.v_rest) * 1e3
        c[K.C_QT] = self.q10 ** ((self.temperature - 310.15) / 10.0)
        return c


_DEFAULT_PARAMETERS = SennParameters()

#: node membranes of the SENN cable, with their parameter classes
NODES = ("fh", "crrss")
_NODE_PARAMS = {"fh": SennParameters, "crrss": CrrssParameters}
_NODE_KIND = {"fh": K.KIND_FH, "crrss": K.KIND_CRRSS}


def node_parameters(node="fh", params=None):
    """``(node, params)`` validated: ``node`` one of :data:`NODES`, ``params`` of its class
    (:class:`SennParameters` for "fh", :class:`CrrssParameters` for "crrss"; None: defaults)."""
    if not isinstance(node, str):
        raise CoilsimTypeError(f"node must be a string, one of {NODES}; got {type(node).__name__}")
    key = node.lower()
    if key not in _NODE_PARAMS:
        raise CoilsimValueError(f"node must be one of {NODES} (Frankenhaeuser–Huxley, CRRSS "
                                f"mammalian node); got {node!r}")
    cls = _NODE_PARAMS[key]
    if params is None:
        return key, cls()
    if not isinstance(params, cls):
        raise CoilsimTypeError(f"params must be a {cls.__name__} for node={key!r}; got "
                               f"{type(params).__name__}")
    return key, params

# lookup table of rates and GHK factors (mV)
_TABLE_V_LO = -200.0
_TABLE_DV = 0.1
_TABLE_N = 5001

#: node count of a fibre given by a callable ``ve`` (Reilly's SENN program: 51 active nodes)
DEFAULT_N_NODES = 51
AP_THRESHOLD = 80e-3          # V above rest (FH)
#: the default AP detection level per node membrane, V above rest: FH's action potential peaks
#: ≈ 114 mV above rest, CRRSS's ≈ 90 mV (no potassium current), so CRRSS uses -30 mV absolute
AP_THRESHOLDS = {"fh": AP_THRESHOLD, "crrss": 50e-3}
AP_NODE_FRACTION = 0.9
QUIET_V = 1e-3                # V
QUIET_M = 0.005               # FH
#: the quiet criterion's m per node membrane (CRRSS: m is 0.0033 at rest, 0.01 ≈ m∞ 5 mV above)
_QUIET_M = {"fh": QUIET_M, "crrss": 0.01}
#: default search ceiling: the amplitude at which a passive fibre (C_m and g_L only) would be
#: depolarised by this much somewhere (about 100 times what fires a node)
MAX_PASSIVE_DEPOLARISATION = 2.0   # V
#: first guess: the amplitude at which the passive fibre peaks at this depolarisation
_GUESS_PASSIVE_DEPOLARISATION = 20e-3
#: slowest conduction velocity assumed when sizing the default simulation time, m/s per m of
#: fibre diameter (SENN conducts at several m/s per µm; this is a floor, not an estimate)
_SLOW_VELOCITY_PER_DIAMETER = 0.5e6


@dataclass(frozen=True)
class SennRun:
    """One SENN simulation (:func:`senn_simulate`).

    Attributes
    ----------
    t : (n_rec,) s, times of the recorded samples (empty unless recorded).
    v : (n_rec, N) V, membrane depolarisation (V_m - V_rest) at the nodes.
    v_max : (N,) V, the largest depolarisation each node reached.
    t_cross : (N,) s, when each node first crossed ``ap_threshold`` (``inf``: never).
    fired : whether the detection node crossed ``ap_threshold`` (a propagated AP).
    status : "ap", "quiet" (back to rest, no AP) or "timeout" (``t_stop`` reached).
    t_end : s, when the run stopped.
    detect_node : the detection node's index.
    """

    t: np.ndarray
    v: np.ndarray
    v_max: np.ndarray
    t_cross: np.ndarray
    fired: bool
    status: str
    t_end: float
    detect_node: int


@dataclass(frozen=True)
class SennThreshold:
    """Result of a cable-model threshold search (:func:`senn_threshold`; MRG's
    :class:`~coilsim.nerves.mrg.MrgThreshold` only renames the model); unpacks as
    ``amplitude, site, time``.

    Attributes
    ----------
    amplitude : the lowest tested multiplier of ``ve·w(t)`` that fired a propagating action
        potential (bisection bracket ``[amplitude/(1+rel_tol), amplitude]``); ``inf`` when
        ``reached`` is False.
    site : index of the node where the action potential started (first to cross the AP
        level at ``amplitude``); -1 when not reached.
    time : s, when the site crossed the AP level; ``inf`` when not reached.
    reached : False when no AP fired up to ``max_amplitude`` ("not reached up to X").
    max_amplitude : the ceiling the search used.
    lower : the highest tested amplitude that did not fire (0 if none was tested).
    n_runs : simulations the search took.
    """

    amplitude: float
    site: int
    time: float
    reached: bool
    max_amplitude: float
    lower: float
    n_runs: int

    def __iter__(self):
        return iter((self.amplitude, self.site, self.time))

    #: model name used in the text form
    MODEL = "SENN"

    def __str__(self):
        if not self.reached:
            return f"{self.MODEL} threshold not reached up to {self.max_amplitude:.6g}"
        return (f"{self.MODEL} threshold {self.amplitude:.6g} (node {self.site}, "
                f"t = {self.time * 1e6:.1f} µs, {self.n_runs} runs)")


# --------------------------------------------------------------------------- helpers


def point_source_potential(node_positions, source_pos, current, rho_e) -> np.ndarray:
    """Potential of a point current source in an infinite homogeneous medium.

    ``V = ρ_e I / (4π r)``.

    Parameters
    ----------
    node_positions : (..., 3) array, m.
    source_pos : (3,) m, the electrode position.
    current : A, the current leaving the electrode into the medium (negative: a cathode).
    rho_e : Ω·m, medium resistivity (300 Ω·cm = 3 Ω·m).

    Returns
    -------
    (...) array, V.
    """
    pts = as_points(node_positions, "node_positions")
    src = as_points(source_pos, "source_pos")
    if src.shape != (3,):
        raise CoilsimTypeError(f"source_pos must be one point of shape (3,); got shape {src.shape}")
    current = real_scalar(current, "current")
    rho_e = real_scalar(rho_e, "rho_e", positive=True)
    r = np.linalg.norm(pts - src, axis=-1)
    if np.any(r == 0.0):
        raise CoilsimValueError("node_positions coincides with source_pos: the potential of a point "
                                "source is infinite there; move the electrode off the fibre")
    return rho_e * current / (4.0 * math.pi * r)


def senn_node_positions(diameter, n_nodes=51, center=(0.0, 0.0, 0.0), direction=(1.0, 0.0, 0.0),
                        params=None) -> np.ndarray:
    """Positions (m) of the ``n_nodes`` nodes of a straight SENN fibre, shape (n_nodes, 3).

    The middle node sits at ``center``; nodes are ``internode_ratio · diameter`` apart along
    ``direction`` (node 0 at the ``-direction`` end); ``params``: :class:`SennParameters` or
    :class:`CrrssParameters` (None: SENN's; both space nodes 100 D apart by default).
    """
    if params is None:
        params = _DEFAULT_PARAMETERS
    elif not isinstance(params, (SennParameters, CrrssParameters)):
        raise CoilsimTypeError(f"params must be a SennParameters or CrrssParameters; got "
                               f"{type(params).__name__}")
    diameter = real_scalar(diameter, "diameter", positive=True)
    n = _node_count(n_nodes, "n_nodes")
    c = as_points(center, "center")
    if c.shape != (3,):
        raise CoilsimTypeError(f"center must be one point of shape (3,); got shape {c.shape}")
    u = unit_vector(direction, "direction")
    s = (np.arange(n) - (n - 1) // 2) * (params.internode_ratio * diameter)
    return c + s[:, None] * u


def _node_count(n, name):
    n = positive_int(n, name, minimum=3)
    if n % 2 == 0:
        raise CoilsimValueError(f"{name} must be odd (a node at the middle of the fibre); got {n}")
    return n


def _ve_nodes(ve, diameter, n_nodes, center, direction, params, tree=False):
    """Validate ``ve`` (array or callable) -> (N,) float64 V per unit amplitude (``tree``: a
    branching fibre, an array)."""
    if callable(ve) and tree:
        raise CoilsimTypeError("ve must be an array of nodal potentials (V) when parent is given "
                               "(a callable ve places a straight fibre)")
    if callable(ve):
        pos = senn_node_positions(diameter, n_nodes, center, direction, params)
        try:
            arr = np.asarray(ve(pos), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise CoilsimTypeError(f"ve (callable) must return an array of shape ({pos.shape[0]},) "
                                   f"of potentials in V; calling it failed: {exc}") from exc
        if arr.shape != (pos.shape[0],):
            raise CoilsimTypeError(f"ve (callable) must return shape ({pos.shape[0]},) for the "
                                   f"(N, 3) node positions; got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise CoilsimValueError("ve (callable) returned NaN or inf potentials; it must give finite "
                                    "potentials (V) at every node")
        return arr
    try:
        arr = np.asarray(ve, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError("ve must be a 1-D array of nodal potentials (V) or a callable "
                               f"node_positions -> potentials; got {type(ve).__name__}") from exc
    if arr.ndim != 1:
        raise CoilsimTypeError(f"ve must be a 1-D array with one potential (V) per node; got shape {arr.shape}")
    if arr.shape[0] < 3:
        raise CoilsimValueError(f"ve must have at least 3 nodes; got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise CoilsimValueError("ve contains NaN or inf; pass finite potentials (V) at every node")
    return arr


_GL_X = np.array([-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526])
_GL_W = np.array([0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538])


def _waveform_steps(waveform, dt, duration):
    """Average of w(t) over each step [k dt, (k+1) dt) that the stimulus touches -> (n_stim,).

    ``waveform`` is ``(t, w)`` samples (piecewise linear, zero outside ``[t[0], t[-1]]``), an
    object with ``.t`` and ``.w`` (a coilsim Pulse) or a callable ``w(t)`` (vectorised over a
    NumPy array of seconds) that is used on ``[0, duration]`` and averaged per step by 4-point
    Gauss–Legendre quadrature.
    """
    if callable(waveform) and not hasattr(waveform, "t"):
        if duration is None:
            raise CoilsimValueError("duration is required with a callable waveform: give the time (s) "
                                    "after which w(t) is zero")
        duration = real_scalar(duration, "duration", positive=True)
        n_stim = max(1, int(math.ceil(duration / dt - 1e-9)))
        t0 = np.arange(n_stim) * dt
        h = np.minimum(dt, duration - t0)          # the last step may end past `duration`
        tq = t0[:, None] + 0.5 * h[:, None] * (1.0 + _GL_X[None, :])
        try:
            wq = np.asarray(waveform(tq.ravel()), dtype=np.float64)
            if wq.shape != (tq.size,):
                raise ValueError
        except (TypeError, ValueError):
            try:
                wq = np.array([float(waveform(float(x))) for x in tq.ravel()])
            except (TypeError, ValueError) as exc:
                raise CoilsimTypeError("waveform (callable) must map time (s) to a real number") from exc
        if not np.all(np.isfinite(wq)):
            raise CoilsimValueError("waveform (callable) returned NaN or inf on [0, duration]")
        wq = wq.reshape(tq.shape)
        wbar = 0.5 * (wq @ _GL_W) * (h / dt)
        return wbar, float(duration)
    if hasattr(waveform, "t") and hasattr(waveform, "w"):
        t, w = waveform.t, waveform.w
    else:
        try:
            t, w = waveform
        except (TypeError, ValueError) as exc:
            raise CoilsimTypeError("waveform must be (t, w) arrays, an object with .t and .w, or a "
                                   f"callable w(t); got {type(waveform).__name__}") from exc
    try:
        t = np.asarray(t, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError("waveform (t, w) must be two 1-D arrays of numbers") from exc
    if t.ndim != 1 or w.shape != t.shape or t.size < 2:
        raise CoilsimTypeError(f"waveform (t, w) must be two 1-D arrays of the same length >= 2; "
                               f"got shapes {t.shape} and {w.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(w))):
        raise CoilsimValueError("waveform contains NaN or inf; pass finite times (s) and values")
    if t[0] < 0.0 or np.any(np.diff(t) < 0.0):
        raise CoilsimValueError("waveform times must start at >= 0 s and never decrease")
    if t[-1] <= 0.0:
        raise CoilsimValueError("waveform must last longer than 0 s")
    n_stim = max(1, int(math.ceil(t[-1] / dt - 1e-9)))
    tb = np.arange(n_stim + 1) * dt
    h = np.diff(t)
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (w[1:] + w[:-1]) * h)))
    i = np.clip(np.searchsorted(t, tb, side="right") - 1, 0, t.size - 2)
    tau = np.clip(tb - t[i], 0.0, None)
    hi = h[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(hi > 0.0, (w[i + 1] - w[i]) / hi, 0.0)
    tau = np.minimum(tau, hi)
    W = cum[i] + w[i] * tau + 0.5 * slope * tau * tau
    W = np.where(tb <= t[0], 0.0, np.where(tb >= t[-1], cum[-1], W))
    return np.diff(W) / dt, float(t[-1])


@lru_cache(maxsize=16)
def _table(dt_ms: float, params):
    c = params.kernel_constants()
    if isinstance(params, CrrssParameters):
        tab = np.empty((_TABLE_N, K.N_CRRSS_COLS))
        K.build_crrss_table(_TABLE_V_LO, _TABLE_DV, dt_ms, c, tab)
    else:
        tab = np.empty((_TABLE_N, K.N_TABLE_COLS))
        K.build_table(_TABLE_V_LO, _TABLE_DV, dt_ms, c, tab)
    tab.setflags(write=False)
    return tab


_EXACT_TABLE = np.zeros((1, K.N_TABLE_COLS))


def _rest_gates(params) -> np.ndarray:
    """Gates at rest (steady state at zero depolarisation), shape (4,)."""
    g0 = np.empty(4)
    if isinstance(params, CrrssParameters):
        K.crrss_steady_gates(0.0, params.kernel_constants(), g0)
    else:
        K.steady_gates(0.0, g0)
    return g0


@dataclass
class _Setup:
    """Everything a run needs, in kernel units."""

    n: int
    ga: float
    cm: float
    drive: np.ndarray
    wbar: np.ndarray
    t_stim: float            # s
    dt_ms: float
    theta: float
    table: np.ndarray
    v_lo: float
    inv_dv: float
    consts: np.ndarray
    active: np.ndarray
    parent: np.ndarray
    detect: int
    v_ap: float              # mV
    gates0: np.ndarray = field(repr=False)
    t_stop: float = 0.0      # s
    kind: int = K.KIND_FH
    quiet_m: float = 0.005


def _setup(diameter, ve, waveform, *, n_nodes, duration, dt, t_stop, ap_threshold, passive_ends,
           exact_rates, scheme, params, center, direction, node="fh", parent=None, detect=None):
    node, params = node_parameters(node, params)
    diameter = real_scalar(diameter, "diameter", positive=True)
    dt = real_scalar(dt, "dt", positive=True)
    if dt > 20e-6:
        raise CoilsimValueError(f"dt must be <= 20 µs (the nodal kinetics need a few µs); got {dt} s")
    if ap_threshold is None:
        ap_threshold = AP_THRESHOLDS[node]
    ap_threshold = real_scalar(ap_threshold, "ap_threshold", positive=True)
    if scheme not in ("cn", "be"):
        raise CoilsimValueError(f"scheme must be 'cn' (Crank–Nicolson) or 'be' (backward Euler); got {scheme!r}")
    if callable(ve):
        n_nodes = _node_count(DEFAULT_N_NODES if n_nodes is None else n_nodes, "n_nodes")
    elif n_nodes is not None:
        n_nodes = _node_count(n_nodes, "n_nodes")
    vn = _ve_nodes(ve, diameter, n_nodes, center, direction, params, tree=parent is not None) * 1e3   # mV
    n = vn.shape[0]
    parent = chain_parent(n) if parent is None else check_parent(parent, n)
    if n_nodes is not None and n != n_nodes:
        raise CoilsimValueError(f"n_nodes ({n_nodes}) disagrees with len(ve) ({n}); leave n_nodes "
                                "out when ve is an array")
    wbar, t_stim = _waveform_steps(waveform, dt, duration)
    d = params.axon_ratio * diameter
    L = params.internode_ratio * diameter
    area_cm2 = math.pi * d * params.node_length * 1e4
    g_axial = math.pi * d * d / (4.0 * params.rho_i * L)          # S
    ga = g_axial / area_cm2 * 1e3                                   # mS/cm²
    drive = ga * laplacian(vn, parent)
    active = np.ones(n, dtype=np.uint8)
    if passive_ends:
        active[degree(parent) == 1] = 0
    dt_ms = dt * 1e3
    if exact_rates:
        table, v_lo, inv_dv = _EXACT_TABLE, 0.0, 1.0
    else:
        table, v_lo, inv_dv = _table(dt_ms, params), _TABLE_V_LO, 1.0 / _TABLE_DV
    g0 = _rest_gates(params)
    detect = _detect_node(detect, n)
    if t_stop is None:
        length = (n - 1) * L
        t_stop = t_stim + 1e-3 + length / (_SLOW_VELOCITY_PER_DIAMETER * diameter)
    else:
        t_stop = real_scalar(t_stop, "t_stop", positive=True)
    return _Setup(n=n, ga=ga, cm=params.c_m * 100.0, drive=drive, wbar=wbar, t_stim=t_stim,
                  dt_ms=dt_ms, theta=0.5 if scheme == "cn" else 1.0, table=table, v_lo=v_lo,
                  inv_dv=inv_dv, consts=params.kernel_constants(), active=active, parent=parent,
                  detect=detect,
                  v_ap=ap_threshold * 1e3, gates0=g0, t_stop=t_stop, kind=_NODE_KIND[node],
                  quiet_m=_QUIET_M[node])


def _detect_node(detect, n):
    """The detection node: ``round(0.9 (N-1))`` by default, else the given index."""
    if detect is None:
        return int(round(AP_NODE_FRACTION * (n - 1)))
    d = positive_int(detect, "detect", minimum=0)
    if d >= n:
        raise CoilsimValueError(f"detect must be a node index in [0, {n - 1}]; got {d}")
    return d


def _run(s: _Setup, amplitude, *, active=None, t_stop=None, record_every=0):
    """One simulation from rest; returns (status, steps, t_cross ms, vmax mV, rec mV)."""
    n = s.n
    t_stop = s.t_stop if t_stop is None else t_stop
    n_steps = max(1, int(math.ceil(t_stop * 1e3 / s.dt_ms - 1e-9)))
    v = np.zeros(n)
    gates = np.empty((n, 4))
    gates[:] = s.gates0
    t_cross = np.empty(n)
    vmax = np.empty(n)
    if record_every > 0:
        rec = np.full((n_steps // record_every + 1, n), np.nan)
    else:
        rec = np.empty((0, n))
    status, steps = K.run_cable(v, gates, s.active if active is None else active, s.parent, s.ga, s.cm,
                                s.drive, s.wbar, float(amplitude), s.dt_ms, n_steps, s.theta,
                                s.table, s.v_lo, s.inv_dv, s.consts, s.v_ap, s.detect,
                                QUIET_V * 1e3, s.quiet_m, t_cross, rec, max(record_every, 1), vmax,
                                s.kind)
    return status, steps, t_cross, vmax, rec


# --------------------------------------------------------------------------- public API

_STATUS = {K.STATUS_QUIET: "quiet", K.STATUS_AP: "ap", K.STATUS_TIMEOUT: "timeout"}


def senn_simulate(diameter, ve, waveform, amplitude=1.0, *, n_nodes=None, duration=None, dt=1e-6,
                  t_stop=None, record_every=1, ap_threshold=None, passive_ends=False,
                  exact_rates=False, scheme="cn", node="fh", membrane="active", params=None,
                  center=(0.0, 0.0, 0.0), direction=(1.0, 0.0, 0.0), parent=None,
                  detect=None) -> SennRun:
    """Simulate a SENN fibre driven by ``V_e(t) = amplitude · ve · w(t)`` from rest.

    Parameters
    ----------
    diameter : fibre (outer myelin) diameter D, m.
    ve : (N,) extracellular potential at the nodes per unit amplitude, V (N >= 3), or a
        callable ``f(node_positions (N, 3) m) -> (N,) V`` evaluated at
        :func:`senn_node_positions` ``(diameter, n_nodes, center, direction)``.
    waveform : ``(t, w)`` samples (s, dimensionless; piecewise linear, zero outside
        ``[t[0], t[-1]]``), an object with ``.t``/``.w``, or a callable ``w(t)`` with
        ``duration`` (s).
    amplitude : multiplier of ``ve · w``.
    n_nodes : node count when ``ve`` is a callable (odd, >= 3; default 51, Reilly's count);
        with an array ``ve`` it is ``len(ve)``.
    dt : time step, s (1 µs).
    t_stop : s; the run also stops at an AP at the detection node or, after the stimulus, at
        rest. Default: end of the stimulus + 1 ms + the fibre length at 0.5 m/s per µm of D.
    record_every : record ``v`` every this many steps (0: record nothing).
    ap_threshold : V above rest that counts as an action potential (None: 80 mV for "fh",
        50 mV for "crrss", whose action potential peaks ≈ 90 mV above rest).
    passive_ends : make the two end nodes passive (sealed ends either way).
    exact_rates : evaluate rates (and FH's GHK factors) directly instead of the 0.1 mV table.
    scheme : "cn" (Crank–Nicolson, default) or "be" (backward Euler).
    node : the nodal membrane, one of :data:`NODES`: "fh" (Frankenhaeuser–Huxley, Reilly's
        SENN; default) or "crrss" (mammalian rabbit node, Sweeney 1987, 37 °C).
    membrane : "active" (every node carries ``node``'s channels; default) or "passive"
        (every node C_m and g_L only, a linear cable). "fh" is accepted for "active".
    params : :class:`SennParameters` for ``node="fh"``, :class:`CrrssParameters` for
        ``node="crrss"``; None: the published defaults.
    center, direction : placement of the fibre for a callable ``ve`` (m, unit vector).
    parent : (N,) int, a branching fibre's links in Hines order (:mod:`.topology`; ``ve`` an
        array); None: an unbranched fibre.
    detect : the detection node (default ``round(0.9 (N-1))``).

    Returns
    -------
    SennRun
    """
    s = _setup(diameter, ve, waveform, n_nodes=n_nodes, duration=duration, dt=dt, t_stop=t_stop,
               ap_threshold=ap_threshold, passive_ends=passive_ends, exact_rates=exact_rates,
               scheme=scheme, params=params, center=center, direction=direction, node=node,
               parent=parent, detect=detect)
    amplitude = real_scalar(amplitude, "amplitude")
    record_every = positive_int(record_every, "record_every", minimum=0)
    if membrane not in ("active", "passive", "fh"):
        raise CoilsimValueError(f"membrane must be 'active' or 'passive' (the node model is "
                                f"node=, one of {NODES}); got {membrane!r}")
    active = None if membrane != "passive" else np.zeros(s.n, dtype=np.uint8)
    status, steps, t_cross, vmax, rec = _run(s, amplitude, active=active, record_every=record_every)
    if record_every > 0:
        n_rec = steps // record_every + 1
        v = rec[:n_rec] * 1e-3
        t = np.arange(n_rec) * (record_every * dt)
    else:
        v = np.empty((0, s.n))
        t = np.empty(0)
    tc = np.where(t_cross >= 0.0, t_cross * 1e-3, np.inf)
    return SennRun(t=t, v=v, v_max=vmax * 1e-3, t_cross=tc, fired=status == K.STATUS_AP,
                   status=_STATUS[status], t_end=steps * dt, detect_node=s.detect)


def bracket_and_bisect(fires, guess, max_amplitude, rel_tol, runs, result):
    """The threshold search shared by the cable models: from ``guess``, step down (×1/1.25)
    while ``fires(a)`` -> (fired, t_cross per node, ms) holds, or up to ``max_amplitude``
    until it does, then bisect geometrically to ``rel_tol``. ``runs`` simulations were spent
    before; returns ``result(amplitude, site, time, reached, max_amplitude, lower, n_runs)``."""
    n = [runs]

    def run(a):
        n[0] += 1
        return fires(a)

    factor = 1.25
    lo, hi, hi_cross = 0.0, None, None
    ok, tc = run(guess)
    if ok:
        hi, hi_cross = guess, tc
        while True:
            a = hi / factor
            if a < max_amplitude * 1e-9:
                raise CoilsimValueError("the fibre fires at vanishing amplitude: the stimulus or the "
                                        "parameters make it spontaneously active")
            ok, tc = run(a)
            if ok:
                hi, hi_cross = a, tc
            else:
                lo = a
                break
    else:
        lo = guess
        while hi is None:
            if lo >= max_amplitude:
                return result(math.inf, -1, math.inf, False, float(max_amplitude), lo, n[0])
            a = min(lo * factor, max_amplitude)
            ok, tc = run(a)
            if ok:
                hi, hi_cross = a, tc
            else:
                lo = a
    while hi > lo * (1.0 + rel_tol):
        a = math.sqrt(lo * hi)
        ok, tc = run(a)
        if ok:
            hi, hi_cross = a, tc
        else:
            lo = a
    tc = np.where(hi_cross >= 0.0, hi_cross, np.inf)
    site = int(np.argmin(tc))
    return result(float(hi), site, float(tc[site]) * 1e-3, True, float(max_amplitude), float(lo),
                  n[0])


def senn_threshold(diameter, ve, waveform, *, n_nodes=None, duration=None, dt=1e-6, t_stop=None,
                   rel_tol=0.005, max_amplitude=None, guess=None, ap_threshold=None,
                   passive_ends=False, exact_rates=False, scheme="cn", node="fh", params=None,
                   center=(0.0, 0.0, 0.0), direction=(1.0, 0.0, 0.0), parent=None,
                   detect=None) -> SennThreshold:
    """Lowest amplitude of ``V_e(t) = amplitude · ve · w(t)`` that fires a propagating AP.

    Bracketing from a first guess, then bisection on a log scale until the bracket
    ``[lower, amplitude]`` is within ``rel_tol``; every run stops as soon as the AP reaches the
    detection node (90 % along the fibre, or ``detect``). Arguments as :func:`senn_simulate`
    (``node="crrss"`` for the mammalian node; ``parent`` for a branching fibre), and:

    Parameters
    ----------
    rel_tol : relative width of the final bracket (0.5 %).
    max_amplitude : search ceiling; above it the result says "not reached up to X"
        (``reached=False``). Default: the amplitude at which the fibre with passive nodes would
        peak 2 V above rest somewhere (≈ 100× what fires a node).
    guess : first amplitude to try (default: the amplitude at which the passive fibre peaks
        20 mV above rest).

    Returns
    -------
    SennThreshold : ``amplitude`` in the units of the multiplier (A if ``ve`` is the
        potential per ampere of electrode current), ``site`` (node index), ``time`` (s);
        unpacks as ``amplitude, site, time``.

    Notes
    -----
    Polarity is as given: a cathodic stimulus needs ``ve·w < 0`` near the fibre (e.g.
    ``point_source_potential(..., current=-1.0, ...)`` with ``w > 0``).
    """
    s = _setup(diameter, ve, waveform, n_nodes=n_nodes, duration=duration, dt=dt, t_stop=t_stop,
               ap_threshold=ap_threshold, passive_ends=passive_ends, exact_rates=exact_rates,
               scheme=scheme, params=params, center=center, direction=direction, node=node,
               parent=parent, detect=detect)
    rel_tol = real_scalar(rel_tol, "rel_tol", positive=True)
    if not 1e-6 <= rel_tol <= 0.5:
        raise CoilsimValueError(f"rel_tol must lie in [1e-6, 0.5]; got {rel_tol}")
    if max_amplitude is not None:
        max_amplitude = real_scalar(max_amplitude, "max_amplitude", positive=True)
    if guess is not None:
        guess = real_scalar(guess, "guess", positive=True)

    if not np.any(s.drive != 0.0) or not np.any(s.wbar != 0.0):
        ceiling = math.inf if max_amplitude is None else max_amplitude
        return SennThreshold(math.inf, -1, math.inf, False, ceiling, 0.0, 0)

    n_runs = 0
    if guess is None or max_amplitude is None:
        # the passive (linear) response at unit amplitude scales the first guess and the ceiling
        _, _, _, vmax, _ = _run(s, 1.0, active=np.zeros(s.n, dtype=np.uint8),
                                t_stop=s.t_stim + 0.5e-3)
        n_runs += 1
        peak = float(np.max(vmax)) * 1e-3          # V per unit amplitude
        if peak <= 0.0:                             # cannot happen with sealed ends; be safe
            peak = float(np.max(np.abs(vmax))) * 1e-3
        if guess is None:
            guess = _GUESS_PASSIVE_DEPOLARISATION / peak
        if max_amplitude is None:
            max_amplitude = MAX_PASSIVE_DEPOLARISATION / peak
    guess = min(guess, max_amplitude)

    def fires(a):
        status, _, t_cross, _, _ = _run(s, a)
        return status == K.STATUS_AP, t_cross

    return bracket_and_bisect(fires, guess, max_amplitude, rel_tol, n_runs, SennThreshold)
