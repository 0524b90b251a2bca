"""mse-sim: an agent-based model of micro and small enterprise (MSE) upgrading in value chains.

After Dunn, Sebstad, Batzdorff & Parsons (2006), *Lessons Learned on MSE Upgrading in Value
Chains*. MSEs, intermediaries, lead firms and end-market buyers are Mesa agents; MSE state lives
in numpy arrays stepped by compiled passes over all MSEs, with the `MSE` agents as views
onto it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mse-upgrading")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from sim.agents import MSE, Buyer, Intermediary, LeadFirm
from sim.errors import UserInputError
from sim.metrics import METRICS
from sim.model import ValueChainModel, run
from sim.scenario import (
    FIELDS,
    LEVERS,
    ScenarioError,
    ValueChainScenario,
    list_scenarios,
    load_scenario,
    read_scenario_file,
)
from sim.sensitivity import analyze
from sim.sweeps import sweep

__all__ = [
    "MSE",
    "METRICS",
    "Buyer",
    "Intermediary",
    "LeadFirm",
    "ValueChainModel",
    "analyze",
    "run",
    "sweep",
    "FIELDS",
    "LEVERS",
    "ScenarioError",
    "UserInputError",
    "ValueChainScenario",
    "__version__",
    "list_scenarios",
    "load_scenario",
    "read_scenario_file",
]
