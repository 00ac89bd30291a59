"""Coil design sweep: outer radius and turns of a figure-of-eight coil over the medial
gastrocnemius of a 7-10 y child, then the Pareto front of activation depth vs pulse energy
(colour: peak skin field). Runs on a local process pool; pass a Dask executor to scale out:

    from distributed import Client
    table = cs.sweep(scenario, params, executor=Client().get_executor())

``COILSIM_EXAMPLE_QUICK=1`` (the test suite) uses a planar skin/fat/muscle model, which has a
closed-form field, instead of the calf BEM.
"""

import os
import sys


from coilsim.study import Scenario, sweep
from coilsim.viz.figures import pareto

quick = os.environ.get("COILSIM_EXAMPLE_QUICK") == "1"
out = sys.argv[1] if len(sys.argv) > 1 else "coil_sweep_out"
os.makedirs(out, exist_ok=True)

scenario = Scenario.default().with_values({
    "nerves.families": ["alpha_motor", "Abeta"], "nerves.confirm": 0,
    "nerves.waveforms": ["stimulator"],
})
if quick:
    scenario = scenario.with_values({"tissue": {"kind": "planar", "layers": [
        ["skin", 0.0012, 0.1], ["fat", 0.006, 0.04], ["muscle", float("inf"), 0.34]]}})
params = {"coil.outer_radius": [0.03, 0.035, 0.04, 0.045],
          "coil.turns": [6, 8, 10]}
if quick:
    scenario = scenario.with_values({"nerves.depth_count": 6, "output.grid_spacing": 0.01})
    params = {"coil.outer_radius": [0.035, 0.045], "coil.turns": [6, 10]}
if __name__ == "__main__":
    table = sweep(scenario, params, cache_dir=os.path.join(out, "cache"))   # = cs.sweep
    table.to_csv(os.path.join(out, "coil_sweep.csv"), index=False)
    fig = pareto(table, "pulse_energy_J", "activation_depth_m", maximize=(False, True),
                 color="skin_E_max_V_per_m", label="coil.outer_radius", family="alpha_motor")
    fig.savefig(os.path.join(out, "pareto.png"), dpi=110)
    print(table[["coil.outer_radius", "coil.turns", "family", "threshold_intensity",
                 "activation_depth_m", "pulse_energy_J"]].to_string(index=False))
