"""One version: written once in pyproject.toml, printed by ``mse-sim --version``, recorded in
every result's provenance, and listed in the changelog."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import sim
from sim.io import read_provenance, write_table

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def test_the_package_reads_its_version_from_the_one_place_it_is_written():
    assert sim.__version__ == version("mse-upgrading") == _pyproject_version()
    # no second copy of the number in the package's sources
    for path in (ROOT / "sim").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert f'"{sim.__version__}"' not in text, f"{path} spells the version out"


def test_cli_prints_the_version(cli_process):
    result = cli_process("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"mse-sim {sim.__version__}"


def test_a_run_and_every_written_table_record_the_version(tmp_path):
    df = sim.run("baseline", steps=2, rng=1, n_mse=50)
    assert df.attrs["version"] == sim.__version__
    # a table whose provenance does not say the version gets the writing version
    bare = df[["share_upgraded"]].copy()
    bare.attrs = {"scenario": "baseline"}
    for name in ("bare.csv", "bare.parquet"):
        assert read_provenance(write_table(bare, tmp_path / name))["version"] == sim.__version__
    # ... and one that says which version made its numbers keeps it
    old = bare.copy()
    old.attrs = {"version": "0.1.0"}
    assert read_provenance(write_table(old, tmp_path / "old.csv"))["version"] == "0.1.0"


def test_the_changelog_lists_this_version_and_states_the_bump_policy():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, re.M)
    assert sim.__version__ in versions
    assert versions == sorted(
        versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True
    ), "newest first"
    assert "## [Unreleased]" in text
    assert "raises the **minor** version" in text
