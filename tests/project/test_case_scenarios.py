"""The nine case value chains (scenarios/): loadable by name, documented, and sourced value by value."""

from __future__ import annotations

import re

import pytest

from sim.scenario import FIELDS, INFO_KEYS, list_scenarios, read_scenario_file, scenario_dir
from sim.ui.cli import main

CASES = [
    "guatemala-handicrafts",
    "guatemala-vegetables",
    "honduras-horticulture",
    "india-leather-shoes",
    "indonesia-cocoa",
    "kenya-avocados",
    "mexico-specialty-coffee",
    "mozambique-oilseeds",
    "pakistan-embroidery",
]

_PARAM_LINE = re.compile(r"^(\w+)\s*=\s*([-0-9.]+)\s*(#\s*(.*))?$")


def _parameter_lines(name: str) -> dict[str, tuple[float, str]]:
    """Return field -> (value, comment) from the [parameters] table of a scenario file."""
    text = (scenario_dir() / f"{name}.toml").read_text(encoding="utf-8")
    out, inside = {}, False
    for line in text.splitlines():
        if line.startswith("["):
            inside = line.strip() == "[parameters]"
            continue
        if inside and line.strip() and not line.lstrip().startswith("#"):
            m = _PARAM_LINE.match(line.strip())
            assert m, f"{name}: cannot read parameter line {line!r}"
            out[m.group(1)] = (float(m.group(2)), (m.group(4) or "").strip())
    return out


def test_ten_scenarios_are_listed_baseline_first():
    names = list_scenarios()
    assert names[0] == "baseline"
    assert sorted(names[1:]) == CASES


@pytest.mark.parametrize("name", ["baseline", *CASES])
def test_each_scenario_has_description_and_full_info(name):
    sf = read_scenario_file(name)
    assert sf.scenario.name == name
    assert sf.description
    for key in INFO_KEYS:
        assert len(sf.info.get(key, "")) > 40, f"{name}: info '{key}' missing or too short"


@pytest.mark.parametrize("name", CASES)
def test_every_value_has_a_source_and_unknowns_keep_the_baseline(name):
    lines = _parameter_lines(name)
    assert set(lines) == set(FIELDS), f"{name}: every field is listed with its source"
    baseline = read_scenario_file("baseline").scenario
    for field, (value, comment) in lines.items():
        assert comment, f"{name}.{field}: no comment saying where the value comes from"
        if comment.startswith("baseline value"):
            assert value == pytest.approx(getattr(baseline, field)), (
                f"{name}.{field} = {value} says 'baseline value' but baseline has "
                f"{getattr(baseline, field)}"
            )
        else:
            assert any(s in comment for s in ("seed", "public project reports")), (
                f"{name}.{field}: comment {comment!r} names no source"
            )


def test_known_facts_are_encoded():
    def s(name):
        return read_scenario_file(name).scenario

    kenya, pakistan, base = s("kenya-avocados"), s("pakistan-embroidery"), s("baseline")
    # Kenya: guaranteed price and embedded services from a lead exporter; exports 3x domestic;
    # brokers paid about a third of the market price.
    assert kenya.forward_contracts > base.forward_contracts
    assert kenya.embedded_services > base.embedded_services
    assert kenya.export_premium == 1.0
    assert kenya.intermediary_rent == pytest.approx(2 / 3, abs=0.01)
    # Pakistan: agents' 20-25% margin; 1 agent per ~50 embroiderers; women are the excluded group.
    assert 0.2 <= pakistan.intermediary_rent <= 0.25
    assert pakistan.n_mse / pakistan.n_intermediaries == pytest.approx(50)
    assert pakistan.targeted_facilitation > 0.5 and pakistan.excluded_share >= 0.8
    # Indonesia: competitive traders (farmgate ~90% of f.o.b., Akiyama & Nishio 1996), but
    # little price differentiation for fermented beans (COMCEC 2017, p. 51).
    indonesia = s("indonesia-cocoa")
    assert indonesia.intermediary_rent <= 0.2 and indonesia.demand_shift < base.demand_shift
    # India: leather work is tied to lower castes.
    assert s("india-leather-shoes").excluded_share > base.excluded_share
    # Horizontal collaboration: Mexico coffee, Guatemala and Kenya horticulture.
    for name in ("mexico-specialty-coffee", "guatemala-vegetables", "kenya-avocados"):
        assert s(name).group_support > base.group_support
    # Guatemala handicrafts: several channels, no herding.
    assert s("guatemala-handicrafts").herding == 0.0
    # Mozambique: CLUSA's farmers' associations of 25-30 members marketing collectively.
    mozambique = s("mozambique-oilseeds")
    assert mozambique.group_support > base.group_support
    assert mozambique.bargaining_power > base.bargaining_power
    assert mozambique.n_mse / mozambique.n_villages >= 25
    # Honduras: technical assistance and a buyer's production programme.
    honduras = s("honduras-horticulture")
    assert honduras.embedded_services > base.embedded_services
    assert honduras.forward_contracts > base.forward_contracts


def test_cli_lists_ten_scenarios_and_prints_info(capsys):
    assert main(["scenarios"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert sorted(listed) == sorted(["baseline", *CASES])
    for name in CASES:
        assert main(["scenarios", "--info", name]) == 0
        out = capsys.readouterr().out
        for heading in ("WHAT IT IS", "THINGS TO NOTICE", "THINGS TO TRY"):
            assert heading in out
