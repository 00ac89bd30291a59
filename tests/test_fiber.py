"""Fibre geometry, fibre families and the quasi-potential coupling (exact line integrals)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf

from coilsim.errors import CoilsimTypeError, CoilsimValueError
from coilsim.nerves import (Fiber, Skin, afferent_fiber, cutaneous_fiber, motor_axon, nerve_trunk,
                            probe_fibers, quasi_potential, smooth_path)
from coilsim.nerves.mrg import MRG_TABLE


def straight(length, n=2):
    x = np.linspace(-length / 2, length / 2, n)
    return np.stack([x, np.zeros(n), np.zeros(n)], axis=1)


# --------------------------------------------------------------------------- Fiber


@pytest.mark.parametrize("row", list(MRG_TABLE))
def test_mrg_nodes_follow_published_spacing(row):
    D, spacing = row[0] * 1e-6, row[1] * 1e-6
    f = Fiber(straight(40 * spacing + 1e-4), D, "mrg")
    assert f.n_nodes == 41                       # odd, a node at the middle
    assert np.allclose(np.diff(f.node_arc), spacing, rtol=0, atol=1e-12)
    assert np.allclose(f.nodes[20], 0.0, atol=1e-12)


def test_senn_internode_is_100_diameters():
    f = Fiber(straight(0.05), 10e-6, "senn")
    assert np.allclose(np.diff(f.node_arc), 1e-3)
    assert f.n_nodes == 51


def test_nodes_lie_on_a_curved_path_at_arc_spacing():
    theta = np.linspace(0, math.pi, 400)
    R = 0.03
    path = np.stack([R * np.cos(theta), R * np.sin(theta), np.zeros_like(theta)], axis=1)
    f = Fiber(path, 10e-6, "mrg")
    assert np.allclose(np.linalg.norm(f.nodes[:, :2], axis=1), R, rtol=2e-4)
    assert abs(f.length - math.pi * R) < 1e-4 * R


@pytest.mark.parametrize("path, exc", [
    (np.zeros((1, 3)), CoilsimValueError),
    (np.zeros((4, 2)), CoilsimTypeError),
    (np.array([[0, 0, 0], [np.nan, 0, 0.01]]), CoilsimValueError),
    (np.array([[0, 0, 0], [0, 0, 0], [0.1, 0, 0]]), CoilsimValueError),
    ("abc", CoilsimTypeError),
])
def test_bad_paths(path, exc):
    with pytest.raises(exc, match="path"):
        Fiber(path, 10e-6, "mrg")


@pytest.mark.parametrize("d", [0.0, -1e-6, math.nan, 1e-3])
def test_bad_diameter(d):
    with pytest.raises(CoilsimValueError, match="diameter"):
        Fiber(straight(0.1), d, "mrg")


def test_mrg_diameter_outside_table_needs_flag():
    with pytest.raises(CoilsimValueError, match="extrapolate=True"):
        Fiber(straight(0.1), 20e-6, "mrg")
    f = Fiber(straight(0.1), 18e-6, "mrg", extrapolate=True)
    assert f.node_spacing > 1.5e-3


def test_too_short_and_unknown_model():
    with pytest.raises(CoilsimValueError, match="at least 3 nodes"):
        Fiber(straight(1e-3), 10e-6, "mrg")
    with pytest.raises(CoilsimValueError, match="model"):
        Fiber(straight(0.1), 10e-6, "hodgkin")


# --------------------------------------------------------------------------- families


def test_probe_fibers_depths_under_a_tilted_plane():
    n = np.array([0.0, 1.0, 1.0]) / math.sqrt(2)
    fibs = probe_fibers([0.0, 5e-3, 2e-2], skin=((0, 0, 0.01), n), center=(0.0, 0.0, 0.01),
                        direction=(1, 0, 0), length=0.1)
    sk = Skin.plane((0, 0, 0.01), n)
    for f, d in zip(fibs, [0.0, 5e-3, 2e-2]):
        assert np.allclose(sk.depth(f.path), d, atol=1e-12)    # parallel to the skin
        assert f.depth == d


def test_probe_fibers_under_a_curved_skin():
    R = 0.04      # a cylindrical calf along z, skin facing +y at the top
    skin = Skin(depth_fn=lambda p: R - np.hypot(p[..., 0], p[..., 1]))
    f = probe_fibers([1e-2], skin=skin, center=(0.0, 0.05, 0.0), direction=(0, 0, 1), length=0.1)[0]
    assert np.allclose(f.path[:, 1], R - 1e-2, atol=1e-9)


def test_cutaneous_fiber_ends_below_the_skin():
    f = cutaneous_fiber((0.01, 0.0, 0.0), (1, 0, 0), depth=1.5e-3, ending_depth=0.2e-3)
    assert np.allclose(f.path[-1], (0.01, 0.0, -0.2e-3))
    assert np.all(f.path[:, 2] <= 1e-12)


def test_motor_axon_and_afferent_end_at_their_terminals():
    m = motor_axon((0, 0, 0), (0, 0, 1), (0.0, 0.02, 0.01), terminal_length=5e-3)
    branch = np.array([0, 0.02, 0.01]) / np.linalg.norm([0, 0.02, 0.01])
    assert np.allclose(m.path[-1], np.array([0, 0.02, 0.01]) + 5e-3 * branch)
    assert m.anchor == "start" and m.node_arc[0] == 0.0
    a = afferent_fiber((0, 0.02, 0), (0, 0, 1), (0, 0, 0.03), (0, 0, 1), kind="II")
    assert np.allclose(a.path[0], (0, 0.02, 0)) and a.diameter == pytest.approx(9e-6)
    t = nerve_trunk((0, 0, -0.1), (0, 0, 0.1))
    assert t.n_nodes % 2 == 1


def test_smooth_path_bends_with_the_given_radius():
    p = smooth_path([(0, 0, 0), (0.05, 0, 0), (0.05, 0.05, 0)], bend_radius=0.01, per_radian=200)
    centre = np.array([0.04, 0.01, 0.0])
    on_arc = (p[:, 0] > 0.04 + 1e-9) & (p[:, 1] < 0.01 - 1e-9)
    assert on_arc.sum() > 50
    assert np.allclose(np.linalg.norm(p[on_arc] - centre, axis=1), 0.01, rtol=1e-9)


# --------------------------------------------------------------------------- coupling


def test_quasi_potential_of_a_conservative_field_is_the_potential_on_any_path():
    """E = -∇φ: -∫E·dl = φ(end) - φ(start) whatever the path (bends included)."""
    k = np.array([30.0, -20.0, 10.0])

    def phi(p):
        return np.sin(p @ k) + (p[..., 0] * 40) ** 2

    def E(p):
        g = np.cos(p @ k)[..., None] * k
        g[..., 0] += 2 * 40 * 40 * p[..., 0]
        return -g

    path = smooth_path([(0, 0, 0), (0.04, 0.0, 0.01), (0.05, 0.03, 0.0), (0.0, 0.05, -0.02)], 5e-3)
    f = Fiber(path, 10e-6, "mrg", anchor="start")
    V, pts = quasi_potential(f, E, return_points=True)
    exact = phi(pts) - phi(path[0])
    assert np.max(np.abs(V - exact)) < 1e-11 * np.max(np.abs(exact))


def test_quasi_potential_of_a_gaussian_field_matches_erf():
    s = 8e-3
    f = Fiber(straight(0.1), 10e-6, "mrg")
    V = quasi_potential(f, lambda p: np.stack([np.exp(-p[..., 0] ** 2 / (2 * s * s)),
                                               0 * p[..., 0], 0 * p[..., 0]], axis=-1))
    x = f.points_at(f.compartment_arc())[:, 0]
    ref = -s * math.sqrt(math.pi / 2) * (erf(x / (s * math.sqrt(2))) - erf(-0.05 / (s * math.sqrt(2))))
    assert np.max(np.abs(V - ref)) < 1e-12


def test_quasi_potential_accepts_an_object_with_E():
    class Field:
        def E(self, points):
            return np.broadcast_to([0.0, 2.0, 0.0], points.shape).copy()
    path = np.array([[0, 0, 0], [0, 0.05, 0]])
    V = quasi_potential(path, Field(), arc=[0.0, 0.01, 0.05])
    assert np.allclose(V, [0.0, -0.02, -0.1])


@pytest.mark.parametrize("field, exc, match", [
    (lambda p: np.full(p.shape, np.nan), CoilsimValueError, "NaN"),
    (lambda p: np.zeros(p.shape[:-1]), CoilsimTypeError, "shape"),
    (lambda p: np.zeros((3,)), CoilsimTypeError, "shape"),
    (42, CoilsimTypeError, "field"),
])
def test_bad_fields(field, exc, match):
    f = Fiber(straight(0.05), 10e-6, "mrg")
    with pytest.raises(exc, match=match):
        quasi_potential(f, field)
