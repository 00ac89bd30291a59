"""Shared fixtures of the study tests: a planar scenario (closed-form field: no BEM, seconds)."""

import math

from coilsim.study import Scenario

PLANAR = {"kind": "planar", "layers": [["skin", 0.0012, 0.1], ["fat", 0.006, 0.04],
                                       ["muscle", math.inf, 0.34]]}


def planar_scenario(**values) -> Scenario:
    v = {"tissue": PLANAR, "nerves.confirm": 0, "nerves.depth_count": 8,
         "nerves.families": ["alpha_motor", "Abeta"], "output.screenshot": False}
    v.update(values)
    return Scenario.default().with_values(v)
