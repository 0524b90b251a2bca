"""docs/validation.md reports the power check for every case (issue 26, item 3).

- the power section names at least 20 wrong models and has a table for every case with
  targets, one row per target, and a written reading;
- its wrong models are those ``sim.validation.power`` builds now;
- docs/gen_power.py writes the section from a power table and keeps the reading.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sim.validation import list_target_cases, read_targets
from sim.validation.power import wrong_models

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "validation.md"


def _section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(r"<!-- BEGIN POWER -->(.*?)<!-- END POWER -->", text, re.S)
    assert found, (
        "no power section: mse-sim validate all --power --out out/power; "
        "python docs/gen_power.py out/power/power.csv"
    )
    return found.group(1)


def test_the_power_section_covers_every_case_and_target():
    section = _section()
    n = len(wrong_models())
    assert n >= 20 and f"**{n} wrong models**" in section
    for model in wrong_models():
        if model.kind == "mechanism off":
            assert model.name.removeprefix("no ") in section, model.name
    for case in list_target_cases():
        part = section.split(f"### {case}\n", 1)
        assert len(part) == 2, f"no power table for {case}"
        table = part[1].split("\n### ", 1)[0]
        for target in read_targets(case).targets:
            assert re.search(rf"^\| {re.escape(target.id)} \(`", table, re.M), (case, target.id)
            assert (
                re.search(rf"^\| {re.escape(target.id)} .*\| \d+/{n} \|", table, re.M)
                or "not yet modelled" in table
            ), (case, target.id)
    reading = re.search(
        r"<!-- BEGIN POWER READING -->(.*?)<!-- END POWER READING -->", section, re.S
    )
    assert reading and "Write the reading" not in reading.group(1)


def test_the_generator_writes_the_section_and_keeps_the_reading(tmp_path, monkeypatch, script):
    gen = script("docs/gen_power.py")
    page = tmp_path / "validation.md"
    page.write_text("# V\n\nintro\n\n## Calibration\n\ncal\n", encoding="utf-8")
    monkeypatch.setattr(gen, "PAGE", page)
    models = [
        {"name": "x low", "kind": "constant edge"},
        {"name": "x high", "kind": "constant edge"},
        {"name": "no groups", "kind": "mechanism off"},
    ]
    table = pd.DataFrame(
        [
            {
                "case": "c",
                "id": "t1",
                "metric": "m",
                "statistic": "value",
                "target": "≥ 1",
                "rule": "mean",
                "kind": "sourced",
                "status": "pass",
                "n_wrong": 3,
                "rejected": 1,
                "power": 1 / 3,
                "power_mean": 1 / 3,
                "power_interval": 2 / 3,
                "power_overlap": 0.0,
                "passed_by": "x low, x high",
            }
        ]
    )
    meta = {
        "models": models,
        "seeds": [0, 1, 2],
        "version": "v",
        "created": "now",
        "code": {"commit": "abcdef1234567890", "dirty": False},
    }
    monkeypatch.setattr(gen, "read_provenance", lambda path: meta)
    path = tmp_path / "power.csv"
    table.to_csv(path, index=False)
    assert gen.main([str(path)]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.index("## Power") < text.index("## Calibration")
    assert "| t1 (`m`) | value | ≥ 1 | mean | pass | 1/3 | 33% | 67% | 0% |" in text
    assert "no passing sourced target of any case rejects (2 of 3): x low, x high." in text
    text = text.replace("(Write the reading of the power tables here.)", "My reading.")
    page.write_text(text, encoding="utf-8")
    assert gen.main([str(path)]) == 0
    again = page.read_text(encoding="utf-8")
    assert "My reading." in again and again.count("## Power") == 1
