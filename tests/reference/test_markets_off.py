"""With issue 22's market mechanisms switched off, the model is 0.3.0's to the bit.

Demand that answers supply, entry of new MSEs and MSEs choosing their buyers each have one
calibration constant that switches them off (`benchmarks/reference_runs.py`'s
``MARKETS_OFF``). With those values the three reference runs must give 0.3.0's fingerprints
(``tests/data/reference_runs_0.3.json``): the old behaviour is the limit of the new
mechanisms, not a different model.
"""

import importlib.util
import json
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[2]


def _reference_module():
    spec = importlib.util.spec_from_file_location(
        "reference_runs", ROOT / "benchmarks" / "reference_runs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_markets_off_names_real_constants():
    module = _reference_module()
    for name in module.MARKETS_OFF:
        assert sim.constants.is_constant(name), name


def test_markets_off_gives_0_3_0s_numbers():
    module = _reference_module()
    old = json.loads(module.STORE_0_3.read_text(encoding="utf-8"))
    assert old[module.VERSION_KEY].startswith("0.3.")
    message = module.difference(
        old, module.fingerprints(constants=module.MARKETS_OFF, columns=module.COLUMNS_0_3)
    )
    if message:
        pytest.fail(message, pytrace=False)
