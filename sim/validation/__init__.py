"""Validation and calibration: the nine cases against what was observed.

* :mod:`~sim.validation.targets`: the documented targets of each case (the top-level
  ``targets/`` folder), read and checked, of three kinds (observation, direction, face), with
  a version and a hash;
* :mod:`~sim.validation.validate`: running the cases and comparing them with their targets
  (:func:`validate`), with placebo runs that say whether each target discriminates, over
  seeds or, under posterior uncertainty (:mod:`~sim.validation.posterior`), over draws of the
  shipped posterior × seeds;
* :mod:`~sim.validation.summary`: a table's headline, counts and exit code, and checking runs
  already made (:func:`targets_met`, for the report);
* :mod:`~sim.validation.parameters`: what a calibration fits (free levers or constants, ABC
  settings);
* :mod:`~sim.validation.calibrate`: fitting scenario levers to a case's targets with ABC-SMC
  (pyABC, the optional ``calibrate`` extra).

See ``docs/validation.md``.
"""

from sim.validation.summary import exit_code, headline, summary_counts, targets_met
from sim.validation.targets import (
    DIRECTION,
    FACE,
    KINDS,
    OBSERVATION,
    PLANNED_METRICS,
    STATISTICS,
    Arm,
    CaseTargets,
    Target,
    TargetError,
    list_target_cases,
    read_all_targets,
    read_targets,
    targets_digest,
    targets_dir,
    targets_provenance,
)
from sim.validation.validate import (
    CONFIDENCE,
    DEFAULT_PLACEBO_SEEDS,
    DEFAULT_SEEDS,
    DISCRIMINATION_RULE,
    FAIL,
    NOT_MODELLED,
    NOT_RUN,
    PASS,
    placebo_verdict,
    validate,
)

__all__ = [
    "CONFIDENCE",
    "DEFAULT_PLACEBO_SEEDS",
    "DEFAULT_SEEDS",
    "DIRECTION",
    "DISCRIMINATION_RULE",
    "FACE",
    "FAIL",
    "KINDS",
    "NOT_MODELLED",
    "NOT_RUN",
    "OBSERVATION",
    "PASS",
    "PLANNED_METRICS",
    "STATISTICS",
    "Arm",
    "CaseTargets",
    "Target",
    "TargetError",
    "exit_code",
    "headline",
    "list_target_cases",
    "placebo_verdict",
    "read_all_targets",
    "read_targets",
    "summary_counts",
    "targets_digest",
    "targets_dir",
    "targets_met",
    "targets_provenance",
    "validate",
]
