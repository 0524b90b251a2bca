"""The seven guidelines for practitioners as paired experiments: baseline vs intervention arm.

Each guideline is an *experiment*: a scenario is run twice per seed, once as it is (the
baseline arm) and once with the guideline applied (the intervention arm). Both arms use the
same seeds, and the effect is the mean paired difference with a paired-t 95% interval.

Modules, one job each:

* :mod:`~sim.experiments.definitions`: the guidelines as data (``experiments/guidelines.toml``);
* :mod:`~sim.experiments.arms`: running arms on common seeds (:func:`run_experiment`,
  :func:`run_experiments`, :func:`compare`, :func:`run_arms`);
* :mod:`~sim.experiments.stats`: outcomes and paired effects;
* :mod:`~sim.experiments.results`: what an experiment returns.

Wording, figures, files and the HTML report are the user interface's (:mod:`sim.ui`).

Example:
    >>> from sim import experiments
    >>> result = experiments.run_experiment("g4", scenario="baseline", seeds=20)  # doctest: +SKIP
    >>> result.effect("share_process")["effect"]                        # doctest: +SKIP
"""

from sim.experiments.arms import (
    DEFAULT_SEEDS,
    DEFAULT_STEPS,
    ArmOutcomes,
    compare,
    run_arms,
    run_experiment,
    run_experiments,
)
from sim.experiments.definitions import (
    GUIDELINES,
    Change,
    Guideline,
    get_guideline,
    guidelines_path,
    load_guidelines,
)
from sim.experiments.results import ExperimentResult
from sim.experiments.stats import CONFIDENCE, OUTCOME_WINDOW, outcome, paired_effect

__all__ = [
    "CONFIDENCE",
    "DEFAULT_SEEDS",
    "DEFAULT_STEPS",
    "GUIDELINES",
    "OUTCOME_WINDOW",
    "ArmOutcomes",
    "Change",
    "ExperimentResult",
    "Guideline",
    "compare",
    "get_guideline",
    "guidelines_path",
    "load_guidelines",
    "outcome",
    "paired_effect",
    "run_arms",
    "run_experiment",
    "run_experiments",
]
