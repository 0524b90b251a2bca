"""Fixtures shared by the test folders (``pytest`` finds them by name).

Where a test goes: a test of ``sim/<module>.py`` (the model) goes in
``tests/model/test_<module>.py``; of ``sim/<package>/<module>.py`` in
``tests/<package>/test_<module>.py``; of ``sim/ui/<...>/<module>.py`` in
``tests/ui/<...>/test_<module>.py``; repo-wide checks (docs, README, layers) in
``tests/project/``.
"""

from __future__ import annotations

import pytest

from sim import experiments
from sim.costs import lever_by_lever
from sim.experiments import GUIDELINES
from sim.who_gains import summary

# == studies and UI ==========================================================================


@pytest.fixture(scope="session")
def costed():
    """Guidelines 4 and 6 (and 6's levers alone) on a small scenario, with the probe.

    Shared by the cost model, cost-effectiveness and who-gains tests (``tests/costs``).
    """
    gs = [GUIDELINES["g4"], GUIDELINES["g6"], *lever_by_lever(GUIDELINES["g6"])]
    return experiments.run_experiments(gs, "baseline", seeds=4, steps=36, workers=1,
                                       probe=summary, n_mse=250)
