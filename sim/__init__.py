"""mse-sim: an agent-based model of micro and small enterprise (MSE) upgrading in value chains.

After Dunn, Sebstad, Batzdorff & Parsons (2006), *Lessons Learned on MSE Upgrading in Value
Chains*. MSEs, intermediaries, lead firms and end-market buyers are Mesa agents; MSE state lives
in numpy arrays stepped by compiled passes over all MSEs, with the `MSE` agents as views
onto it.

Layers, imports going one way only (``tests/project/test_layers.py`` checks it):

* the model: ``sim.scenario`` and ``sim.scenario_fields``, ``sim.population``, the mechanism
  modules, ``sim.model``, ``sim.metrics``, ``sim.who_gains``, with shared utilities
  (``sim.errors``, ``sim.checks``, ``sim.io``, ``sim.data``, ``sim.engines``, ``sim.memory``);
* studies of many runs: ``sim.experiments``, ``sim.sweeps``, ``sim.ema``, ``sim.validation``;
* the user interface: ``sim.ui`` (CLI, report, figures, words, app).

A *run* is one simulation of one scenario with one seed (:func:`run`); the studies are made
of runs: an experiment (``sim.experiments.run_experiment``), a sweep (:func:`sweep`), a
validation (:func:`validate`), a calibration.

``import sim`` is cheap: the names below load their module on first use.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("mse-upgrading")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

#: Public name -> the module that defines it (loaded when the name is first used).
_EXPORTS: dict[str, str] = {
    "MSE": "sim.agents",
    "Buyer": "sim.agents",
    "Intermediary": "sim.agents",
    "LeadFirm": "sim.agents",
    "UserInputError": "sim.errors",
    "distribution": "sim.who_gains",
    "METRICS": "sim.metrics",
    "METRIC_INFO": "sim.metrics",
    "ValueChainModel": "sim.model",
    "posterior": "sim.calibrated",
    "run": "sim.model",
    "FIELDS": "sim.scenario",
    "LEVERS": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "ValueChainScenario": "sim.scenario",
    "list_scenarios": "sim.scenario",
    "load_scenario": "sim.scenario",
    "read_scenario_file": "sim.scenario",
    "analyze": "sim.sweeps",
    "sweep": "sim.sweeps",
    "validate": "sim.validation",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # the same names for type checkers, which do not run __getattr__
    # (tests/project/test_typing.py checks that these imports and _EXPORTS agree)
    from sim.agents import MSE as MSE
    from sim.agents import Buyer as Buyer
    from sim.agents import Intermediary as Intermediary
    from sim.agents import LeadFirm as LeadFirm
    from sim.calibrated import posterior as posterior
    from sim.errors import UserInputError as UserInputError
    from sim.metrics import METRIC_INFO as METRIC_INFO
    from sim.metrics import METRICS as METRICS
    from sim.model import ValueChainModel as ValueChainModel
    from sim.model import run as run
    from sim.scenario import FIELDS as FIELDS
    from sim.scenario import LEVERS as LEVERS
    from sim.scenario import ScenarioError as ScenarioError
    from sim.scenario import ValueChainScenario as ValueChainScenario
    from sim.scenario import list_scenarios as list_scenarios
    from sim.scenario import load_scenario as load_scenario
    from sim.scenario import read_scenario_file as read_scenario_file
    from sim.sweeps import analyze as analyze
    from sim.sweeps import sweep as sweep
    from sim.validation.validate import validate as validate
    from sim.who_gains import distribution as distribution


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
