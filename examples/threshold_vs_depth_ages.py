"""Threshold vs depth of α-motor axons and cutaneous Aβ fibres across age groups and cerebral
palsy variants: one study per tissue model through one sweep, then a plot of the α-motor
threshold (fraction of stimulator output) against depth for each model.

``COILSIM_EXAMPLE_QUICK=1`` (the test suite) replaces each calf by planar layers with the same
skin and fat thickness (closed-form field) so it runs in seconds.
"""

import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

import coilsim as cs
from coilsim.study import Scenario, run
from coilsim.tissue.io import read_tissue_file

quick = os.environ.get("COILSIM_EXAMPLE_QUICK") == "1"
out = sys.argv[1] if len(sys.argv) > 1 else "ages_out"
os.makedirs(out, exist_ok=True)
models = ["child_4_6y", "child_4_6y_cp", "child_7_10y", "child_7_10y_cp", "child_11_14y",
          "child_11_14y_cp", "adult"]
base = Scenario.default().with_values({"nerves.families": ["alpha_motor", "Abeta"],
                                       "nerves.confirm": 0, "nerves.waveforms": ["stimulator"]})


def scenario_for(model):
    if not quick:
        return base.with_values({"tissue": model})
    p = read_tissue_file(model).parameters
    return base.with_values({"nerves.depth_count": 8, "output.grid_spacing": 0.01,
                             "tissue": {"kind": "planar", "name": model, "layers": [
        ["skin", p["skin"], 0.1], ["fat", p["fat"], 0.04], ["muscle", float("inf"), 0.34]]}})


if __name__ == "__main__":
    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    for model in models:
        res = run(scenario_for(model))
        f = res.family("alpha_motor")
        ax.plot(f.depths * 1e3, f.intensity[0], ls="--" if model.endswith("_cp") else "-", label=model)
        print(f"{model:16s} α-motor lowest threshold {f.intensity[0].min():.3f} of output, "
              f"activation depth at {res.pulse.intensity:.0%}: {f.activation_depth * 1e3:.1f} mm")
    ax.axhline(base.get("stimulator.intensity"), color="k", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("depth below the skin (mm)")
    ax.set_ylabel("α-motor threshold (fraction of output)")
    ax.legend(fontsize=7)
    fig.savefig(os.path.join(out, "threshold_vs_depth_ages.png"), dpi=110)
