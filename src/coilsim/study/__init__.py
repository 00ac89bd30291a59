"""Studies: a :class:`Scenario` (TOML) -> :func:`run` -> :class:`Results`; :func:`sweep` over any
scenario parameter with any ``concurrent.futures`` executor; :func:`write_report`."""

from .scenario import DEFAULT_SCENARIO_TOML, FAMILIES, Scenario, ScenarioError, load_scenario
from .run import (Confirmation, EFieldSummary, FamilyThresholds, FieldData, PulseSummary, Results,
                  evaluate, field_stage, run)
from .sweep import sweep
from .report import write_report

__all__ = ["Scenario", "ScenarioError", "DEFAULT_SCENARIO_TOML", "FAMILIES", "load_scenario",
           "run", "field_stage", "evaluate", "Results", "FieldData", "FamilyThresholds",
           "Confirmation", "EFieldSummary", "PulseSummary", "sweep", "write_report"]
