"""With issue 22's market mechanisms switched off, the model is 0.3.0's to the bit.

Demand that answers supply, entry of new MSEs and MSEs choosing their buyers each have one
calibration constant that switches them off (`benchmarks/reference_runs.py`'s
``MARKETS_OFF``). With those values the three reference runs must give 0.3.0's fingerprints
(``tests/data/reference_runs_0.3.json``): the old behaviour is the limit of the new
mechanisms, not a different model.
"""

import json

import pytest

import sim


def test_markets_off_names_real_constants(reference_runs):
    module = reference_runs
    for name in module.MARKETS_OFF:
        assert sim.constants.is_constant(name), name


def test_markets_off_gives_0_3_0s_numbers(reference_runs):
    module = reference_runs
    old = json.loads(module.STORE_0_3.read_text(encoding="utf-8"))
    assert old[module.VERSION_KEY].startswith("0.3.")
    # 0.3.0's metrics only: the mechanisms add metrics of their own (new columns).
    current = module.fingerprints(constants=module.MARKETS_OFF, columns=old.get("columns"))
    message = module.difference(old, current)
    if message:
        pytest.fail(message, pytrace=False)
