"""MRG: the McIntyre–Richardson–Grill double-cable mammalian motor axon (2002).

McIntyre CC, Richardson AG, Grill WM (2002) J Neurophysiol 87:995 (ModelDB 3810; PyFibers
``MRG_DISCRETE``). Each internode is MYSA – FLUT – 6 × STIN – FLUT – MYSA between nodes of
Ranvier; every compartment has an axon layer and a periaxonal layer (REFERENCES.md §6):

* node (1 µm, nodal diameter): fast Na (m³h), persistent Na (p³), slow K (s), leak; 2 µF/cm²;
  AXNODE.mod kinetics at 37 °C with Q10 2.2 / 2.9 / 3.0; periaxonal layer shorted to the outside;
* MYSA (3 µm, periaxonal space 2 nm), FLUT and STIN (4 nm): passive axon membrane (2 µF/cm²,
  MYSA 1 mS/cm², FLUT/STIN 0.1 mS/cm², scaled to the axon's surface, reversal −80 mV) under
  a myelin sheath of ``2 × lamellae`` membranes of 0.1 µF/cm² and 1 mS/cm² each;
* axoplasm 70 Ω·cm; periaxonal longitudinal resistance of the annulus ``ρ_a / (π((d/2+w)² − (d/2)²))``.

Geometry for a fibre diameter D: the published table (5.7–16 µm: node spacing, FLUT length, axon
and node diameters, lamellae), linear interpolation between entries; outside it an error unless
``extrapolate=True`` (linear continuation of the nearest two entries).

Numerics (the NEURON protocol, REFERENCES.md §6): backward Euler at 5 µs, one compartment per
section, membrane currents linearised with the gates of the previous step and the gates advanced
with the new potential (NEURON's fixed step, ``secondorder = 0``); a 2×2 block Thomas solve per
step on the cable's tree (:mod:`._mrg_kernels`). Extracellular potential
``V_e(t) = amplitude · ve · w̄_k`` with ``w̄_k`` the waveform averaged over step k; the ends of
both layers are sealed.

Branching: with ``parent`` (the nodes' links in Hines order, :mod:`.topology`) every link
between a node and its parent node is one internode (MYSA – FLUT – 6 STIN – FLUT – MYSA,
leaving the parent node), so a branch point is a node of Ranvier with three or more internodes
(:func:`compartment_layout`); an unbranched fibre is ``parent[i] = i - 1``.

An action potential: the node 90 % along the fibre (or ``detect``) reaches ``ap_threshold`` =
−30 mV (PyFibers' default detection level); the run stops there. End nodes (every terminal of a
branching fibre) are passive by default (``passive_ends=True``: C_m and g = 7 mS/cm² to −80 mV,
the NEURON/PyFibers protocol).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import real_scalar
from ..errors import CoilsimTypeError, CoilsimValueError
from . import _mrg_kernels as K
from .topology import chain_parent, check_parent, degree, laplacian
from .senn import SennThreshold, _detect_node, _waveform_steps, bracket_and_bisect

__all__ = ["MRG_TABLE", "MrgGeometry", "MrgRun", "mrg_geometry", "mrg_simulate", "mrg_threshold",
           "MRG_DIAMETER_RANGE"]

#: ModelDB 3810 / REFERENCES.md §6: D (µm), node spacing (µm), FLUT length (µm), axon diameter
#: (µm, also the FLUT diameter), node diameter (µm, also the MYSA diameter), lamellae
MRG_TABLE = np.array([
    [5.7, 500.0, 35.0, 3.4, 1.9, 80.0],
    [7.3, 750.0, 38.0, 4.6, 2.4, 100.0],
    [8.7, 1000.0, 40.0, 5.8, 2.8, 110.0],
    [10.0, 1150.0, 46.0, 6.9, 3.3, 120.0],
    [11.5, 1250.0, 50.0, 8.1, 3.7, 130.0],
    [12.8, 1350.0, 54.0, 9.2, 4.2, 135.0],
    [14.0, 1400.0, 56.0, 10.4, 4.7, 140.0],
    [15.0, 1450.0, 58.0, 11.5, 5.0, 145.0],
    [16.0, 1500.0, 60.0, 12.7, 5.5, 150.0],
])
MRG_TABLE.flags.writeable = False
MRG_DIAMETER_RANGE = (5.7e-6, 16e-6)

RHO_A = 0.7            # Ω·m (70 Ω·cm)
NODE_LENGTH = 1e-6
MYSA_LENGTH = 3e-6
SPACE_MYSA = 2e-9      # periaxonal space under MYSA and at the node
SPACE_OTHER = 4e-9     # under FLUT and STIN
C_M = 2e-2             # F/m² (2 µF/cm²)
MYELIN_C = 0.1e-2      # F/m² per lamella membrane
MYELIN_G = 10.0        # S/m² per lamella membrane (1 mS/cm²)
G_MYSA = 10.0          # S/m² (1 mS/cm²)
G_FLUT_STIN = 1.0      # S/m² (0.1 mS/cm²)
E_PAS = -80e-3
N_STIN = 6
COMPARTMENTS_PER_INTERNODE = 2 + 2 + N_STIN

V_REST = -80e-3
AP_THRESHOLD = -30e-3          # V, absolute
AP_NODE_FRACTION = 0.9
QUIET_V = 2e-3
QUIET_M = 0.02
END_NODE_G = 70.0              # S/m² (7 mS/cm²) passive end nodes
DT = 5e-6
MAX_PASSIVE_DEPOLARISATION = 2.0
_GUESS_PASSIVE_DEPOLARISATION = 30e-3
#: slowest conduction assumed when sizing t_stop, m/s per m of diameter (MRG: ≈ 5.6 m/s per µm)
_SLOW_VELOCITY_PER_DIAMETER = 1e6


@dataclass(frozen=True)
class MrgGeometry:
    """MRG geometry for one fibre diameter, SI units."""

    diameter: float
    node_spacing: float
    flut_length: float
    axon_diameter: float
    node_diameter: float
    lamellae: float
    extrapolated: bool = False

    @property
    def stin_length(self) -> float:
        return (self.node_spacing - NODE_LENGTH - 2 * MYSA_LENGTH - 2 * self.flut_length) / N_STIN

    def section_lengths(self) -> np.ndarray:
        """Lengths (m) of node, MYSA, FLUT, 6 STIN, FLUT, MYSA (one period)."""
        return np.array([NODE_LENGTH, MYSA_LENGTH, self.flut_length] + [self.stin_length] * N_STIN
                        + [self.flut_length, MYSA_LENGTH])

    def compartment_offsets(self, n_nodes: int) -> np.ndarray:
        """Arc positions (m) of the compartment centres relative to node 0's centre."""
        lens = self.section_lengths()
        start = np.concatenate(([0.0], np.cumsum(lens)[:-1]))
        centre = start + 0.5 * lens - 0.5 * NODE_LENGTH
        k = np.arange(n_nodes - 1)[:, None] * self.node_spacing
        inter = (k + centre[None, :]).ravel()
        out = np.empty(n_nodes + (n_nodes - 1) * COMPARTMENTS_PER_INTERNODE)
        out[:-1] = inter
        out[-1] = (n_nodes - 1) * self.node_spacing
        return out


def mrg_geometry(diameter, *, extrapolate: bool = False) -> MrgGeometry:
    """The MRG geometry of a fibre of ``diameter`` (m), interpolated in the published table.

    Raises a :class:`~coilsim.CoilsimValueError` outside 5.7–16 µm unless ``extrapolate=True``.
    """
    D = real_scalar(diameter, "diameter", positive=True)
    d_um = D * 1e6
    tab = MRG_TABLE
    lo, hi = tab[0, 0], tab[-1, 0]
    outside = d_um < lo - 1e-9 or d_um > hi + 1e-9
    if outside and not extrapolate:
        raise CoilsimValueError(
            f"diameter {d_um:.4g} µm is outside the MRG model's published range {lo}–{hi} µm; "
            "pass extrapolate=True to extend the geometry table linearly, or use model='senn'")
    if outside:
        i = 0 if d_um < lo else tab.shape[0] - 2
    else:
        i = int(np.clip(np.searchsorted(tab[:, 0], d_um) - 1, 0, tab.shape[0] - 2))
    f = (d_um - tab[i, 0]) / (tab[i + 1, 0] - tab[i, 0])
    row = tab[i] + f * (tab[i + 1] - tab[i])
    g = MrgGeometry(diameter=D, node_spacing=row[1] * 1e-6, flut_length=row[2] * 1e-6,
                    axon_diameter=row[3] * 1e-6, node_diameter=row[4] * 1e-6, lamellae=row[5],
                    extrapolated=bool(outside))
    if min(g.node_spacing, g.flut_length, g.axon_diameter, g.node_diameter, g.lamellae) <= 0 or g.stin_length <= 0:
        raise CoilsimValueError(f"diameter {d_um:.4g} µm extrapolates the MRG table to an impossible "
                                "geometry; stay closer to 5.7–16 µm")
    return g


def _constants(temperature=37.0):
    c = np.empty(K.N_MCONSTS)
    c[K.M_Q10_1] = 2.2 ** ((temperature - 20.0) / 10.0)
    c[K.M_Q10_2] = 2.9 ** ((temperature - 20.0) / 10.0)
    c[K.M_Q10_3] = 3.0 ** ((temperature - 36.0) / 10.0)
    c[K.M_GNAF] = 3.0
    c[K.M_GNAP] = 0.01
    c[K.M_GK] = 0.08
    c[K.M_GL] = 0.007
    c[K.M_ENA] = 50.0
    c[K.M_EK] = -90.0
    c[K.M_EL] = -90.0
    c[K.M_VREST] = V_REST * 1e3
    return c


@dataclass
class _Cable:
    """Per-compartment constants of one MRG fibre (kernel units) and its ve drive."""

    n_nodes: int
    parent: np.ndarray
    node_of: np.ndarray
    kind: np.ndarray
    cap: np.ndarray
    gm: np.ndarray
    em: np.ndarray
    area: np.ndarray
    bmy: np.ndarray
    gmy: np.ndarray
    ga: np.ndarray
    gp: np.ndarray
    consts: np.ndarray
    gates0: np.ndarray
    dt_ms: float
    detect: int
    v_ap: float
    length: float
    gp_full: np.ndarray = None


#: section type of a branch junction (zero length, no membrane; see :func:`compartment_layout`)
JUNCTION = COMPARTMENTS_PER_INTERNODE + 1


def compartment_layout(node_parent: np.ndarray):
    """The compartments of an MRG fibre whose nodes are linked by ``node_parent`` (Hines order).

    Node 0 first; then for every further node ``i`` the internode from ``node_parent[i]`` to
    ``i`` (MYSA, FLUT, 6 STIN, FLUT, MYSA) and node ``i`` itself. For an unbranched fibre this
    is the cable order node, MYSA, ..., MYSA, node, ...

    A node is a short cylinder: the internode towards node 0 (for node 0: its first link)
    joins one end, every other internode the other end, as sections joined with NEURON's
    ``connect(node(1), 0)``. Where two or more internodes share an end (a branch point), they
    meet at a junction — a compartment of zero length and no membrane (section type
    :data:`JUNCTION`, right after its node) linked to the node through half the node and to
    each internode through half its first section; two sections meeting end to end are one link
    through both halves.

    Returns
    -------
    (section, parent, node_of, link): per compartment the section type (0 node, 1 MYSA, 2 FLUT,
    3–8 STIN, 9 FLUT, 10 MYSA: the index in :meth:`MrgGeometry.section_lengths`; ``JUNCTION``),
    its parent compartment (Hines order), its node index (-1 elsewhere) and the node ``i``
    whose internode it belongs to (a node's or a junction's own node).
    """
    N = node_parent.size
    per = COMPARTMENTS_PER_INTERNODE
    children = np.bincount(node_parent[1:], minlength=N)
    far_end = children.copy()                       # links on a node's far end
    far_end[0] -= 1                                 # node 0: its first link takes the near end
    junction = far_end >= 2
    n = N + (N - 1) * per + int(junction.sum())
    section = np.empty(n, dtype=np.int64)
    parent = np.empty(n, dtype=np.int64)
    node_of = np.full(n, -1, dtype=np.int64)
    link = np.empty(n, dtype=np.int64)
    attach = np.empty(N, dtype=np.int64)            # where the far-end links of each node attach
    first_done = False                              # node 0's first link placed
    j = 0

    def add(typ, par, node, lk):
        nonlocal j
        section[j], parent[j], node_of[j], link[j] = typ, par, node, lk
        j += 1
        return j - 1

    c = add(0, -1, 0, 0)
    attach[0] = add(JUNCTION, c, -1, 0) if junction[0] else c
    for i in range(1, N):
        p = node_parent[i]
        prev = attach[p]
        if p == 0 and not first_done:
            prev, first_done = 0, True              # node 0's near end
        for t in range(1, per + 1):
            prev = add(t, prev, -1, i)
        c = add(0, prev, i, i)
        attach[i] = add(JUNCTION, c, -1, i) if junction[i] else c
    return section, parent, node_of, link


def build_cable(geom: MrgGeometry, n_nodes: int, *, dt=DT, passive_ends=True, temperature=37.0,
                ap_threshold=AP_THRESHOLD, parent=None, detect=None) -> _Cable:
    """Compartment arrays of an ``n_nodes`` MRG fibre (compartments in cable order; with
    ``parent``, the nodes' links of a branching fibre, in :func:`compartment_layout` order)."""
    D = geom.diameter
    node_parent = chain_parent(n_nodes) if parent is None else check_parent(parent, n_nodes)
    idx, cpar, node_of, _ = compartment_layout(node_parent)
    n = idx.size
    # length, inner diameter (axon), periaxonal space and passive conductance of each section
    # type in the period, then of a junction (zero length: no membrane, no axial resistance)
    lens_period = np.append(geom.section_lengths(), 0.0)
    d_in = np.array([geom.node_diameter, geom.node_diameter, geom.axon_diameter]
                    + [geom.axon_diameter] * N_STIN + [geom.axon_diameter, geom.node_diameter,
                                                        geom.node_diameter])
    space = np.array([SPACE_MYSA, SPACE_MYSA, SPACE_OTHER] + [SPACE_OTHER] * N_STIN
                     + [SPACE_OTHER, SPACE_MYSA, SPACE_MYSA])
    gpas = np.array([0.0, G_MYSA, G_FLUT_STIN] + [G_FLUT_STIN] * N_STIN + [G_FLUT_STIN, G_MYSA, 0.0])
    L = lens_period[idx]
    d = d_in[idx]
    is_node = idx == 0
    # axial resistance of each compartment (Ω) and of its periaxonal annulus (Ω)
    r_ax = 4.0 * RHO_A * L / (math.pi * d * d)
    ann = math.pi * ((0.5 * d + space[idx]) ** 2 - (0.5 * d) ** 2)
    r_p = RHO_A * L / ann
    # links j - parent[j], indexed by j (entry 0 unused)
    pj = np.maximum(cpar, 0)
    ga = 1.0 / (0.5 * r_ax + 0.5 * r_ax[pj]) * 1e6                   # µS
    gp = 1.0 / (0.5 * r_p + 0.5 * r_p[pj]) * 1e6
    ga[0] = gp[0] = 0.0
    gp_matrix = np.where(is_node | is_node[pj], 0.0, gp)
    # membranes: the axon's own surface (NEURON: diam = D with cm, g scaled by d/D)
    a_axon = math.pi * d * L                                        # m²
    cap = C_M * a_axon * 1e9                                        # nF
    gm = gpas[idx] * a_axon * 1e6                                   # µS
    em = np.full(n, E_PAS * 1e3)
    a_sheath = math.pi * D * L
    cmy = MYELIN_C / (2 * geom.lamellae) * a_sheath * 1e9           # nF
    gmy = MYELIN_G / (2 * geom.lamellae) * a_sheath * 1e6           # µS
    dt_ms = dt * 1e3
    bmy = np.where(is_node, 0.0, cmy / dt_ms + gmy)
    gmy = np.where(is_node, 0.0, gmy)
    kind = np.where(is_node, 1, 0).astype(np.uint8)
    area = np.where(is_node, a_axon * 1e4, 0.0)                     # cm²
    # nodes: the passive leak used where a node is passive (ends, membrane="passive")
    gm = np.where(is_node, END_NODE_G * a_axon * 1e6, gm)
    em = np.where(is_node, V_REST * 1e3, em)
    if passive_ends:
        kind[node_of >= 0] = np.where(degree(node_parent)[node_of[node_of >= 0]] == 1, 2, 1)
    consts = _constants(temperature)
    g0 = np.empty(4)
    K.mrg_steady_gates(consts[K.M_VREST], consts, g0)
    gates0 = np.tile(g0, (n_nodes, 1))
    detect = _detect_node(detect, n_nodes)
    # the drive couples through the periaxonal annulus to nodes too; keep the full gp for it
    cab = _Cable(n_nodes=n_nodes, parent=cpar, node_of=node_of, kind=kind, cap=cap, gm=gm, em=em, area=area,
                 bmy=bmy, gmy=gmy, ga=ga, gp=gp_matrix, consts=consts, gates0=gates0,
                 dt_ms=dt_ms, detect=detect, v_ap=ap_threshold * 1e3,
                 length=(n_nodes - 1) * geom.node_spacing, gp_full=gp)
    return cab


def cable_drive(cab: _Cable, ve_mV: np.ndarray):
    """``(drive_a, drive_p)`` (nA per unit amplitude) from ``V_e`` (mV) at the compartments.

    ve_mV may be (n,) or (n_fibres, n)."""
    ve = np.asarray(ve_mV, dtype=np.float64)
    da = laplacian(ve, cab.parent, cab.ga)
    dp = laplacian(ve, cab.parent, cab.gp_full)
    dp[..., cab.node_of >= 0] = 0.0
    return np.ascontiguousarray(da), np.ascontiguousarray(dp)


def _n_steps(cab, t_stop):
    return max(1, int(math.ceil(t_stop * 1e3 / cab.dt_ms - 1e-9)))


def _default_t_stop(cab, t_stim, diameter):
    return t_stim + 1e-3 + cab.length / (_SLOW_VELOCITY_PER_DIAMETER * diameter)


def _run(cab, drive_a, drive_p, wbar, amplitude, n_steps, *, kind=None, record_every=0):
    n = cab.cap.shape[0]
    vm = np.full(n, cab.consts[K.M_VREST])
    y = np.zeros(n)
    gates = cab.gates0.copy()
    t_cross = np.empty(cab.n_nodes)
    vmax = np.empty(cab.n_nodes)
    if record_every > 0:
        rec = np.full((n_steps // record_every + 1, cab.n_nodes), np.nan)
    else:
        rec = np.empty((0, cab.n_nodes))
    status, steps = K.run_mrg(vm, y, gates, cab.parent, cab.node_of, cab.kind if kind is None else kind,
                              cab.cap, cab.gm, cab.em, cab.area, cab.bmy, cab.gmy, cab.ga, cab.gp,
                              cab.gp_full,
                              drive_a, drive_p, wbar, float(amplitude), cab.dt_ms, n_steps,
                              cab.consts, cab.v_ap, cab.detect, QUIET_V * 1e3, QUIET_M, t_cross,
                              vmax, rec, max(record_every, 1))
    return status, steps, t_cross, vmax, rec


def _passive_kind(cab):
    """All node compartments passive with the resting conductance (for the linear pre-run)."""
    kind = cab.kind.copy()
    kind[kind == 1] = 2
    return kind


@dataclass(frozen=True)
class MrgRun:
    """One MRG simulation (:func:`mrg_simulate`).

    t (n_rec,) s; v (n_rec, N) V node membrane potentials (absolute); v_max (N,) V;
    t_cross (N,) s (``inf``: never crossed ``ap_threshold``); fired; status ("ap", "quiet",
    "timeout"); t_end s; detect_node.
    """

    t: np.ndarray
    v: np.ndarray
    v_max: np.ndarray
    t_cross: np.ndarray
    fired: bool
    status: str
    t_end: float
    detect_node: int


_STATUS = {K.STATUS_QUIET: "quiet", K.STATUS_AP: "ap", K.STATUS_TIMEOUT: "timeout"}


def _check_ve(ve, n):
    try:
        arr = np.asarray(ve, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError("ve must be an array of extracellular potentials (V) at the MRG "
                               "compartments") from exc
    if arr.shape != (n,):
        raise CoilsimTypeError(f"ve must have shape ({n},): one potential (V) per compartment "
                               f"(nodes, MYSA, FLUT, STIN in cable order); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise CoilsimValueError("ve contains NaN or inf; pass finite potentials (V)")
    return arr


def _prepare(diameter, ve, waveform, n_nodes, duration, dt, passive_ends, extrapolate,
             temperature, ap_threshold, parent=None, detect=None):
    geom = mrg_geometry(diameter, extrapolate=extrapolate)
    dt = real_scalar(dt, "dt", positive=True)
    if dt > 50e-6:
        raise CoilsimValueError(f"dt must be <= 50 µs (MRG kinetics at 37 °C need a few µs); got {dt} s")
    temperature = real_scalar(temperature, "temperature")
    ap_threshold = real_scalar(ap_threshold, "ap_threshold")
    if callable(ve) and parent is not None:
        raise CoilsimTypeError("ve must be an array of compartment potentials (V) when parent is "
                               "given (a callable ve places a straight fibre)")
    if callable(ve):
        if n_nodes is None:
            raise CoilsimValueError("n_nodes is required when ve is a callable")
        n_nodes = int(n_nodes)
        arc = geom.compartment_offsets(n_nodes)
        arc = arc - 0.5 * arc[-1]
        pts = np.zeros((arc.size, 3))
        pts[:, 0] = arc
        ve = np.asarray(ve(pts), dtype=np.float64)
    elif parent is not None:
        parent = check_parent(parent)
        n_nodes = parent.size
        ve = np.asarray(ve, dtype=np.float64)
        if ve.ndim != 1:
            raise CoilsimTypeError(f"ve must be 1-D; got shape {ve.shape}")
    else:
        ve = np.asarray(ve, dtype=np.float64)
        if ve.ndim != 1:
            raise CoilsimTypeError(f"ve must be 1-D; got shape {ve.shape}")
        per = COMPARTMENTS_PER_INTERNODE + 1
        if (ve.size - 1) % per != 0 or ve.size < 2 * per + 1:
            raise CoilsimValueError(f"ve has {ve.size} entries; an MRG fibre of N nodes has "
                                    f"N + 10 (N - 1) compartments (N >= 3)")
        n_nodes = (ve.size - 1) // per + 1
    if n_nodes < 3:
        raise CoilsimValueError(f"n_nodes must be >= 3; got {n_nodes}")
    cab = build_cable(geom, n_nodes, dt=dt, passive_ends=passive_ends, temperature=temperature,
                      ap_threshold=ap_threshold, parent=parent, detect=detect)
    ve = _check_ve(ve, cab.cap.size)
    wbar, t_stim = _waveform_steps(waveform, dt, duration)
    da, dp = cable_drive(cab, ve * 1e3)
    return geom, cab, da, dp, wbar, t_stim


def mrg_simulate(diameter, ve, waveform, amplitude=1.0, *, n_nodes=None, duration=None, dt=DT,
                 t_stop=None, record_every=1, passive_ends=True, extrapolate=False,
                 temperature=37.0, ap_threshold=AP_THRESHOLD, membrane="active", parent=None,
                 detect=None) -> MrgRun:
    """Simulate an MRG fibre driven by ``V_e(t) = amplitude · ve · w(t)`` from rest.

    Parameters
    ----------
    diameter : m (5.7–16 µm; ``extrapolate=True`` beyond).
    ve : (n,) V per unit amplitude at the compartment centres in cable order (node, MYSA, FLUT,
        6 STIN, FLUT, MYSA, node, ...), n = N + 10 (N − 1); or a callable of the (n, 3)
        compartment positions of a straight fibre along x centred on 0 (with ``n_nodes``).
    waveform : Pulse, ``(t, w)`` samples or a callable with ``duration`` (as SENN).
    dt : s (5 µs, backward Euler). t_stop : s (default: stimulus + 1 ms + length at 1 m/s/µm).
    membrane : "active" or "passive" (every node C_m and the 7 mS/cm² leak to −80 mV).
    parent : (N,) int, a branching fibre's node links in Hines order (:mod:`.topology`); ``ve``
        then follows :func:`compartment_layout`. None: an unbranched fibre.
    detect : the detection node (default ``round(0.9 (N-1))``).
    """
    geom, cab, da, dp, wbar, t_stim = _prepare(diameter, ve, waveform, n_nodes, duration, dt,
                                               passive_ends, extrapolate, temperature, ap_threshold,
                                               parent, detect)
    amplitude = real_scalar(amplitude, "amplitude")
    if membrane not in ("active", "passive"):
        raise CoilsimValueError(f"membrane must be 'active' or 'passive'; got {membrane!r}")
    t_stop = _default_t_stop(cab, t_stim, geom.diameter) if t_stop is None else real_scalar(t_stop, "t_stop", positive=True)
    n_steps = _n_steps(cab, t_stop)
    kind = None if membrane == "active" else _passive_kind(cab)
    status, steps, t_cross, vmax, rec = _run(cab, da, dp, wbar, amplitude, n_steps, kind=kind,
                                             record_every=int(record_every))
    if record_every > 0:
        n_rec = steps // record_every + 1
        v = rec[:n_rec] * 1e-3
        t = np.arange(n_rec) * (record_every * dt)
    else:
        v, t = np.empty((0, cab.n_nodes)), np.empty(0)
    tc = np.where(t_cross >= 0, t_cross * 1e-3, np.inf)
    return MrgRun(t=t, v=v, v_max=vmax * 1e-3, t_cross=tc, fired=status == K.STATUS_AP,
                  status=_STATUS[status], t_end=steps * dt, detect_node=cab.detect)


@dataclass(frozen=True)
class MrgThreshold(SennThreshold):
    """Result of :func:`mrg_threshold` (fields as :class:`~coilsim.nerves.SennThreshold`)."""

    MODEL = "MRG"


def passive_peak(cab, da, dp, wbar, t_stim):
    """Largest node depolarisation (mV) per unit amplitude of the passive fibre."""
    n_steps = _n_steps(cab, t_stim + 0.5e-3)
    _, _, _, vmax, _ = _run(cab, da, dp, wbar, 1.0, n_steps, kind=_passive_kind(cab))
    return float(np.max(vmax) - cab.consts[K.M_VREST])


def threshold_search(cab, da, dp, wbar, t_stim, t_stop, *, rel_tol=0.005, max_amplitude=None,
                     guess=None):
    """Bracket and bisect (geometric) the threshold of one drive; returns MrgThreshold."""
    n_steps = _n_steps(cab, t_stop)
    if not np.any(da != 0.0) or not np.any(wbar != 0.0):
        ceiling = math.inf if max_amplitude is None else max_amplitude
        return MrgThreshold(math.inf, -1, math.inf, False, ceiling, 0.0, 0)
    n_runs = 0
    if guess is None or max_amplitude is None:
        peak = passive_peak(cab, da, dp, wbar, t_stim) * 1e-3
        n_runs += 1
        if not peak > 0:
            peak = 1e-30
        if guess is None:
            guess = _GUESS_PASSIVE_DEPOLARISATION / peak
        if max_amplitude is None:
            max_amplitude = MAX_PASSIVE_DEPOLARISATION / peak
    guess = min(guess, max_amplitude)

    def fires(a):
        status, _, t_cross, _, _ = _run(cab, da, dp, wbar, a, n_steps)
        return status == K.STATUS_AP, t_cross

    return bracket_and_bisect(fires, guess, max_amplitude, rel_tol, n_runs, MrgThreshold)


def mrg_threshold(diameter, ve, waveform, *, n_nodes=None, duration=None, dt=DT, t_stop=None,
                  rel_tol=0.005, max_amplitude=None, guess=None, passive_ends=True,
                  extrapolate=False, temperature=37.0, ap_threshold=AP_THRESHOLD, parent=None,
                  detect=None) -> MrgThreshold:
    """Lowest amplitude of ``V_e = amplitude · ve · w(t)`` that fires a propagating AP (MRG).

    Arguments as :func:`mrg_simulate` (``parent``, ``detect`` for a branching fibre);
    ``rel_tol``, ``max_amplitude`` and ``guess`` as
    :func:`~coilsim.nerves.senn_threshold` (default ceiling: the amplitude at which the fibre
    with passive nodes would peak 2 V above rest; above it ``reached=False``).
    """
    geom, cab, da, dp, wbar, t_stim = _prepare(diameter, ve, waveform, n_nodes, duration, dt,
                                               passive_ends, extrapolate, temperature, ap_threshold,
                                               parent, detect)
    rel_tol = real_scalar(rel_tol, "rel_tol", positive=True)
    if not 1e-6 <= rel_tol <= 0.5:
        raise CoilsimValueError(f"rel_tol must lie in [1e-6, 0.5]; got {rel_tol}")
    if max_amplitude is not None:
        max_amplitude = real_scalar(max_amplitude, "max_amplitude", positive=True)
    if guess is not None:
        guess = real_scalar(guess, "guess", positive=True)
    t_stop = _default_t_stop(cab, t_stim, geom.diameter) if t_stop is None else real_scalar(t_stop, "t_stop", positive=True)
    return threshold_search(cab, da, dp, wbar, t_stim, t_stop, rel_tol=rel_tol,
                            max_amplitude=max_amplitude, guess=guess)
