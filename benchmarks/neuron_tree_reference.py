"""Branching fibres in NEURON: the reference for coilsim's cable on a tree.

A Y-shaped fibre: a straight stem of ``STEM_NODES`` nodes along +x ending at the branch node
at the origin, and two straight daughters of ``BRANCH_NODES`` nodes each leaving it at ±30°
from +x in the x–y plane (the branch node has three internodes). MRG (every end node passive)
is built in NEURON by :class:`~coilsim.benchmarks.neuron_reference.NeuronMRG` with the node
links (the same MRGaxon.hoc sections and protocol as the unbranched table: backward Euler at
5 µs, 37 °C, -30 mV at the detection node — the stem node 90 % along the stem — bisection to
``REL_TOL``); SENN with CRRSS nodes (all active, sealed ends) by
:class:`~coilsim.benchmarks.neuron_reference.NeuronSennCrrss` (backward Euler at 0.1 µs, as
its unbranched table). ``e_extracellular`` at each section centre (SENN: at each node) comes
from the closed-form potential of the case, computed here from the straight geometry.

coilsim runs the same fibre end to end from a field: a :class:`~coilsim.nerves.BranchedFiber`
from the three polylines, the quasi-potential integrated along it from ``E`` (coupling) and
:func:`~coilsim.nerves.fiber_threshold` — so the comparison covers the tree's node placement,
its potentials and the tree cable.

Cases (amplitude units in brackets): ``point_branch`` / ``point_daughter`` / ``point_stem``:
a cathodic point source (ρ = 5 Ω·m, [A]) 1 mm above (z) the branch node, the 4th node of the
upper daughter, and the 4th stem node before the branch node; ``uniform``: a uniform field
E = x̂ [V/m] (``V_e = -x``), which drives the fibre where it ends and where it bends (the
terminals and the branch point). Pulses: rectangular 100 µs, biphasic 300 µs. MRG 10 and
16 µm, SENN-CRRSS 10 µm.

Run ``python -m coilsim.benchmarks.neuron_tree_reference`` to regenerate
``benchmarks/data/tree_neuron_reference.csv`` (needs the ``neuron`` extra);
``--compare`` prints coilsim next to the stored NEURON column.
"""

from __future__ import annotations

import argparse
import datetime
import math
import time
from pathlib import Path

import numpy as np

from .neuron_reference import NeuronMRG, bracket_bisect, read_table, versions

DATA = Path(__file__).resolve().parent / "data" / "tree_neuron_reference.csv"
STEM_NODES = 21
BRANCH_NODES = 15
ANGLE = math.radians(30.0)
RHO_E = 5.0
HEIGHT = 1e-3
REL_TOL = 1e-3
#: fibre models (coilsim's model and SENN node) and their diameters, µm
MODELS = {"mrg": (10.0, 16.0), "senn_crrss": (10.0,)}
FIELDS = ("point_branch", "point_daughter", "point_stem", "uniform")


def waveforms():
    import coilsim.pulses as P
    return {"rectangular_100us": P.rectangular(100e-6), "biphasic_300us": P.biphasic(300e-6)}


def _directions():
    return (np.array([math.cos(ANGLE), math.sin(ANGLE), 0.0]),
            np.array([math.cos(ANGLE), -math.sin(ANGLE), 0.0]))


def _source(field: str, spacing: float) -> np.ndarray:
    up, _ = _directions()
    at = {"point_branch": np.zeros(3), "point_daughter": 4 * spacing * up,
          "point_stem": np.array([-4 * spacing, 0.0, 0.0])}[field]
    return at + np.array([0.0, 0.0, HEIGHT])


def potential(field: str, spacing: float, pts: np.ndarray) -> np.ndarray:
    """V_e (V per unit amplitude) at ``pts`` (n, 3), m."""
    if field == "uniform":
        return -pts[:, 0]
    r = np.linalg.norm(pts - _source(field, spacing), axis=1)
    return RHO_E * (-1.0) / (4 * math.pi * r)             # cathodic, per ampere


def e_field(field: str, spacing: float):
    """E (V/m per unit amplitude) of the case, as coilsim takes it: points (..., 3) -> (..., 3)."""
    if field == "uniform":
        return lambda p: np.broadcast_to(np.array([1.0, 0.0, 0.0]), np.shape(p)).copy()
    src = _source(field, spacing)

    def fn(p):
        r = np.asarray(p, dtype=np.float64) - src
        d = np.linalg.norm(r, axis=-1, keepdims=True)
        return RHO_E * (-1.0) / (4 * math.pi) * r / d ** 3   # -grad V
    return fn


def node_links():
    """Node links of the Y (stem 0..S-1 with the branch node last, then each daughter)."""
    S, B = STEM_NODES, BRANCH_NODES
    parent = list(range(-1, S - 1))
    for _ in range(2):
        start = len(parent)
        parent += [S - 1] + list(range(start, start + B - 1))
    return parent


def section_centres(diameter_um: float) -> np.ndarray:
    """Centres (n, 3) of the NEURON sections in their order (node 0; then per further node
    the internode leading to it and the node), from the straight geometry."""
    from coilsim.nerves.mrg import mrg_geometry
    g = mrg_geometry(diameter_um * 1e-6)
    off = g.compartment_offsets(2)[1:]                       # 10 internode centres, then the node
    S, B, d = STEM_NODES, BRANCH_NODES, g.node_spacing
    node_pos = [np.array([-(S - 1 - k) * d, 0.0, 0.0]) for k in range(S)]
    for u in _directions():
        node_pos += [k * d * u for k in range(1, B + 1)]
    parent = node_links()
    out = [node_pos[0]]
    for i in range(1, len(parent)):
        a, b = node_pos[parent[i]], node_pos[i]
        u = (b - a) / np.linalg.norm(b - a)
        out += [a + o * u for o in off]
    return np.array(out)


def spacing(model: str, diameter_um: float) -> float:
    """Node spacing (m) of ``model`` ("mrg" or "senn_crrss")."""
    from coilsim.nerves import internode_length
    return internode_length(diameter_um * 1e-6, "mrg" if model == "mrg" else "senn",
                            node=None if model == "mrg" else "crrss")


def coilsim_fiber(diameter_um: float, model: str = "mrg"):
    from coilsim.nerves import BranchedFiber
    d = spacing(model, diameter_um)
    S, B = STEM_NODES, BRANCH_NODES
    stem = np.array([[-(S - 1) * d, 0.0, 0.0], [0.0, 0.0, 0.0]])
    # a hair beyond the last node so that floating point keeps it on the branch
    daughters = [np.array([np.zeros(3), (B + 0.01) * d * u]) for u in _directions()]
    if model == "mrg":
        return BranchedFiber(stem, daughters, diameter_um * 1e-6, "mrg")
    return BranchedFiber(stem, daughters, diameter_um * 1e-6, "senn", node="crrss")


def coilsim_threshold(diameter_um: float, field: str, pulse, rel_tol=REL_TOL, model: str = "mrg"):
    from coilsim.nerves import fiber_threshold
    return fiber_threshold(coilsim_fiber(diameter_um, model), e_field(field, spacing(model, diameter_um)),
                           pulse, rel_tol=rel_tol)


def node_positions(model: str, diameter_um: float) -> np.ndarray:
    """Node positions (N, 3), m, in node order."""
    d, S, B = spacing(model, diameter_um), STEM_NODES, BRANCH_NODES
    pos = [np.array([-(S - 1 - k) * d, 0.0, 0.0]) for k in range(S)]
    for u in _directions():
        pos += [k * d * u for k in range(1, B + 1)]
    return np.array(pos)


def neuron_threshold(diameter_um: float, field: str, pulse, guess: float, rel_tol=REL_TOL,
                     model: str = "mrg"):
    """(threshold, site node, runs, seconds) by NEURON, bracketing from ``guess``."""
    from coilsim.nerves.senn import _waveform_steps
    from .neuron_reference import SENN_DT, NeuronSennCrrss
    parent = node_links()
    detect = int(round(0.9 * (STEM_NODES - 1)))
    d = spacing(model, diameter_um)
    if model == "mrg":
        cable = NeuronMRG(diameter_um, parent=parent, detect=detect)
        ve = potential(field, d, section_centres(diameter_um))
        wbar, _ = _waveform_steps(pulse, 5e-6, None)
        fires = lambda a: cable.fires(ve, wbar, a)
    else:
        cable = NeuronSennCrrss(diameter_um, parent=parent, detect=detect)
        ve = potential(field, d, node_positions(model, diameter_um))
        wbar, t_stim = _waveform_steps(pulse, SENN_DT, None)
        fires = lambda a: cable.fires(ve, wbar, a, SENN_DT * 1e3, (t_stim + 1.5e-3) * 1e3)
    t0 = time.perf_counter()
    thr, site, runs = bracket_bisect(fires, guess, rel_tol, 1.05)
    return thr, site, runs, time.perf_counter() - t0


def cases():
    """(model, field, waveform name, diameter µm) of the table."""
    return [(m, f, w, D) for m, ds in MODELS.items() for f in FIELDS for w in waveforms() for D in ds]


def generate(path: Path = DATA) -> list:
    rows = []
    pulses = waveforms()
    for model, field, name, D in cases():
        pulse = pulses[name]
        cs = coilsim_threshold(D, field, pulse, model=model)
        thr, site, runs, secs = neuron_threshold(D, field, pulse, guess=cs.amplitude * 1.03, model=model)
        rows.append(dict(model=model, field=field, waveform=name, diameter_um=D, neuron_threshold=thr,
                         neuron_site=site, neuron_runs=runs, neuron_seconds=secs))
        print(f"{model:10s} {field:15s} {name:18s} {D:5.1f} µm  NEURON {thr:.6g} (node {site}, "
              f"{secs:.1f} s)  coilsim {cs.amplitude:.6g} (node {cs.site_node})  ratio "
              f"{cs.amplitude / thr:.4f}", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fh.write("# Branching fibres (Y: stem of %d nodes, two daughters of %d at +-30 deg), MRG and "
                 "SENN with CRRSS nodes: thresholds computed by NEURON "
                 "(benchmarks/neuron_tree_reference.py)\n" % (STEM_NODES, BRANCH_NODES))
        fh.write(f"# date: {datetime.date.today().isoformat()}\n")
        fh.write(f"# versions: {versions()}\n")
        fh.write(f"# protocol: MRG backward Euler dt=5us, 37 C, v_init=-80 mV, every end node passive "
                 f"(7 mS/cm2); SENN-CRRSS backward Euler dt=0.1us, all nodes active, sealed ends; "
                 f"AP = stem node {int(round(0.9 * (STEM_NODES - 1)))} crosses -30 mV, "
                 f"rel_tol={REL_TOL}\n")
        fh.write(f"# units: point fields in A of cathodic current (rho={RHO_E} Ohm m, {HEIGHT * 1e3} mm "
                 "above the node named); uniform field in V/m along +x\n")
        fh.write("model,field,waveform,diameter_um,neuron_threshold,neuron_site,neuron_runs,neuron_seconds\n")
        for r in rows:
            fh.write(f"{r['model']},{r['field']},{r['waveform']},{r['diameter_um']},{r['neuron_threshold']:.8g},"
                     f"{r['neuron_site']},{r['neuron_runs']},{r['neuron_seconds']:.3f}\n")
    return rows


def compare(path: Path = DATA, say=print) -> float:
    """coilsim next to the stored NEURON thresholds; returns the largest |ratio - 1|."""
    pulses = waveforms()
    worst = 0.0
    say(f"{'model':10s} {'field':15s} {'waveform':18s} {'D µm':>5s} {'NEURON':>12s} {'coilsim':>12s} "
        f"{'ratio':>7s}  site")
    for r in read_table(path):
        D = float(r["diameter_um"])
        ref = float(r["neuron_threshold"])
        cs = coilsim_threshold(D, r["field"], pulses[r["waveform"]], model=r["model"])
        worst = max(worst, abs(cs.amplitude / ref - 1))
        say(f"{r['model']:10s} {r['field']:15s} {r['waveform']:18s} {D:5.1f} {ref:12.6g} {cs.amplitude:12.6g} "
            f"{cs.amplitude / ref:7.4f}  node {cs.site_node} (NEURON {r['neuron_site']})")
    return worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--compare", action="store_true", help="compare coilsim to the stored table")
    ap.add_argument("--out", type=Path, default=DATA)
    a = ap.parse_args(argv)
    if a.compare:
        worst = compare(a.out)
        print(f"branching fibres vs NEURON (stored table): max |ratio-1| = {worst:.4f} "
              f"{'PASS' if worst <= 0.02 else 'FAIL'}")
        return 0 if worst <= 0.02 else 1
    generate(a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
