"""The screening of effects (issue 26, item 2): its spec, and the page made from it.

- the spec screens 11 to 20 constants, each over its default ± 50% inside its allowed range,
  with common random numbers, at most 1,000 MSEs, and records every guideline's paired effect
  and the credit × bargaining interaction;
- docs/screening.md's effects section was made from the spec as it is now (fingerprint),
  names exactly its constants and every effect, and has a written reading;
- regenerating the levels part keeps the effects section, and the other way round.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.constants import REGISTRY
from sim.experiments import GUIDELINES
from sim.sweeps.spec import read_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "experiments" / "sweeps" / "morris-effects.toml"
PAGE = ROOT / "docs" / "screening.md"


def test_spec_screens_every_guideline_effect_and_the_interaction_modestly():
    spec = read_spec(SPEC)
    assert spec.method == "morris" and spec.crn and 11 <= len(spec.parameters) <= 20
    assert spec.scenario.n_mse <= 1000 and spec.replicates >= 2
    for p in spec.parameters:
        base, _, element = p.name.partition(".")
        c = REGISTRY[base]
        d = c.default[c.labels.index(element)] if element else c.default
        assert p.low == pytest.approx(max(c.low, 0.5 * d)), p.name
        assert p.high == pytest.approx(min(c.high, 1.5 * d)), p.name
    guidelines = {e.definition.get("guideline") for e in spec.effects}
    assert guidelines >= set(GUIDELINES)
    assert any(e.definition.get("interaction") == ["g4", "g2"] for e in spec.effects)


def test_effects_section_was_made_from_this_spec():
    text = PAGE.read_text(encoding="utf-8")
    section = re.search(r"<!-- BEGIN EFFECTS -->(.*?)<!-- END EFFECTS -->", text, re.S)
    assert section, (
        "docs/screening.md has no effects section: python docs/gen_screening.py "
        "--effects out/morris-effects"
    )
    section = section.group(1)
    spec = read_spec(SPEC)
    assert f"spec fingerprint `{spec.fingerprint()}`" in section, (
        "the effects section is from another version of morris-effects.toml: rerun the sweep "
        "and python docs/gen_screening.py --effects"
    )
    table = section.split("### μ* of every constant on every effect", 1)[1]
    rows = set(re.findall(r"^\| `([\w.]+)` \|", table, re.M))
    assert rows == {p.name for p in spec.parameters}
    header = re.search(r"^\| constant \| (.*) \|$", table, re.M).group(1)
    columns = set(re.findall(r"`([\w/]+)`", header))
    assert columns == {f"{e.name}/{m}" for e in spec.effects for m in e.metrics}
    reading = re.search(
        r"<!-- BEGIN EFFECTS READING -->(.*?)<!-- END EFFECTS READING -->", section, re.S
    )
    assert reading and "Write the reading" not in reading.group(1)
    assert len(reading.group(1).split()) > 150


def test_regenerating_one_part_keeps_the_other(tmp_path, monkeypatch, script):
    gen = script("docs/gen_screening.py")
    page = tmp_path / "screening.md"
    page.write_text(PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(gen, "PAGE", page)
    before = page.read_text(encoding="utf-8")
    effects = gen.EFFECTS.search(before).group(0)
    # Only the levels part from a (stand-in) levels run: the effects section is kept.
    monkeypatch.setattr(gen, "indices", lambda store: (None, None, None))
    monkeypatch.setattr(
        gen, "page", lambda table, manifest, floors, reading: "# levels page\n\n" + reading + "\n"
    )
    assert gen.main(["levels-store"]) == 0
    after = page.read_text(encoding="utf-8")
    assert after.startswith("# levels page") and effects in after
    assert gen.READING.search(before).group(0) in after
