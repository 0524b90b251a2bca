"""End-to-end tests of the `mse-sim` command, real files.

The command runs in a new process (`cli_process`, tests/conftest.py) where the entry point
itself is under test: a run, a bad input, ``python -m sim``. The many other cases call
``sim.ui.cli.main``, which the command runs, in this process (`cli`).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.ui.cli import main


def test_run_writes_csv_parquet_and_plot(tmp_path, cli_process):
    csv, parquet, png = tmp_path / "r.csv", tmp_path / "r.parquet", tmp_path / "r.png"
    result = cli_process(
        "run",
        "baseline",
        "--steps",
        "12",
        "--seed",
        "4",
        "--set",
        "n_mse=100",
        "--out",
        str(csv),
        "--plot",
        str(png),
    )
    assert result.returncode == 0, result.stderr
    assert "share_upgraded" in result.stdout and "seed 4" in result.stdout
    df = pd.read_csv(csv)
    assert len(df) == 13 and "premium_share_mse" in df
    meta = json.loads((tmp_path / "r.csv.meta.json").read_text())
    assert meta["seed"] == 4 and meta["scenario"]["n_mse"] == 100
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert main(["run", "--steps", "5", "--set", "n_mse=50", "--out", str(parquet)]) == 0
    from sim.io import read_provenance

    assert pd.read_parquet(parquet).shape[0] == 6
    assert read_provenance(parquet)["scenario"]["name"] == "baseline"


def test_same_seed_same_file(tmp_path):
    for name in ("a.csv", "b.csv"):
        assert (
            main(
                [
                    "run",
                    "--steps",
                    "8",
                    "--seed",
                    "9",
                    "--set",
                    "n_mse=80",
                    "--out",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_scenarios_lists_and_shows_info(cli):
    result = cli("scenarios")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("baseline")
    info = cli("scenarios", "--info", "baseline")
    assert info.returncode == 0
    assert "WHAT IT IS" in info.stdout and "THINGS TO TRY" in info.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "--set", "credit_access=2"], ["credit_access", "2", "0.0 to 1.0"]),
        (["run", "--set", "credit_acess=0.5"], ["did you mean 'credit_access'"]),
        (["run", "--set", "credit_access"], ["key=value"]),
        (["run", "nowhere"], ["unknown scenario 'nowhere'"]),
        (["run", "missing.toml"], ["'missing.toml' does not exist", "mse-sim scenarios"]),
        (["run", "."], ["'.' is a folder, not a scenario file"]),
        (["run", "--steps", "0"], ["--steps", "at least 1"]),
        (["run", "--steps", "ten"], ["--steps", "'ten'"]),
        (["run", "--out", "x.xlsx"], [".xlsx", ".csv", ".parquet"]),
        (["run", "--plot", "x.gif"], [".gif", ".png"]),
        (["scenarios", "--info", "nowhere"], ["unknown scenario"]),
        (["fly"], ["invalid choice", "fly"]),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path, cli, args, words):
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_bad_input_from_the_command_itself_exits_2_without_a_traceback(tmp_path, cli_process):
    result = cli_process("run", "--set", "credit_access=2", "--out", "r.csv", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "credit_access" in result.stderr and "0.0 to 1.0" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_copied_and_edited_scenario_runs_by_path(tmp_path, cli):
    # The README's way to make a case: copy a file of scenarios/, edit it, run it by its path.
    from sim.scenario import scenario_dir

    text = (scenario_dir() / "kenya-avocados.toml").read_text(encoding="utf-8")
    assert 'name = "kenya-avocados"' in text
    (tmp_path / "my-case.toml").write_text(
        text.replace('name = "kenya-avocados"', 'name = "my-case"'), encoding="utf-8"
    )
    result = cli(
        "run", "my-case.toml", "--steps", "3", "--set", "n_mse=60", "--out", "r.csv", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    meta = json.loads((tmp_path / "r.csv.meta.json").read_text())
    assert meta["scenario"]["name"] == "my-case"


def test_bad_scenario_file_names_the_file(tmp_path, cli):
    bad = tmp_path / "bad.toml"
    bad.write_text("[parameters]\nherding = 1.5\n")
    out = tmp_path / "out.csv"
    result = cli("run", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "herding" in result.stderr and "1.5" in result.stderr
    assert not out.exists()


def test_no_partial_file_when_writing_fails(tmp_path, monkeypatch):
    import sim.io

    out = tmp_path / "r.parquet"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pyarrow.parquet.write_table", broken)
    with pytest.raises(OSError):
        sim.io.write_table(pd.DataFrame({"a": [1]}), out)
    assert list(tmp_path.iterdir()) == []


def test_python_dash_m_and_console_script_agree(cli_process):
    result = cli_process("--version")
    assert result.returncode == 0 and "mse-sim" in result.stdout
