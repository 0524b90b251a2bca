"""Running experiments (sim.experiments.arms): bad input is refused, workers change nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import experiments as ex
from sim.errors import UserInputError

EFFECT_COLUMNS = [
    "metric",
    "baseline_mean",
    "intervention_mean",
    "effect",
    "ci_low",
    "ci_high",
    "n_seeds",
]


TINY = {"seeds": 2, "steps": 12, "n_mse": 60}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"guideline": "g8"}, r"guideline: value 'g8' is not known \(allowed: g1, .*g7\)"),
        ({"seeds": 1}, "seeds: value 1 is not allowed"),
        ({"seeds": [3, 3]}, "seeds: value"),
        ({"steps": 0}, "steps: value 0 is not allowed"),
        ({"workers": 0}, "workers: value 0 is not allowed"),
        ({"scenario": "atlantis"}, "unknown scenario 'atlantis'"),
        ({"credit_access": 1.5}, "credit_access"),
    ],
)
def test_bad_input_raises_user_input_error(kwargs, match):
    args = {"guideline": "g4", "scenario": "baseline", "seeds": 2, "steps": 2, **kwargs}
    with pytest.raises(UserInputError, match=match):
        ex.run_experiment(args.pop("guideline"), args.pop("scenario"), **args)


def test_results_do_not_depend_on_the_number_of_workers():
    one = ex.run_experiment("g4", "baseline", workers=1, **TINY)
    two = ex.run_experiment("g4", "baseline", workers=2, **TINY)
    pd.testing.assert_frame_equal(one.effects, two.effects)
    assert list(one.effects.columns) == EFFECT_COLUMNS
