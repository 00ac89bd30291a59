"""Nerve fibres: fibre geometry, field coupling, cable models (SENN, MRG), the fast estimator,
threshold searches and activation depth."""

from .senn import (NODES, CrrssParameters, SennParameters, SennRun, SennThreshold,
                   point_source_potential, senn_node_positions, senn_simulate, senn_threshold)
from .fiber import (Fiber, Skin, afferent_fiber, cutaneous_fiber, internode_length, motor_axon,
                    nerve_trunk, probe_fibers, smooth_path)
from .branched import BranchedFiber
from .coupling import evaluate_field, quasi_potential, tangential_field
from .mrg import (MRG_TABLE, MrgGeometry, MrgRun, MrgThreshold, mrg_geometry, mrg_simulate,
                  mrg_threshold)
from .estimator import Estimator, EstimatorCalibration, estimate_thresholds
from .threshold import (ActivationDepth, FiberThreshold, activation_depth, fiber_threshold,
                        fiber_thresholds, fires, strength_duration, threshold_vs_depth)

__all__ = [
    "NODES", "CrrssParameters", "SennParameters", "SennRun", "SennThreshold", "point_source_potential",
    "senn_node_positions", "senn_simulate", "senn_threshold",
    "Fiber", "BranchedFiber", "Skin", "afferent_fiber", "cutaneous_fiber", "internode_length", "motor_axon",
    "nerve_trunk", "probe_fibers", "smooth_path",
    "evaluate_field", "quasi_potential", "tangential_field",
    "MRG_TABLE", "MrgGeometry", "MrgRun", "MrgThreshold", "mrg_geometry", "mrg_simulate",
    "mrg_threshold",
    "Estimator", "EstimatorCalibration", "estimate_thresholds",
    "ActivationDepth", "FiberThreshold", "activation_depth", "fiber_threshold",
    "fiber_thresholds", "fires", "strength_duration", "threshold_vs_depth",
]
