"""``mse-sim experiment``: bad input is exit 2, nothing written; ``all`` writes the report."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from sim import experiments as ex
from sim.ui.cli import main

EFFECT_COLUMNS = [
    "metric",
    "baseline_mean",
    "intervention_mean",
    "effect",
    "ci_low",
    "ci_high",
    "n_seeds",
]


@pytest.mark.parametrize(
    "argv",
    [
        ["experiment", "g9"],
        ["experiment", "g1", "--seeds", "1"],
        ["experiment", "g1", "--scenario", "atlantis"],
        ["experiment", "all", "--set", "credit_access=2"],
        ["experiment", "g1", "--workers", "0"],
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, argv):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    assert "error:" in capsys.readouterr().err
    assert not out.exists()


def test_cli_all_writes_tables_figures_and_a_self_contained_report(tmp_path, capsys):
    out = tmp_path / "report"
    argv = [
        "experiment",
        "all",
        "--seeds",
        "2",
        "--steps",
        "12",
        "--set",
        "n_mse=60",
        "--workers",
        "1",
        "--draws",
        "2",
        "--draw-seeds",
        "2",
        "--quiet",
        "--out",
        str(out),
    ]
    assert main(argv) == 0  # posterior uncertainty, the default for all
    for gid in ex.GUIDELINES:
        table = pd.read_csv(out / f"{gid}.csv")
        assert list(table.columns) == EFFECT_COLUMNS
        assert set(ex.GUIDELINES[gid].key_metrics) <= set(table["metric"])
        assert (out / f"{gid}.png").read_bytes()[:4] == b"\x89PNG"
    html = (out / "report.html").read_text()
    assert len(re.findall(r"<section id=\"g\d\">", html)) == 7
    # Seven guideline figures and, in the section on costs, seven who-gains figures.
    assert html.count("data:image/png;base64,") == 14
    assert '<section id="costs">' in html and "cost per additional upgrader" in html
    costs = pd.read_csv(out / "costs.csv")
    assert list(costs["experiment"]) == [*ex.GUIDELINES, "g6:physical_distance", "g6:ict_access"]
    assert not re.search(r"(src|href)=\"https?://", html), "the report must work offline"
    assert "Scenario <strong>baseline</strong>" in html and "mse-sim" in html
    assert "wrote" in capsys.readouterr().out
    # The combined interval is the main one, the seed-only one is named beside it.
    assert html.count("<table class='posterior'>") == 7
    assert html.count("95% interval, parameters and seeds") == 7
    assert html.count("seed-only interval") >= 7
    assert "2 posterior draws × 2 seeds" in html and "√(p(1−p)/2)" in html
    assert "combine the uncertainty of the parameters and of the seeds" in html
    # the cost table is over the posterior runs; its provenance and each guideline's say so
    assert list(costs["draws"].unique()) == [2]
    meta = json.loads((out / "g4-posterior.csv.meta.json").read_text())
    assert meta["uncertainty"] == "posterior" and len(meta["draws"]) == 2
    assert {"model_version", "targets_hash", "n_rows", "constants"} <= set(meta["posterior"])
    cost_meta = json.loads((out / "costs.csv.meta.json").read_text())
    assert cost_meta["posterior"]["targets_hash"] == meta["posterior"]["targets_hash"]
    assert f"targets hash {meta['posterior']['targets_hash'][:12]}" in html
    table = pd.read_csv(out / "g4-posterior.csv")
    assert ((table["high"] - table["low"]) >= (table["seed_high"] - table["seed_low"]) - 1e-9).all()


def test_cli_all_with_seed_only_intervals_keeps_the_old_report(tmp_path):
    out = tmp_path / "report"
    argv = ["experiment", "all", "--uncertainty", "seeds", "--seeds", "2", "--steps", "12"]
    argv += ["--set", "n_mse=50", "--workers", "1", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    html = (out / "report.html").read_text()
    assert "seed-only interval" not in html and "posterior" not in html
    assert "draws" not in pd.read_csv(out / "costs.csv").columns
    assert not list(out.glob("*-posterior.csv"))
