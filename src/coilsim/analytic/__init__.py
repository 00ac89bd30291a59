"""Exact reference solutions (loop B/A, inductances, ...): used by tests, benchmarks and users."""

from .loop import loop_field, loop_vector_potential
from .inductance import (coaxial_mutual_inductance, loop_self_inductance, mohan_spiral_inductance,
                         wheeler_spiral_inductance)
from .halfspace import halfspace_efield, halfspace_efield_dipole, halfspace_efield_polyline
from .sphere import polyline_dipole_sheet, sphere_efield_dipoles, sphere_efield_polyline
from .cylinder import CylinderGrid, cylinder_efield, cylinder_grid
