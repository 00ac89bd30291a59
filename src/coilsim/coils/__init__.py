"""Coils: geometry, conductors, builders, placement, fields and inductance, file I/O."""

from .builders import circular_coil, figure_eight_coil, helix_coil, racetrack_coil, spiral_coil
from .coil import Coil, Wire
from .conductor import Conductor
from .io import list_coils, load_coil

__all__ = ["Coil", "Wire", "Conductor", "circular_coil", "spiral_coil", "figure_eight_coil",
           "racetrack_coil", "helix_coil", "load_coil", "list_coils"]
