"""Each guideline moves its key metrics the way the paper says (emergent, over seeds)."""

from __future__ import annotations

import pytest

from sim import experiments as ex

#: Small but not tiny: the direction tests need a real population; common random numbers and
#: a year-long outcome window keep 10 seeds enough.
DIRECTION = {"seeds": 10, "steps": 120, "n_mse": 400}


@pytest.fixture(scope="module")
def baseline_results():
    return ex.run_experiments(
        scenario="baseline",
        seeds=DIRECTION["seeds"],
        steps=DIRECTION["steps"],
        n_mse=DIRECTION["n_mse"],
    )


#: Distress under herding depends on the path of export prices, which all MSEs of a run share,
#: so it varies much more between seeds than within them: g7 needs more seeds to show it.
MORE_SEEDS = {"g7": 30}


@pytest.mark.parametrize("gid", list(ex.GUIDELINES))
def test_guideline_moves_its_key_metrics_the_way_the_paper_says(
    baseline_results, gid, disagreement
):
    if gid in MORE_SEEDS:
        result = ex.run_experiment(
            gid,
            scenario="baseline",
            seeds=MORE_SEEDS[gid],
            steps=DIRECTION["steps"],
            n_mse=DIRECTION["n_mse"],
        )
    else:
        result = baseline_results[gid]
    expect = result.guideline.expect
    for metric in disagreement.last([f"{gid} {m}" for m in expect]):
        metric = metric.removeprefix(f"{gid} ")
        direction = expect[metric]
        row = result.effect(metric)
        shown = row["ci_low"] > 0 if direction == "up" else row["ci_high"] < 0
        with disagreement(f"{gid} {metric}"):
            assert shown, (
                f"{gid} on baseline: expected {metric} {direction} with the 95% CI excluding zero; "
                f"got effect {row['effect']:.4f}, CI {row['ci_low']:.4f} to {row['ci_high']:.4f} "
                f"(baseline {row['baseline_mean']:.4f})"
            )
