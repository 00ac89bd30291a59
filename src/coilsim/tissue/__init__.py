"""Tissue models: layered planes, spheres, cylinders, the anatomical calf and any closed meshes."""

from .model import Layer, MeshOptions, Surface, TissueModel, list_tissues, load_tissue

__all__ = ["Layer", "MeshOptions", "Surface", "TissueModel", "list_tissues", "load_tissue"]
