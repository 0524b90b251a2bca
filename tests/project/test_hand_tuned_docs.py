"""ODD.md reports every hand-tuned constant with its before and after numbers (issue 23 item 5).

- the "Hand-tuned constants" section exists and was written by docs/gen_hand_tuned.py from
  today's declarations (its fingerprint is the generator's now);
- the constants declared as hand-tuned structural choices are exactly the generator's, each is
  named in the section with its old and its current value, and each is marked so in Table 2.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.constants import REGISTRY, declaration_of

ROOT = Path(__file__).resolve().parents[2]
ODD = ROOT / "docs" / "ODD.md"
MARK = "structural choice (hand-tuned"


def _section(gen) -> str:
    text = ODD.read_text(encoding="utf-8")
    found = re.search(re.escape(gen.BEGIN) + "(.*?)" + re.escape(gen.END), text, re.S)
    assert found and found.group(1).strip(), (
        "no hand-tuned section in docs/ODD.md: python docs/gen_hand_tuned.py"
    )
    return found.group(1)


def test_the_hand_tuned_section_was_generated_from_todays_declarations(script):
    gen = script("docs/gen_hand_tuned.py")
    found = re.search(r"fingerprint ([0-9a-f]{16})", _section(gen))
    assert found, "the hand-tuned section has no fingerprint: python docs/gen_hand_tuned.py"
    assert found.group(1) == gen.fingerprint(), (
        "docs/ODD.md's hand-tuned section is out of date with the declarations: "
        "python docs/gen_hand_tuned.py"
    )


def test_every_hand_tuned_constant_is_declared_and_reported(script):
    gen = script("docs/gen_hand_tuned.py")
    declared = {c.name for c in REGISTRY.values() if c.source.startswith(MARK)}
    assert declared == set(gen.HAND_TUNED), (
        "constants declared as hand-tuned structural choices and docs/gen_hand_tuned.py's "
        f"HAND_TUNED differ: {sorted(declared ^ set(gen.HAND_TUNED))}"
    )
    section = _section(gen)
    for name, (before, _claim) in gen.HAND_TUNED.items():
        now = declaration_of(name)[0].default
        assert before != now, name
        assert f"**`{name}`** ({before:g} before, {now:g} now" in section, name
        assert re.search(rf"^\| {before:g} \(before\) \|", section, re.M), name
        assert re.search(rf"^\| {now:g} \(now\) \|", section, re.M), name
        assert re.search(rf"^\| `{name}` \| {now:g} \|", section, re.M), (name, "posterior")
    table2 = ODD.read_text(encoding="utf-8").split("### Table 2", 1)[1]
    for name in gen.HAND_TUNED:
        row = re.search(rf"^\| `{name}` \|.*$", table2, re.M)
        assert row and MARK in row.group(0), f"Table 2 does not mark {name} as hand-tuned"
