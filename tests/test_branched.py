"""Branching fibres: the cable on a tree against dense solves, an unbranched fibre numbered as a
tree, NEURON (stored table of benchmarks/neuron_tree_reference.py), and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

import coilsim.pulses as P
from coilsim.benchmarks import neuron_tree_reference as TR
from coilsim.errors import CoilsimTypeError, CoilsimValueError
from coilsim.nerves import (BranchedFiber, Fiber, estimate_thresholds, fiber_threshold,
                            mrg_simulate, quasi_potential, senn_simulate, senn_threshold)
from coilsim.nerves.mrg import JUNCTION, compartment_layout, mrg_geometry
from coilsim.nerves.senn import _waveform_steps
from coilsim.nerves.topology import laplacian, path_between

import naive

#: a tree in Hines order: stem 0-6, a branch of 4 from node 3, a branch of 3 from node 6, a
#: branch of 2 from the first branch's node 8
PARENT = np.array([-1, 0, 1, 2, 3, 4, 5, 3, 7, 8, 9, 6, 11, 12, 8, 14])


def _edges(parent):
    return [(int(parent[i]), i) for i in range(1, parent.size)]


def test_graph_laplacian_and_paths():
    x = np.random.default_rng(0).normal(size=PARENT.size)
    lap = np.zeros((PARENT.size, PARENT.size))
    for a, b in _edges(PARENT):
        lap[a, b] = lap[b, a] = 1.0
        lap[a, a] -= 1.0
        lap[b, b] -= 1.0
    np.testing.assert_allclose(laplacian(x, PARENT), lap @ x, atol=1e-14)
    np.testing.assert_allclose(laplacian(np.stack([x, 2 * x]), PARENT), np.stack([lap @ x, 2 * lap @ x]),
                               atol=1e-14)
    assert path_between(PARENT, 10, 13).tolist() == [10, 9, 8, 7, 3, 4, 5, 6, 11, 12, 13]
    assert path_between(PARENT, 15, 0).tolist() == [15, 14, 8, 7, 3, 2, 1, 0]


def test_senn_passive_tree_matches_matrix_exponential():
    """Linear nodes on a tree: the Hines stepper against the exact solution of the ODE system."""
    D, width, amp = 20e-6, 100e-6, 1e-3
    n = PARENT.size
    d, L = 0.7 * D, 100 * D
    area = math.pi * d * 2.5e-6
    Ga = math.pi * d * d / (4 * 1.10 * L)
    C, Gm = 2e-2 * area, 303.65 * area
    lap = np.zeros((n, n))
    for a, b in _edges(PARENT):
        lap[a, b] = lap[b, a] = 1.0
        lap[a, a] -= 1.0
        lap[b, b] -= 1.0
    ve = -50.0 * np.cos(0.9 * np.arange(n)) * amp            # V, an arbitrary pattern
    A = (Ga * lap - Gm * np.eye(n)) / C
    b = Ga * lap @ ve / C
    v_end = np.linalg.solve(A, (expm(A * width) - np.eye(n)) @ b)
    v_later = expm(A * 50e-6) @ v_end
    run = senn_simulate(D, ve / amp, P.rectangular(width), amp, membrane="passive", dt=1e-6,
                        t_stop=200e-6, parent=PARENT)
    i_end, i_later = int(round(width / 1e-6)), int(round((width + 50e-6) / 1e-6))
    scale = np.max(np.abs(v_end))
    assert scale > 10e-3
    assert np.max(np.abs(run.v[i_end] - v_end)) < 2e-3 * scale
    assert np.max(np.abs(run.v[i_later] - v_later)) < 2e-3 * scale


def test_mrg_layout_puts_a_junction_where_links_share_an_end():
    typ, par, node_of, link = compartment_layout(PARENT)
    # nodes 3 and 8 have two children each: one junction each; node 0 and 6 have one
    assert np.sum(typ == JUNCTION) == 2
    assert set(link[typ == JUNCTION]) == {3, 8}
    assert np.all(par[1:] < np.arange(1, typ.size))
    assert typ.size == PARENT.size + 10 * (PARENT.size - 1) + 2
    # node 0 with two links (an unbranched fibre numbered from its middle): no junction
    mid = np.array([-1, 0, 1, 0, 3])
    assert not np.any(compartment_layout(mid)[0] == JUNCTION)


def test_mrg_passive_tree_matches_dense_neuron_style_solve():
    """The block-Hines MRG stepper on a tree (with its junctions) against a dense solve with an
    unknown at every section end, as NEURON discretises connected sections."""
    D, dt, amp, n_steps = 10e-6, 5e-6, 2e-3, 60
    pulse = P.rectangular(100e-6)
    wbar, _ = _waveform_steps(pulse, dt, None)
    rng = np.random.default_rng(3)
    node_ve = rng.normal(size=PARENT.size) * 20.0            # V per unit amplitude at each node
    typ, _, _, link = compartment_layout(PARENT)
    # V_e per compartment: its link node's value + a ramp along the internode; junctions get
    # a random value (they have no membrane: it must not matter)
    ve_c = node_ve[link] + 0.3 * np.where(typ == JUNCTION, 0.0, typ)
    ve_c[typ == JUNCTION] = rng.normal(size=int(np.sum(typ == JUNCTION))) * 50.0
    ve_sec = ve_c[typ != JUNCTION]                           # NEURON's sections, same order
    run = mrg_simulate(D, ve_c, pulse, amp, membrane="passive", t_stop=n_steps * dt,
                       record_every=1, parent=PARENT)
    dense = naive.mrg_dense_passive(D, PARENT, lambda j, s: ve_sec[j], wbar, amp, dt, n_steps)
    v = run.v[1:] + 80e-3
    assert v.shape[0] >= 25
    dense = dense[:v.shape[0]]
    assert np.max(np.abs(dense)) > 1e-3
    assert np.max(np.abs(v - dense)) < 1e-9 * np.max(np.abs(dense))


def _point_field(src, rho_i=-5.0):
    src = np.asarray(src, dtype=float)

    def fn(p):
        r = np.asarray(p) - src
        return rho_i / (4 * math.pi) * r / np.linalg.norm(r, axis=-1, keepdims=True) ** 3
    return fn


@pytest.mark.parametrize("model", ["mrg", "senn"])
def test_unbranched_fibre_numbered_from_its_middle_is_the_same_cable(model):
    """A straight fibre given as a stem (its right half) and one branch (its left half): the
    same cable in another node order, so the same threshold to round-off."""
    D = 10e-6
    f = Fiber(np.array([[-0.02, 0, 0], [0.02, 0, 0]]), D, model)
    mid = f.nodes[f.n_nodes // 2]
    t = BranchedFiber(np.array([mid, [0.02, 0, 0]]), [np.array([mid, [-0.02, 0, 0]])], D, model)
    assert t.n_nodes == f.n_nodes
    k = int(np.argmin(np.linalg.norm(t.nodes - f.nodes[int(round(0.9 * (f.n_nodes - 1)))], axis=1)))
    t = BranchedFiber(t.sections[0].path, [t.sections[1].path], D, model, detect=k)
    field = _point_field([0.003, 0.0, 1.2e-3])
    a = fiber_threshold(f, field, P.biphasic(200e-6))
    b = fiber_threshold(t, field, P.biphasic(200e-6))
    assert a.reached and b.reached
    assert b.amplitude == pytest.approx(a.amplitude, rel=1e-9)
    np.testing.assert_allclose(b.site, a.site, atol=1e-12)
    # the estimator sees one unbranched cable between the two ends
    e = estimate_thresholds([f, t], field, P.biphasic(200e-6))
    assert e[1] == pytest.approx(e[0], rel=1e-12)


def test_quasi_potential_is_continuous_across_branch_points():
    """In a uniform field the quasi-potential is -E·(x - x_0) at every compartment of every
    branch: the branches start from their node's potential."""
    t = BranchedFiber(np.array([[0, 0, 0], [0.02, 0, 0]]),
                      [np.array([[0.0115, 0, 0], [0.02, 0.01, 0.003]]),
                       np.array([[0.0069, 0, 0], [0.0, 0.012, -0.002], [-0.004, 0.02, 0.0]])],
                      10e-6, "mrg")
    E = np.array([120.0, -40.0, 75.0])
    V, pts = quasi_potential(t, lambda p: np.broadcast_to(E, np.shape(p)).copy(), return_points=True)
    np.testing.assert_allclose(V, -(pts - t.nodes[0]) @ E, atol=1e-12 * np.abs(V).max())
    np.testing.assert_allclose(pts, t.compartment_points(), atol=1e-15)


def test_branch_load_raises_the_threshold_at_the_branch_point():
    """A cathode over a node: the same node with a branch on it must also charge the branch, so
    the fibre needs more current (the action potential may then start beside it)."""
    d = mrg_geometry(10e-6).node_spacing
    stem = np.array([[-20 * d, 0, 0], [20 * d, 0, 0]])
    plain = BranchedFiber(stem, [], 10e-6, "mrg")
    branched = BranchedFiber(stem, [np.array([[0, 0, 0], [0, 12.01 * d, 0]])], 10e-6, "mrg")
    field = _point_field([0.0, -1e-3, 0.0])                  # 1 mm below node 20, away from the branch
    a = fiber_threshold(plain, field, P.rectangular(100e-6))
    b = fiber_threshold(branched, field, P.rectangular(100e-6))
    assert a.site_node == 20 and b.site_node in (19, 20, 21)
    assert b.amplitude > 1.02 * a.amplitude


def test_against_neuron_tree_table():
    """Y-shaped fibres (branch point, daughter, stem, uniform field; MRG 10 and 16 µm, SENN with
    CRRSS nodes 10 µm) against NEURON's thresholds (benchmarks/data/tree_neuron_reference.csv):
    within 0.5 %, the initiation node the same or a neighbour."""
    rows = TR.read_table(TR.DATA)
    assert [(r["model"], r["field"], r["waveform"], float(r["diameter_um"])) for r in rows] == TR.cases()
    parent = np.array(TR.node_links())
    pulses = TR.waveforms()
    worst = 0.0
    for r in rows[::3] + [rows[1]]:                          # a third of the table (time)
        cs = TR.coilsim_threshold(float(r["diameter_um"]), r["field"], pulses[r["waveform"]],
                                  model=r["model"])
        worst = max(worst, abs(cs.amplitude / float(r["neuron_threshold"]) - 1.0))
        a, b = cs.site_node, int(r["neuron_site"])
        assert a == b or parent[a] == b or parent[b] == a      # the same node or a neighbour
    assert worst < 5e-3


def test_bad_input():
    stem = np.array([[0, 0, 0], [0.02, 0, 0]])
    with pytest.raises(CoilsimValueError, match="branches\\[0\\] starts"):
        BranchedFiber(stem, [np.array([[0.01, 0.0015, 0], [0.01, 0.02, 0]])], 10e-6, "mrg")
    with pytest.raises(CoilsimValueError, match="holds no node"):
        BranchedFiber(stem, [np.array([[0.0115, 0, 0], [0.0115, 0.001, 0]])], 10e-6, "mrg")
    with pytest.raises(CoilsimValueError, match="stem needs at least 2 nodes"):
        BranchedFiber(np.array([[0, 0, 0], [0.001, 0, 0]]), [], 10e-6, "mrg")
    with pytest.raises(CoilsimTypeError, match="branches must be a list"):
        BranchedFiber(stem, np.zeros((2, 3)), 10e-6, "mrg")
    with pytest.raises(CoilsimTypeError, match="branches\\[0\\]"):
        BranchedFiber(stem, [np.zeros((2, 2))], 10e-6, "mrg")
    with pytest.raises(CoilsimValueError, match="detect"):
        BranchedFiber(stem, [], 10e-6, "mrg", detect=99)
    with pytest.raises(CoilsimValueError, match="NaN|finite"):
        BranchedFiber(stem, [np.array([[0.0115, 0, 0], [np.nan, 0.02, 0]])], 10e-6, "mrg")
    with pytest.raises(CoilsimValueError, match="Hines order"):
        senn_threshold(10e-6, np.zeros(4), P.rectangular(1e-4), parent=[-1, 2, 0, 1])
    with pytest.raises(CoilsimValueError, match="parent has 3 entries"):
        senn_threshold(10e-6, np.zeros(4), P.rectangular(1e-4), parent=[-1, 0, 1])
    with pytest.raises(CoilsimTypeError, match="integer"):
        senn_threshold(10e-6, np.zeros(4), P.rectangular(1e-4), parent=[-1.0, 0, 1, 2])
    with pytest.raises(CoilsimTypeError, match="callable"):
        senn_threshold(10e-6, lambda p: p[:, 0], P.rectangular(1e-4), parent=[-1, 0, 1, 2])
    with pytest.raises(CoilsimTypeError, match="shape"):
        mrg_simulate(10e-6, np.zeros(20), P.rectangular(1e-4), parent=[-1, 0, 1])


def test_motor_axon_with_terminal_branches():
    from coilsim.nerves import motor_axon
    f = motor_axon((0, 0, -0.01), (0, 0, 1), (0.02, 0, -0.01), terminals=[(1, 1, 0), (1, -1, 0)],
                   terminal_length=6e-3, diameter=12e-6)
    assert isinstance(f, BranchedFiber) and len(f.sections) == 3
    assert len(f.ends) == 3 and f.ends[0] == 0
    # both terminals start from the stem's last node, within one internode of the motor point
    assert f.sections[1].attach == f.sections[2].attach == f.sections[0].nodes[-1]
    assert np.linalg.norm(f.nodes[f.sections[0].nodes[-1]] - [0.02, 0, -0.01]) <= f.node_spacing
    # a uniform field along the first terminal fires the fibre at that terminal's cut end (or
    # the node before it)
    u = np.array([1.0, 1.0, 0.0]) / math.sqrt(2)
    r = fiber_threshold(f, lambda p: np.broadcast_to(-300.0 * u, np.shape(p)).copy(), P.rectangular(100e-6),
                        "both")
    assert r.reached and r.site_node in f.sections[1].nodes[-2:]
    with pytest.raises(CoilsimValueError, match="not both"):
        motor_axon((0, 0, -0.01), (0, 0, 1), (0.02, 0, -0.01), terminals=[(1, 1, 0), (1, -1, 0)],
                   terminal_direction=(1, 0, 0))
    with pytest.raises(CoilsimValueError, match="k >= 2"):
        motor_axon((0, 0, -0.01), (0, 0, 1), (0.02, 0, -0.01), terminals=[(1, 1, 0)])


def test_scene_draws_every_section_of_a_branched_fibre():
    from coilsim.viz.scene import _fiber_polydata
    t = TR.coilsim_fiber(10.0)
    straight = Fiber(np.array([[0, 0, 0.01], [0.03, 0, 0.01]]), 10e-6, "mrg")
    poly = _fiber_polydata([t, straight], activated=[True, False])
    assert poly.n_lines == len(t.sections) + 1
    assert poly.n_points == sum(len(s.path) for s in t.sections) + 2
    assert poly.point_data["activated"].sum() == sum(len(s.path) for s in t.sections)
