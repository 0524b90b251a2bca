"""Validation and calibration: the nine cases against what was observed.

* :mod:`~sim.validation.targets`: the documented targets of each case (the top-level
  ``targets/`` folder), read and checked;
* :mod:`~sim.validation.validate`: running the cases and comparing them with their targets
  (:func:`validate`), and checking runs already made (:func:`targets_met`, for the report);
* :mod:`~sim.validation.parameters`: what a calibration fits (free levers or constants, ABC
  settings);
* :mod:`~sim.validation.calibrate`: fitting scenario levers to a case's targets with ABC-SMC
  (pyABC, the optional ``calibrate`` extra).

See ``docs/validation.md``.
"""

from sim.validation.targets import (
    PLANNED_METRICS,
    STATISTICS,
    Arm,
    CaseTargets,
    Target,
    TargetError,
    list_target_cases,
    read_all_targets,
    read_targets,
    targets_dir,
)
from sim.validation.validate import (
    CONFIDENCE,
    DEFAULT_SEEDS,
    FAIL,
    NOT_MODELLED,
    NOT_RUN,
    PASS,
    exit_code,
    summary_counts,
    targets_met,
    validate,
)

__all__ = [
    "CONFIDENCE",
    "DEFAULT_SEEDS",
    "FAIL",
    "NOT_MODELLED",
    "NOT_RUN",
    "PASS",
    "PLANNED_METRICS",
    "STATISTICS",
    "Arm",
    "CaseTargets",
    "Target",
    "TargetError",
    "exit_code",
    "list_target_cases",
    "read_all_targets",
    "read_targets",
    "summary_counts",
    "targets_dir",
    "targets_met",
    "validate",
]
