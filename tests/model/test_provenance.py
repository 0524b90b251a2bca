"""Provenance (issue 26, item 5): every output says which code and which libraries made it.

- a run's ``attrs`` hold the commit (in a checkout) or the build, and the library versions;
- without git, the commit is recorded as unknown, with a note, and nothing fails;
- outside a checkout, the wheel's build (a hash of its RECORD) identifies the code;
- git runs once per process;
- tables (CSV sidecar, Parquet metadata), sweep manifests and part files, experiment results,
  validation tables and the HTML reports carry it;
- a sweep's manifest records a neutral field as neutral instead of leaving it out.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
import sim.provenance as provenance_module
from sim.io import read_provenance, write_table
from sim.provenance import code_identity, provenance, provenance_parts

LIBS = ("numpy", "numba", "mesa", "pandas")


@pytest.fixture
def fresh_cache():
    code_identity.cache_clear()
    yield
    code_identity.cache_clear()


def _head() -> str | None:
    if shutil.which("git") is None:
        return None
    root = provenance_module._source_root()
    try:
        return subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except subprocess.CalledProcessError:
        return None


def test_a_run_records_the_commit_and_library_versions():
    attrs = sim.run("baseline", steps=2, n_mse=30, rng=1).attrs
    for lib in LIBS:
        assert attrs["versions"][lib], lib
    assert attrs["versions"]["numpy"] == __import__("numpy").__version__
    assert attrs["versions"]["python"]
    code = attrs["code"]
    head = _head()
    if code["source"] == "checkout" and head:
        assert code["commit"] == head and isinstance(code["dirty"], bool)
    else:
        assert code.get("build") or code.get("note")


def test_without_git_the_commit_is_unknown_and_nothing_fails(fresh_cache, monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance_module.subprocess, "run", no_git)
    monkeypatch.setattr(provenance_module, "_source_root", lambda: _checkout_root())
    code = code_identity()
    assert code["commit"] is None and "git unavailable" in code["note"]
    assert provenance_parts(provenance())["code"] == f"mse-sim {sim.__version__}"  # no commit


def _checkout_root():
    root = provenance_module.Path(provenance_module.__file__).resolve().parent.parent
    if not (root / ".git").exists():
        pytest.skip("not run from a checkout")
    return root


def test_outside_a_checkout_the_build_identifies_the_code(fresh_cache, monkeypatch, tmp_path):
    class Dist:
        version = "9.9"

        def __init__(self, record):
            self.record = record

        def read_text(self, name):
            return self.record if name == "RECORD" else None

    monkeypatch.setattr(provenance_module, "_source_root", lambda: tmp_path)  # no .git here
    monkeypatch.setattr(provenance_module, "BUILD_FILE", tmp_path / "none.json")
    monkeypatch.setattr(
        provenance_module.metadata,
        "distribution",
        lambda name: Dist("sim/model.py,sha256=aaa,10\nother,sha256=b,1\n"),
    )
    first = code_identity()
    assert first["source"] == "wheel" and first["commit"] is None
    assert first["build"].startswith("mse-upgrading 9.9 sha256:")
    code_identity.cache_clear()
    monkeypatch.setattr(
        provenance_module.metadata,
        "distribution",
        lambda name: Dist("sim/model.py,sha256=ccc,10\n"),
    )
    assert code_identity()["build"] != first["build"]  # another build, another identity
    # A wheel built from a checkout names its commit (setup.py writes sim/_build.json).
    built = tmp_path / "_build.json"
    built.write_text('{"commit": "0123456789abcdef", "dirty": false}')
    monkeypatch.setattr(provenance_module, "BUILD_FILE", built)
    code_identity.cache_clear()
    assert code_identity()["commit"] == "0123456789abcdef" and code_identity()["build"]


def test_git_runs_once_per_process(fresh_cache, monkeypatch):
    _checkout_root()
    calls = []
    real = subprocess.run

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(provenance_module.subprocess, "run", counting)
    for _ in range(3):
        provenance()
    assert 1 <= len(calls) <= 2  # rev-parse and status, once


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tables_carry_the_provenance_whatever_their_attrs(tmp_path, suffix):
    df = pd.DataFrame({"a": [1, 2]})
    df.attrs = {"study": "x"}
    path = write_table(df, tmp_path / f"t{suffix}")
    meta = read_provenance(path)
    assert meta["study"] == "x"
    assert meta["code"] == code_identity() and set(LIBS) <= set(meta["versions"])


def test_sweep_manifest_and_parts_carry_provenance_and_neutral_fields(tmp_path):
    (tmp_path / "tiny.toml").write_text('name = "tiny"\n[parameters]\nn_mse = 30\n')
    spec = {
        "sweep": {
            "scenario": str(tmp_path / "tiny.toml"),
            "steps": 2,
            "replicates": 1,
            "method": "grid",
            "outputs": ["share_upgraded"],
        },
        "parameters": {"credit_access": [0.0, 1.0]},
    }
    out = tmp_path / "store"
    sim.sweep(spec, out=out, workers=1, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["provenance"]["code"] == code_identity()
    assert manifest["spec"]["scenario"]["agent_training"] == 0.0
    assert manifest["neutral_fields"] == {"agent_training": 0.0}
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert parts
    for part in parts:
        meta = json.loads(pq.read_schema(part).metadata[b"mse_sim"])
        assert set(LIBS) <= set(meta["versions"]) and "code" in meta
    assert "versions" in read_provenance(out / "design.parquet")


def test_experiment_results_and_reports_carry_it(tmp_path):
    from sim import experiments
    from sim.ui.outputs import write_outputs

    result = experiments.run_experiment(
        "g2", scenario="baseline", seeds=2, steps=3, workers=1, n_mse=30
    )
    prov = result.provenance()
    assert set(LIBS) <= set(prov["versions"]) and "code" in prov
    write_outputs({"g2": result}, tmp_path, report=True)
    html = (tmp_path / "report.html").read_text()
    parts = provenance_parts(prov)
    assert parts["code"] in html and parts["libraries"] in html
    assert code_identity().get("commit", "")[:12] in parts["code"]
    assert read_provenance(tmp_path / "g2.csv")["versions"]["numba"]
