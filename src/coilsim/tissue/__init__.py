"""Tissue models of the lower leg: geometry, meshes, conductivities (SI units)."""
