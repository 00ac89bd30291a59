"""Induced E-field: planar closed form and the surface-charge BEM (per unit dI/dt)."""

from .bem import BEMOperator
from .field import EField, Focality, SolveReport
from .planar import planar_efield
from .solve import bem_operator, solve_efield

__all__ = ["BEMOperator", "EField", "Focality", "SolveReport", "bem_operator", "planar_efield",
           "solve_efield"]
