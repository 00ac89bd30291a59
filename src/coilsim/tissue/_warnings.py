"""Warning classes of :mod:`coilsim.tissue`."""

from __future__ import annotations


class MeshQualityWarning(UserWarning):
    """A surface mesh is valid but has poorly shaped triangles (large aspect ratio)."""


__all__ = ["MeshQualityWarning"]
