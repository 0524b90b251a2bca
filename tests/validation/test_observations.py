"""The observation targets (issue 21): sourced, quoted, bounded by the interval rule, and counted
in docs/validation.md as the targets files hold them.

- every observation names a dated source, quotes its figure and says where to read it (a URL,
  or a page, section, slide or abstract in its source);
- its bounds follow the interval rule of docs/validation.md: a level x gives x ± 25%, a change
  c gives c/2 to 3c/2 (a lower bound only for "more than"), a range is used as given, and a
  target that departs from the rule says why;
- the results section of docs/validation.md was written by docs/gen_validation.py for this
  target set (its hash), and the counts it states are those of the targets files;
- docs/gen_validation.py writes the section from a validation table and keeps the reading.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.validation import list_target_cases, read_all_targets, read_targets, targets_digest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "validation.md"
OBSERVATIONS = [
    (case, t)
    for case in list_target_cases()
    for t in read_targets(case).targets
    if t.kind == "observation"
]
IDS = [f"{case}/{t.id}" for case, t in OBSERVATIONS]
#: Where in a source a quote is read, when the source has no URL.
PLACE = r"p\. ?\d+|pp\. ?\d+|page|section|§|slide|abstract|summary|table"


@pytest.mark.parametrize(("case", "target"), OBSERVATIONS, ids=IDS)
def test_every_observation_has_a_dated_source_a_quote_and_a_place(case, target):
    assert re.search(r"\(\d{4}[,)]|\(n\.d\.", target.source), target.source
    assert "Dunn, Sebstad" not in target.source and "seed line" not in target.source
    assert len(target.quote) >= 20, f"{case}/{target.id}: quote the figure"
    assert target.url.startswith("http") or re.search(PLACE, target.source, re.I), (
        f"{case}/{target.id}: give a URL or a page (section, slide, abstract) in the source"
    )
    # The figure the bounds come from is in the quote (a number, or the words for one; in a
    # Spanish source, "la mayor parte" or "la mayoría").
    assert re.search(
        r"\d|half|third|quarter|most|majority|mayor parte|mayoría", target.quote, re.I
    ), target.quote


@pytest.mark.parametrize(("case", "target"), OBSERVATIONS, ids=IDS)
def test_observation_bounds_follow_the_interval_rule(case, target):
    text = target.interval
    low, high = target.low, target.high
    both = math.isfinite(low) and math.isfinite(high)
    where = f"{case}/{target.id}: {text}"
    if "± 25%" in text and both:
        # x ± 25%: the bounds are 0.75 x and 1.25 x (rounded in the file to 2-3 digits).
        assert high / low == pytest.approx(1.25 / 0.75, rel=0.02), where
    elif "± 25%" in text:
        # "more than x" / "over x": the lower bound only, 0.75 x of the quoted level.
        assert math.isfinite(low) and not math.isfinite(high), where
        assert re.search(r"more than|over", text), where
    elif target.statistic == "ratio" and "change" in text and both:
        # A change c: the ratio lies in 1 + c/2 to 1 + 3c/2.
        assert (high - 1) / (low - 1) == pytest.approx(3.0, rel=0.02), where
    elif target.statistic == "ratio" and "change" in text:
        assert re.search(r"more than|at least half", text), where
        assert math.isfinite(low) and not math.isfinite(high), where
    elif "as given" in text:
        pass  # a reported range (or one-sided statement) is used as it is
    elif re.search(r"bound only|one-sided", text):
        assert math.isfinite(low) != math.isfinite(high), where
    else:
        # A target whose source changes the rule says why, in its own interval text.
        assert "because" in text, f"{where}: name the rule, or say why it is changed"
    assert low < high


def _results_section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(r"<!-- BEGIN RESULTS -->(.*?)<!-- END RESULTS -->", text, re.S)
    assert found, (
        "no results section: mse-sim validate all --seeds 20 --out out/validation; "
        "python docs/gen_validation.py out/validation/validation.csv"
    )
    return found.group(1)


def test_the_docs_results_are_for_this_target_set_and_count_its_observations():
    section = _results_section()
    cases = read_all_targets("all")
    digest = targets_digest(cases)
    assert f"target set hash `{digest[:8]}" in section, (
        "docs/validation.md's results are for another target set: re-run validate all and "
        "python docs/gen_validation.py"
    )
    n_obs = sum(t.kind == "observation" for ct in cases for t in ct.targets)
    n_cases = sum(any(t.kind == "observation" for t in ct.targets) for ct in cases)
    found = re.search(
        r"Observations in all: (\d+), in (\d+) cases\. Observations that discriminate "
        r"\(counted\): (\d+), in (\d+) cases .*? is (met|not met)\.",
        section,
        re.S,
    )
    assert found, "the results section states the counts"
    total, in_cases, counted, counted_cases, met = found.groups()
    assert (int(total), int(in_cases)) == (n_obs, n_cases)
    assert int(counted) <= n_obs and int(counted_cases) <= n_cases
    # The claim about issue 21's goal follows from the counts it states.
    assert (met == "met") == (int(counted) >= 20 and int(counted_cases) >= 7)
    # One table row per observation, each saying whether it discriminates.
    for case, t in OBSERVATIONS:
        assert re.search(rf"^\| {case} \| {re.escape(t.id)} \|.*\| (yes|no|–) \|$", section, re.M)
    reading = re.search(
        r"<!-- BEGIN RESULTS READING -->(.*?)<!-- END RESULTS READING -->", section, re.S
    )
    assert reading and "Write the reading" not in reading.group(1)


def test_the_generator_writes_the_section_and_keeps_the_reading(tmp_path, monkeypatch, script):
    gen = script("docs/gen_validation.py")
    page = tmp_path / "validation.md"
    page.write_text("# V\n\nintro\n\n<!-- BEGIN POWER -->\np\n<!-- END POWER -->\n", "utf-8")
    monkeypatch.setattr(gen, "PAGE", page)
    row = {
        "case": "c1",
        "kind": "observation",
        "claim": "x",
        "metric": "share_product",
        "statistic": "value",
        "against": "",
        "window": "(109, 120)",
        "target": "",
        "low": 0.2,
        "high": 0.25,
        "n_seeds": 3,
        "placebo_n": 9,
        "placebo_values": "",
        "description": False,
        "source": "Someone, A. (2005), A report, p. 3",
        "quote": "20-25%",
        "url": "",
        "interval": "as given",
        "requires": "",
        "note": "",
        "rule": "mean",
    }
    table = pd.DataFrame(
        [
            {
                **row,
                "id": "a",
                "mean": 0.3,
                "ci_low": 0.28,
                "ci_high": 0.32,
                "status": "fail",
                "discriminates": True,
                "placebo_pass": 2,
                "counts": True,
            },
            {
                **row,
                "id": "b",
                "mean": 0.22,
                "ci_low": 0.2,
                "ci_high": 0.24,
                "status": "pass",
                "discriminates": False,
                "placebo_pass": 7,
                "counts": False,
            },
            {
                **row,
                "id": "d",
                "case": "c2",
                "kind": "direction",
                "mean": 0.22,
                "ci_low": 0.2,
                "ci_high": 0.24,
                "status": "pass",
                "discriminates": True,
                "placebo_pass": 1,
                "counts": False,
            },
        ]
    )
    meta = {
        "seeds": [0, 1, 2],
        "placebo": {"seeds": [0, 1]},
        "steps": {"c1": 120, "c2": 120},
        "targets_hash": "abcdef0123456789",
        "targets": {"c1": {"version": 3, "hash": "x"}, "c2": {"version": 3, "hash": "y"}},
        "version": "v",
        "created": "now",
        "code": {"commit": "0123456789abcdef", "dirty": False},
    }
    monkeypatch.setattr(gen, "read_provenance", lambda path: meta)
    path = tmp_path / "validation.csv"
    table.to_csv(path, index=False)
    assert gen.main([str(path)]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.index("## Results") < text.index("<!-- BEGIN POWER -->")
    assert "**0 of 1 observations pass" in text
    assert "Observations in all: 2, in 1 cases. Observations that discriminate (counted): 1" in text
    assert (
        "| c1 | a | `share_product`, value, 109-120 | 30.0% [28.0%, 32.0%] | 20.0% to 25.0% |"
        in text
    )
    assert "**c1, a** (`share_product`, months 109-120): the model gives 30.0%" in text
    assert "(Someone, A. (2005))" in text
    text = text.replace("(Write the reading of the results here.)", "My reading.")
    page.write_text(text, encoding="utf-8")
    assert gen.main([str(path)]) == 0
    again = page.read_text(encoding="utf-8")
    assert "My reading." in again and again.count("## Results") == 1
    assert gen.main([str(tmp_path / "missing.csv")]) == 2
