"""coilsim: magnetic-stimulation coils from geometry to nerve activation.

Pipeline: coil geometry -> Biot-Savart (B, A per ampere) -> induced E in a tissue model ->
nerve fibres -> thresholds and activation depth. SI units everywhere.
Importing coilsim never imports pyvista or matplotlib (see :mod:`coilsim.viz`).
"""

from __future__ import annotations

__version__ = "0.1.0.dev0"

from .constants import MU0
from .errors import (CoilFileError, CoilsimError, CoilsimTypeError, CoilsimValueError,
                     ConvergenceError)
from .coils.conductor import Conductor
from .coils import (Coil, circular_coil, figure_eight_coil, helix_coil, list_coils, load_coil,
                    racetrack_coil, spiral_coil)
from . import analytic, pulses
from .pulses import Pulse, Stimulator
from .tissue import TissueModel, list_tissues, load_tissue
from .efield import EField, solve_efield
from .nerves import (ActivationDepth, BranchedFiber, Estimator, Fiber, FiberThreshold, activation_depth,
                     fiber_threshold, fiber_thresholds, probe_fibers, quasi_potential,
                     senn_threshold, threshold_vs_depth)
from .study import Results, Scenario, run, sweep
from . import viz
