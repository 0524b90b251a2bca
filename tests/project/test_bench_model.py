"""`benchmarks/bench_model.py`'s summary: the speed-up is paired round by round.

The workers themselves are not run here (they time the model; this machine's speed drifts, so
no test times anything): the summary is fed made-up rounds whose answer is known.
"""

import pytest


@pytest.fixture(scope="module")
def bench(script):
    return script("benchmarks/bench_model.py")


def _rounds(bench, old_ms, new_ms):
    """Results of two trees whose months at every size and runs took these times per round."""
    sizes = sorted(set(bench.FIXED_COST_SIZES) | {1_000})

    def tree(ms):
        res = {}
        for n in sizes:
            # A month costs a fixed `ms` plus 1 us per MSE, round by round.
            res[f"ms_per_month@{n}"] = [m + n * 1e-3 for m in ms]
            res[f"ns_per_mse_month@{n}"] = [(m + n * 1e-3) * 1e6 / n for m in ms]
        res["run_1000x120_ms"] = [120 * (m + 1.0) for m in ms]
        res["thread_speedup"] = [1.0 + m for m in ms]
        res["bytes_per_mse"] = [500.0]
        return res

    return {"old": tree(old_ms), "new": tree(new_ms)}


def test_the_speed_up_is_the_median_of_the_rounds_ratios(bench):
    # Drift: round 2 is slow for both trees. The paired ratios are 2, 2 and 4; the ratio of
    # the medians would mix rounds (old's median round against new's).
    results = _rounds(bench, old_ms=[1.0, 5.0, 2.0], new_ms=[0.5, 2.5, 0.5])
    paired = bench._paired_ratios(results, ["old", "new"])
    fixed = paired["fixed_cost_ms_per_month"]
    assert fixed["median"] == pytest.approx(2.0)
    assert (fixed["low"], fixed["high"]) == pytest.approx((2.0, 4.0))
    run = paired["run_1000x120_ms"]  # 120 (m + 1): 240/180, 720/420, 360/180
    assert run["median"] == pytest.approx(720 / 420)
    assert (run["low"], run["high"]) == pytest.approx((240 / 180, 2.0))


def test_a_higher_thread_speed_up_is_better_and_bytes_are_not_a_speed_up(bench):
    results = _rounds(bench, old_ms=[1.0, 1.0, 1.0], new_ms=[3.0, 3.0, 3.0])
    paired = bench._paired_ratios(results, ["old", "new"])
    assert paired["thread_speedup"]["median"] == pytest.approx(4.0 / 2.0)  # new / old
    assert "bytes_per_mse" not in paired


def test_the_table_shows_the_paired_speed_up_and_its_range(bench):
    results = _rounds(bench, old_ms=[1.0, 5.0, 2.0], new_ms=[0.5, 2.5, 0.5])
    result = {
        "rounds": 3,
        "threads": 2,
        "sizes": [1_000],
        "median": {
            name: {
                **{k: sorted(v)[len(v) // 2] for k, v in res.items()},
                "fixed_cost_ms_per_month": 1.0,
            }
            for name, res in results.items()
        },
        "paired": bench._paired_ratios(results, ["old", "new"]),
    }
    table = bench._table(result, ["old", "new"])
    line = next(row for row in table.splitlines() if row.startswith("| fixed cost"))
    assert line.endswith("| 2.00x (2.00-4.00) |")
    line = next(row for row in table.splitlines() if row.startswith("| peak bytes"))
    assert line.endswith("|  |")
