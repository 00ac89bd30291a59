"""Views: pyvista scenes (:func:`scene`, :func:`screenshot`) and matplotlib figures
(:mod:`coilsim.viz.figures`). pyvista and matplotlib are imported only when a function runs;
nothing here calls ``show()``."""

from . import figures
from .scene import scene, scene_from_vtk, screenshot

__all__ = ["scene", "scene_from_vtk", "screenshot", "figures"]
