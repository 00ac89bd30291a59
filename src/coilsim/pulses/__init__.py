"""Pulses and stimulators: the time course of dI/dt (and so of E) and where it comes from.

- :mod:`.waveforms`: :class:`Pulse` (normalised dI/dt) and the parametric shapes.
- :mod:`.stimulator`: :class:`Stimulator` (RLC discharge in closed form) and its presets.
- :mod:`.thermal`: coil resistance (DC, skin effect) and winding temperature during a train.
"""

from __future__ import annotations

from .waveforms import (MIN_SAMPLES, MONOPHASIC_TAIL, Pulse, biphasic, damped, half_sine,
                        monophasic, polyphasic, rectangular)
from .stimulator import Discharge, Stimulator, list_stimulators
from .thermal import CoilThermal, TrainLimit

__all__ = ["Pulse", "rectangular", "biphasic", "half_sine", "monophasic", "polyphasic", "damped",
           "MIN_SAMPLES", "MONOPHASIC_TAIL", "Stimulator", "Discharge", "list_stimulators",
           "CoilThermal", "TrainLimit"]
