"""Calibration constants as model inputs (sim.constants): registry, effects, ways in, errors.

Each effect test changes one constant and shows the mechanism it belongs to move the expected
way (and not at all at the default); the ways-in tests show that a scenario file, ``--set``,
the Python API and a sweep spec give the same run; the error tests show the house-style
messages (and exit code 2 with nothing written for the CLI).
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim import channels, constants, groups, markets, signals, upgrades
from sim.constants import REGISTRY, ConstantError, ConstantSet
from sim.metrics import METRICS
from sim.model import ValueChainModel
from sim.scenario import ScenarioError, ValueChainScenario, read_scenario_file
from sim.ui.cli import main

SMALL = {"n_mse": 120, "n_villages": 6, "n_intermediaries": 4}


def record(**values):
    """The kernels' record with some constants changed (``base_cost__process`` for elements)."""
    return ConstantSet.of({k.replace("__", "."): v for k, v in values.items()}).record()


# -- the registry ------------------------------------------------------------------------------


def test_registry_holds_every_constant_once_with_its_default_in_range():
    assert len(REGISTRY) >= 130 and len(set(REGISTRY)) == len(REGISTRY)
    for c in REGISTRY.values():
        values = c.default if c.kind == "vector" else (c.default,)
        assert all(c.low <= v <= c.high for v in values), c.name
        assert c.unit and c.meaning and c.source and c.module in constants.MECHANISMS


def test_the_default_record_holds_the_declared_defaults_exactly():
    rec = constants.defaults()[0]
    for c in REGISTRY.values():
        assert np.array_equal(np.asarray(rec[c.name]), np.asarray(c.default)), c.name
    assert rec["interest_burden"] == rec["loan_interest"] * (rec["loan_term"] + 1) / 2


def test_a_constant_is_spelled_only_in_its_declaration():
    """No module keeps a default of its own that a kernel could compile in silently."""
    for c in REGISTRY.values():
        module = importlib.import_module(f"sim.{c.module}")
        assert not hasattr(module, c.name.upper()), f"sim.{c.module}.{c.name.upper()}"


def test_a_kernel_that_forgets_to_read_a_constant_fails_to_compile():
    from numba import njit
    from numba.core.errors import TypingError

    @njit
    def forgets(consts):
        return HORIZON * consts[0].risk_aversion  # noqa: F821  (never bound)

    with pytest.raises((NameError, TypingError)):
        forgets(constants.defaults())


def test_a_values_bundle_holds_the_record_values_compiled_or_not():
    from sim.valuation import HotConstants, hot_constants

    rec = constants.defaults()
    hot = hot_constants(rec)[0]
    assert isinstance(hot, HotConstants)
    for name in HotConstants._fields:
        assert np.array_equal(np.asarray(getattr(hot, name)), np.asarray(rec[0][name])), name
    with pytest.raises(ValueError, match="no constant named"):
        constants.values_bundle("Bad", ("no_such_constant",), __name__)


def test_a_constant_set_is_frozen_hashable_and_keeps_only_changes():
    a = ConstantSet.of({"learning_rate": 0.4, "max_group_size": 25})
    b = ConstantSet.of({"learning_rate": "0.4"})
    assert a == b and hash(a) == hash(b) and a.changed() == {"learning_rate": 0.4}
    assert not ConstantSet.of({"learning_rate": 0.3})  # the default: nothing changed
    with pytest.raises(AttributeError):
        a.items = ()


# -- a changed constant reaches its kernel -----------------------------------------------------


def test_learning_rate_sets_how_far_beliefs_move_toward_the_signal():
    def moved(rate):
        model = ValueChainModel(rng=1, **SMALL)
        pop = model.population
        before = pop.belief_price.copy()
        base = before * 1.5
        signals.update_beliefs(
            pop,
            base,
            np.zeros_like(base),
            np.ones(pop.n),
            np.zeros(pop.n),
            consts=record(learning_rate=rate, direct_learning_rate=rate),
        )
        return float(np.abs(pop.belief_price - before).mean())

    assert moved(0.0) == 0.0
    assert 0.0 < moved(0.1) < moved(0.3) < moved(0.9)


def test_max_group_size_caps_groups():
    # A group open at the start of the month takes that month's seekers, so the cap is the
    # size above which a group stops taking members, not a hard ceiling. Groups cost nothing
    # here (a governance cost that grows with size would cap them too).
    def largest(cap):
        free = {"governance_cost": 0.0, "free_riding": 0.0, "elite_capture": 0.0}
        model = ValueChainModel(
            rng=2,
            group_support=1.0,
            n_mse=200,
            n_villages=2,
            constants={"max_group_size": cap, **free},
        )
        for _ in range(24):
            model.step()
        g = model.population.group
        return np.bincount(g[g >= 0]).max()

    assert largest(5) < largest(25) < largest(60)
    assert largest(60) > 30  # well above the default cap: the change reached the kernel


def test_transport_cost_lowers_what_distant_mses_earn():
    def income(cost):
        return (
            sim.run(
                steps=6, rng=3, physical_distance=1.0, **SMALL, constants={"transport_cost": cost}
            )["mean_income"]
            .iloc[1:]
            .mean()
        )

    assert income(0.0) > income(0.12) > income(0.4)


def test_one_element_of_a_vector_changes_only_its_option():
    def cost(**values):
        return upgrades.upgrade_costs(np.arange(5), 0.0, 0.0, 0.0, 0.0, 0.0, record(**values))

    inv0, wc0 = cost()
    inv1, wc1 = cost(base_cost__process=400.0)
    assert inv1[0] + wc1[0] == pytest.approx(2 * (inv0[0] + wc0[0]))
    assert np.array_equal(inv1[1:], inv0[1:]) and np.array_equal(wc1[1:], wc0[1:])


def test_channel_depth_and_quality_standard_reach_the_compiled_helpers():
    assert markets.market_depth(
        np.array([1.0, 0.0, 0.0]), record(channel_depth=[0.5, 1.0, 1.0])
    ) == pytest.approx(0.5)
    sold = channels.sold_in_channels(
        np.array([0.0, 1.0, 0.0]), 0.42, record(quality_standard=[0.0, 0.4, 0.65])
    )
    assert np.allclose(sold, [0.0, 1.0, 0.0])  # export now accepts quality 0.42
    assert np.allclose(
        channels.sold_in_channels(np.array([0.0, 1.0, 0.0]), 0.42, constants.defaults()),
        [1.0, 0.0, 0.0],
    )


def test_leave_hazard_empties_groups():
    model = ValueChainModel(rng=4, group_support=1.0, **SMALL)
    for _ in range(12):
        model.step()
    members = (model.population.group >= 0).sum()
    assert members > 0
    groups.dissolve_groups(
        model.population,
        model.groups,
        1.0,
        np.zeros(model.population.n),
        consts=record(leave_hazard=1.0),
    )
    assert (model.population.group >= 0).sum() == 0


# -- the same constants, every way in, give the same run ---------------------------------------

SET = {"max_group_size": 10, "base_cost.process": 180.0, "learning_rate": 0.45}


def test_toml_set_api_and_sweep_give_identical_runs(tmp_path):
    levers = "\n".join(f"{k} = {v}" for k, v in SMALL.items())
    toml = tmp_path / "case.toml"
    toml.write_text(
        f'name = "case"\n[parameters]\n{levers}\n[constants]\nmax_group_size = 10\n'
        "base_cost.process = 180.0\nlearning_rate = 0.45\n"
    )
    plain = tmp_path / "plain.toml"
    plain.write_text(f'name = "case"\n[parameters]\n{levers}\n')
    api = sim.run(ValueChainScenario(name="case", constants=SET, **SMALL), steps=8, rng=7)
    from_file = sim.run(str(toml), steps=8, rng=7)
    as_overrides = sim.run(str(plain), steps=8, rng=7, **SET)
    cols = list(METRICS)
    pd.testing.assert_frame_equal(api[cols], from_file[cols])
    pd.testing.assert_frame_equal(api[cols], as_overrides[cols])
    assert api.attrs["scenario"]["constants"] == {
        "base_cost": [180.0, 150.0, 250.0, 120.0, 350.0],
        "learning_rate": 0.45,
        "max_group_size": 10,
    }
    assert read_scenario_file(toml).scenario.constants == ConstantSet.of(SET)

    out = tmp_path / "run.csv"
    args = ["run", str(plain), "--steps", "8", "--seed", "7", "--out", str(out)]
    for key, value in SET.items():
        args += ["--set", f"{key}={value}"]
    assert main(args) == 0
    cli = pd.read_csv(out)
    assert np.allclose(cli[cols].to_numpy(float), api[cols].to_numpy(float), rtol=1e-12)

    spec = {
        "sweep": {
            "scenario": str(plain),
            "steps": 8,
            "replicates": 1,
            "method": "grid",
            "outputs": ["share_in_groups", "mean_income"],
        },
        "parameters": {"max_group_size": [10, 12]},
        "fixed": {"base_cost.process": 180.0, "learning_rate": 0.45},
    }
    swept = sim.sweep(spec, out=tmp_path / "sweep", workers=1, progress=False)
    row = swept[swept["max_group_size"] == 10].iloc[0]
    again = sim.run(str(toml), steps=8, rng=int(row["seed"]))
    assert row["mean_income@8"] == again["mean_income"].iloc[-1]
    assert row["share_in_groups@8"] == again["share_in_groups"].iloc[-1]


def test_default_runs_record_no_constants():
    assert "constants" not in ValueChainScenario().to_record()
    assert (
        ValueChainScenario(constants={"learning_rate": 0.3}).to_record()
        == ValueChainScenario().to_record()
    )


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, message",
    [
        ({"learnng_rate": 0.3}, "did you mean 'learning_rate'"),
        ({"learning_rate": 1.5}, r"learning_rate.*1\.5.*from 0 to 1"),
        ({"learning_rate": "fast"}, r"'fast' is not a number"),
        ({"learning_rate": True}, "is not a number"),
        ({"max_group_size": 12.5}, "is not a whole number"),
        ({"base_cost.proces": 180}, "did you mean 'base_cost.process'"),
        ({"base_cost": [1.0, 2.0]}, "has 2 values, not 5"),
        ({"base_cost": 200}, "a list of 5 numbers"),
        ({"base_cost.process": -1}, r"base_cost\.process.*-1"),
        ({"learning_rate.process": 0.1}, "has no elements"),
        ({"min_group_size": 30}, "min_group_size = 30 is above max_group_size = 25"),
    ],
)
def test_bad_constants_name_the_field_the_value_and_what_is_allowed(values, message):
    with pytest.raises(ConstantError, match=message):
        ConstantSet.of(values)
    with pytest.raises(sim.UserInputError, match=message):
        ValueChainScenario(**values)


def test_a_bad_constants_table_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[constants]\nmax_group_size = 0\n')
    with pytest.raises(sim.UserInputError, match=r"max_group_size.*bad\.toml.*value 0"):
        read_scenario_file(path)
    path.write_text('name = "bad"\nconstants = 3\n')
    with pytest.raises(ScenarioError, match="must be a table"):
        read_scenario_file(path)


@pytest.mark.parametrize(
    "setting",
    [
        "learnng_rate=0.3",
        "learning_rate=2",
        "learning_rate=x",
        "base_cost.proces=1",
        "base_cost=[1,2]",
    ],
)
def test_cli_refuses_a_bad_constant_with_exit_2_and_writes_nothing(tmp_path, capsys, setting):
    out = tmp_path / "run.csv"
    assert main(["run", "--steps", "2", "--set", setting, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and len(err.splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_constants_command_lists_and_filters(capsys):
    assert main(["constants", "--module", "groups"]) == 0
    text = capsys.readouterr().out
    assert "max_group_size" in text and "range 2 - 1000" in text and "learning_rate" not in text
    assert main(["constants", "base_cost", "--sources"]) == 0
    assert "process=200" in capsys.readouterr().out
    assert main(["constants", "--module", "grops"]) == 2


# -- any constants in range give a model that runs -----------------------------------------


def _in_range(c):
    if c.kind == "int":
        return st.integers(int(c.low), int(min(c.high, 60)))
    # Money and counts have wide ranges; keep draws within 10x of the default so that a few
    # months mean something, but reach both ends of the shares' ranges.
    top = max(c.default) if c.kind == "vector" else c.default
    high = c.high if c.high <= 10 else min(c.high, max(top, 1.0) * 10)
    number = st.floats(c.low, high, allow_nan=False)
    if c.kind == "vector":
        return st.lists(number, min_size=len(c.labels), max_size=len(c.labels))
    return number


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chosen=st.lists(st.sampled_from(sorted(REGISTRY)), min_size=1, max_size=12, unique=True),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_constants_in_range_give_finite_metrics_and_kept_invariants(chosen, data, seed):
    values = {name: data.draw(_in_range(REGISTRY[name]), label=name) for name in chosen}
    if "min_group_size" in values or "max_group_size" in values:
        low, high = sorted((values.get("min_group_size", 3), values.get("max_group_size", 25)))
        values.update(min_group_size=low, max_group_size=max(high, low))
    for low, high in constants.ORDERED_PAIRS:
        if low in values or high in values:
            a, b = sorted(
                (values.get(low, REGISTRY[low].default), values.get(high, REGISTRY[high].default))
            )
            values.update({low: a, high: b})
    model = ValueChainModel(rng=seed, n_mse=60, n_villages=4, n_intermediaries=3, constants=values)
    for _ in range(4):
        model.step()
    df = model.results()
    assert np.isfinite(df.to_numpy(dtype=float)).all()
    shares = df[[m for m in METRICS if m.startswith("share_")]].to_numpy()
    assert (shares >= 0).all() and (shares <= 1 + 1e-12).all()
    ledger, pop = model.ledger, model.population
    scale = max(ledger["buyer_payments"], 1.0)
    assert ledger["buyer_payments"] == pytest.approx(
        ledger["revenue"]
        + ledger["intermediary_take"]
        + ledger["lead_firm_take"]
        + ledger["transport"],
        abs=1e-9 * scale,
    )
    assert pop.debt.sum() == pytest.approx(
        ledger["loans"] - ledger["principal_repaid"], abs=1e-9 * scale + 1e-6
    )


def test_ema_and_sweeps_may_name_constants():
    from sim.ema import _bounds
    from sim.scenario import input_spec

    assert _bounds("learning_rate", None) == (0.0, 1.0)
    assert _bounds("base_cost.process", (100, 300)) == (100.0, 300.0)
    assert input_spec("max_group_size").kind is int
    with pytest.raises(sim.UserInputError, match="one element at a time"):
        _bounds("base_cost", None)
    with pytest.raises(sim.UserInputError, match="not a number from 0 to 1"):
        _bounds("learning_rate", (0.0, 2.0))
