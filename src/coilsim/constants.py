"""Physical constants (SI)."""

import math

#: vacuum permeability, H/m. coilsim uses the exact pre-2019 value 4π·1e-7 (DESIGN.md);
#: CODATA 2018 differs by 5.5e-10 relative (magpylib uses CODATA: rescale before comparing).
MU0 = 4.0e-7 * math.pi
#: μ0 / 4π, H/m
MU0_4PI = 1.0e-7
