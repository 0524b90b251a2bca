"""Three 120-month reference runs are identical to the bit to their stored fingerprints.

A refactoring (a new layout, kernels taking named bundles) must leave every result as it was.
A change meant to move the model's numbers rewrites ``tests/data/reference_runs.json`` with
``python benchmarks/reference_runs.py --write`` in the same commit and says why.
"""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _reference_module():
    spec = importlib.util.spec_from_file_location(
        "reference_runs", ROOT / "benchmarks" / "reference_runs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_runs_are_unchanged():
    module = _reference_module()
    stored = json.loads((ROOT / "tests" / "data" / "reference_runs.json").read_text())
    assert module.fingerprints() == stored
