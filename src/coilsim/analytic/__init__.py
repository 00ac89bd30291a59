"""Exact reference solutions (loop B/A, inductances, ...): used by tests, benchmarks and users."""

from .loop import loop_field, loop_vector_potential
from .inductance import (coaxial_mutual_inductance, loop_self_inductance, mohan_spiral_inductance,
                         wheeler_spiral_inductance)
