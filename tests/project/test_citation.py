"""CITATION.cff is valid Citation File Format 1.2.0 and cites this version and the paper."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).resolve().parent / "data" / "cff-1.2.0.schema.json"


def _citation() -> dict:
    # CFF dates and versions are strings; YAML's base loader keeps every scalar a string.
    return yaml.load((ROOT / "CITATION.cff").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def test_citation_file_is_valid_against_the_cff_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(
        _citation(),
        schema,
        cls=jsonschema.Draft7Validator,
        format_checker=jsonschema.FormatChecker(),
    )


def test_the_schema_check_rejects_a_broken_citation():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {k: v for k, v in _citation().items() if k != "authors"}
    assert not jsonschema.Draft7Validator(schema).is_valid(broken)


def test_citation_names_the_package_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert _citation()["version"] == project["version"]


def test_citation_references_the_paper_the_model_implements():
    refs = _citation()["references"]
    synthesis = [r for r in refs if r["title"].startswith("Lessons Learned on MSE Upgrading")]
    assert synthesis, "the synthesis paper (Dunn et al. 2006) is a reference"
    assert [a["family-names"] for a in synthesis[0]["authors"]] == [
        "Dunn",
        "Sebstad",
        "Batzdorff",
        "Parsons",
    ]
    assert synthesis[0]["year"] == "2006" and synthesis[0]["issue"] == "71"
    assert any(r["title"] == "MSE Upgrading in Value Chains" for r in refs), "the briefing paper"
