"""Nerve fibres: cable models (SENN) and threshold searches."""

from .senn import (SennParameters, SennRun, SennThreshold, point_source_potential,
                   senn_node_positions, senn_simulate, senn_threshold)

__all__ = [
    "SennParameters",
    "SennRun",
    "SennThreshold",
    "point_source_potential",
    "senn_node_positions",
    "senn_simulate",
    "senn_threshold",
]
