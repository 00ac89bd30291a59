"""A 3-D figure: the calf's layers, the butterfly coil over the medial gastrocnemius, |E| below
it and probe fibres along the leg, rendered off-screen to a PNG (and a VTK file for ParaView).

``COILSIM_EXAMPLE_QUICK=1`` (the test suite) uses a coarse mesh and fewer samples.
"""

import os
import sys

import numpy as np

import coilsim as cs
from coilsim.viz import scene

quick = os.environ.get("COILSIM_EXAMPLE_QUICK") == "1"
out = sys.argv[1] if len(sys.argv) > 1 else "pyvista_figure_out"
os.makedirs(out, exist_ok=True)

leg = cs.load_tissue("child_7_10y")
point, normal = leg.motor_point("medial_gastrocnemius")
if quick:   # a planar stand-in of the same layers keeps the test fast (closed-form field)
    leg = cs.TissueModel.planar([("skin", 0.0012, 0.1), ("fat", 0.006, 0.04), ("muscle", np.inf, 0.34)])
    point, normal = leg.surface_frame()
coil = cs.load_coil("rpms_butterfly").placed(point, normal)
field = cs.solve_efield(coil, leg)
axis = np.array([0.0, 0.0, 1.0]) if leg.kind == "calf" else np.array([1.0, 0.0, 0.0])
fibers = [point - d * normal + s * axis for d in (0.003, 0.01, 0.02)
          for s in [np.linspace(-0.04, 0.04, 41)[:, None]]]
pl = scene(coil, leg, field=field, fibers=fibers, activated=[True, True, False])
field.to_pyvista(np.concatenate(fibers)).save(os.path.join(out, "fibres_E.vtp"))
try:
    pl.screenshot(os.path.join(out, "scene.png"))
    print("wrote", os.path.join(out, "scene.png"))
except Exception as exc:   # no OpenGL here: the VTK file is still there
    print("3-D picture not rendered:", exc)
pl.close()
