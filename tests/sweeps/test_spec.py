"""Sweep specs: bad ones are refused before anything runs, good ones give fixed designs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import UserInputError
from sim.sweeps import build_design, plan_runs, read_spec, run_seed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text('name = "tiny"\n[parameters]\nn_mse = 40\n')
    return path


def spec(scenario_file: Path, method: str = "grid", **parameters) -> dict:
    if not parameters:
        parameters = (
            {"credit_access": [0.0, 1.0]}
            if method == "grid"
            else {
                "credit_access": {"low": 0.0, "high": 1.0},
                "bargaining_power": {"low": 0.1, "high": 0.9},
            }
        )
    return {
        "sweep": {
            "scenario": str(scenario_file),
            "steps": 6,
            "replicates": 2,
            "method": method,
            "samples": 8,
            "outputs": ["share_upgraded"],
        },
        "parameters": parameters,
    }


def refused(data: dict, *needles: str) -> str:
    with pytest.raises(UserInputError) as info:
        read_spec(data)
    message = str(info.value)
    for needle in needles:
        assert needle in message, message
    return message


def test_unknown_parameter_is_named_with_a_suggestion(scenario_file):
    refused(spec(scenario_file, credit_acess=[0.1]), "credit_acess", "did you mean 'credit_access'")


def test_bounds_outside_a_levers_range(scenario_file):
    data = spec(scenario_file, "sobol", credit_access={"low": 0.0, "high": 1.5})
    refused(data, "credit_access.high", "1.5", "from 0.0 to 1.0")


def test_unknown_method(scenario_file):
    refused(spec(scenario_file, "saltelli"), "method", "'saltelli'", "grid, lhs, sobol, morris")


def test_grid_with_bounds(scenario_file):
    data = spec(scenario_file, "grid", credit_access={"low": 0.0, "high": 1.0})
    refused(data, "credit_access", "'low': 0.0", "list of values")


def test_sampled_design_needs_bounds_not_values(scenario_file):
    refused(spec(scenario_file, "lhs", credit_access=[0.1, 0.2]), "credit_access", "low", "high")


def test_sampled_design_refuses_structure_fields(scenario_file):
    refused(spec(scenario_file, "lhs", n_mse={"low": 10, "high": 20}), "n_mse", "grid")


def test_grid_value_out_of_range(scenario_file):
    refused(spec(scenario_file, credit_access=[0.5, 2.0]), "credit_access", "2.0", "0.0 to 1.0")


def test_unknown_sweep_key_and_table(scenario_file):
    data = spec(scenario_file)
    data["sweep"]["replicate"] = 3
    refused(data, "replicate", "did you mean 'replicates'")
    data = spec(scenario_file)
    data["parameter"] = {}
    refused(data, "parameter", "sweep, parameters, fixed")


def test_unknown_output_and_bad_steps(scenario_file):
    data = spec(scenario_file)
    data["sweep"]["outputs"] = ["share_upgrade"]
    refused(data, "share_upgrade", "share_upgraded")
    data = spec(scenario_file)
    data["sweep"]["at_steps"] = [3, 7]
    refused(data, "at_steps", "7", "0 to steps = 6")
    data = spec(scenario_file)
    data["sweep"]["replicates"] = 0
    refused(data, "replicates", "0", "from 1")


def test_sobol_samples_must_be_a_power_of_two(scenario_file):
    data = spec(scenario_file, "sobol")
    data["sweep"]["samples"] = 100
    refused(data, "samples", "100", "power of two", "64", "128")


def test_field_both_fixed_and_swept(scenario_file):
    data = spec(scenario_file)
    data["fixed"] = {"credit_access": 0.3}
    refused(data, "credit_access", "[fixed]")


def test_bad_spec_file_via_cli_exits_2_and_writes_nothing(tmp_path, scenario_file, cli_process):
    path = tmp_path / "bad.toml"
    path.write_text(
        f'[sweep]\nscenario = "{scenario_file}"\nmethod = "grid"\n'
        "[parameters]\ncredit_access = { low = 0.0, high = 1.0 }\n"
    )
    out = tmp_path / "store"
    proc = cli_process("sweep", path, "--out", out, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "credit_access" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("grid", 3 * 2),
        ("lhs", 8),
        ("sobol", 8 * (2 + 2)),
        ("morris", 8 * (2 + 1)),
    ],
)
def test_design_sizes_follow_salib(scenario_file, method, expected):
    data = spec(scenario_file, method)
    if method == "grid":
        data["parameters"] = {"credit_access": [0.0, 0.5, 1.0], "n_mse": [20, 40]}
    s = read_spec(data)
    design = build_design(s)
    assert len(design) == expected
    assert list(design["point_id"]) == list(range(expected))
    runs = plan_runs(s, design)
    assert len(runs) == expected * 2 and runs["run_id"].is_unique
    # Pure functions of the spec: the same design and run ids every time.
    again = plan_runs(read_spec(data), build_design(read_spec(data)))
    assert runs.equals(again)
    for p in s.parameters:
        if p.low is not None:
            assert design[p.name].between(p.low, p.high).all()


def test_seeds_depend_only_on_point_and_replicate():
    seeds = {run_seed(7, p, r) for p in range(50) for r in range(4)}
    assert len(seeds) == 200
    assert run_seed(7, 3, 1) == run_seed(7, 3, 1) != run_seed(8, 3, 1)
    assert all(0 <= s < 2**63 for s in seeds)


def test_changing_anything_that_matters_changes_the_fingerprint(scenario_file):
    a = read_spec(spec(scenario_file))
    data = spec(scenario_file)
    data["sweep"]["chunk_size"] = 5  # scheduling only: same sweep
    assert read_spec(data).fingerprint() == a.fingerprint()
    data["sweep"]["steps"] = 7
    assert read_spec(data).fingerprint() != a.fingerprint()


def test_a_later_field_at_its_neutral_value_keeps_older_fingerprints(scenario_file, tmp_path):
    # agent_training was added after sweep stores were written: at 0 the model runs as before,
    # so the field stays out of the fingerprint; at any other value it changes it. It is
    # recorded all the same, as neutral (issue 26: nothing dropped silently).
    a = read_spec(spec(scenario_file))
    assert a.normalized()["scenario"]["agent_training"] == 0.0
    assert a.neutral_fields() == {"agent_training": 0.0}
    from sim.sweeps.spec import fingerprint_body, stable_hash

    assert "agent_training" not in fingerprint_body(a.normalized())["scenario"]
    assert a.fingerprint() == stable_hash(fingerprint_body(a.normalized()), 32)
    trained = tmp_path / "trained.toml"
    trained.write_text('name = "tiny"\n[parameters]\nn_mse = 40\nagent_training = 0.5\n')
    b = read_spec(spec(trained))
    assert b.normalized()["scenario"]["agent_training"] == 0.5
    assert b.fingerprint() != a.fingerprint()


@pytest.mark.parametrize(
    "path", sorted((ROOT / "experiments" / "sweeps").glob("*.toml")), ids=lambda p: p.name
)
def test_example_specs_are_valid(path):
    s = read_spec(path)
    design = build_design(s)
    assert len(design) > 0 and np.isfinite(design[list(s.names)].to_numpy(float)).all()
