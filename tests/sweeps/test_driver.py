"""Sweeps on the real model: engines agree, the store resumes, a kill -9 loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.errors import UserInputError
from sim.sweeps import SweepStore, sweep
from sim.ui.cli import main


def write_spec(
    tmp_path: Path,
    *,
    replicates: int = 2,
    steps: int = 8,
    n_mse: int = 60,
    name: str = "spec.toml",
    extra: str = "",
    values: str = "[0.0, 0.5, 1.0]",
) -> Path:
    (tmp_path / "tiny.toml").write_text('name = "tiny"\n[parameters]\nn_mse = 60\n')
    path = tmp_path / name
    path.write_text(
        "[sweep]\n"
        'scenario = "tiny.toml"\n'  # relative to the spec file
        f'steps = {steps}\nreplicates = {replicates}\nseed = 99\nmethod = "grid"\n'
        'outputs = ["share_upgraded", "mean_income"]\n'
        f"at_steps = [4, {steps}]\n{extra}"
        "[fixed]\n"
        f"n_mse = {n_mse}\n"
        "[parameters]\n"
        f"credit_access = {values}\n"
        "bargaining_power = [0.1, 0.9]\n"
    )
    return path


def part_ids(out: Path) -> list[str]:
    ids: list[str] = []
    for part in sorted((out / "runs").glob("part-*.parquet")):
        ids += pq.read_table(part, columns=["run_id"]).column(0).to_pylist()
    return ids


def test_results_do_not_depend_on_workers_or_chunking(tmp_path):
    spec = write_spec(tmp_path)
    one = sweep(spec, out=tmp_path / "w1", workers=1, progress=False)
    two = sweep(spec, out=tmp_path / "w2", workers=2, chunk_size=1, progress=False)
    assert len(one) == 3 * 2 * 2 and one["run_id"].is_unique
    assert list(one.columns[:6]) == [
        "run_id",
        "point_id",
        "replicate",
        "seed",
        "credit_access",
        "bargaining_power",
    ]
    assert {"share_upgraded@4", "share_upgraded@8", "mean_income@8"} <= set(one.columns)
    pd.testing.assert_frame_equal(one, two)
    # Different seeds give different runs: the replicates are not copies.
    assert one.groupby("point_id")["mean_income@8"].nunique().max() == 2


def test_store_layout_and_manifest(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "store"
    sweep(spec, out=out, workers=1, progress=False, chunk_size=5)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n_runs"] == 12 and manifest["n_points"] == 6
    assert manifest["spec"]["steps"] == 8 and "version" in manifest and "created" in manifest
    assert len(list((out / "runs").glob("part-*.parquet"))) == 3  # 5 + 5 + 2 runs
    assert len(pd.read_parquet(out / "design.parquet")) == 6


def test_resume_runs_only_what_is_missing(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "store"
    full = sweep(spec, out=out, workers=1, progress=False, chunk_size=4)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    parts[0].unlink()  # as if the sweep had died before this chunk was written
    again = sweep(spec, out=out, workers=1, progress=False)
    assert again.attrs["stats"]["runs_new"] == 4 and again.attrs["stats"]["runs_before"] == 8
    pd.testing.assert_frame_equal(full, again)
    assert sorted(part_ids(out)) == sorted(full["run_id"])
    noop = sweep(spec, out=out, workers=1, progress=False)
    assert noop.attrs["stats"]["runs_new"] == 0


def test_a_run_stored_twice_is_read_once(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "store"
    full = sweep(spec, out=out, workers=1, progress=False, chunk_size=4)
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    (out / "runs" / "part-copy.parquet").write_bytes(part.read_bytes())
    pd.testing.assert_frame_equal(
        SweepStore(out).read(), full.reset_index(drop=True), check_like=True
    )


def test_a_different_spec_is_refused_and_nothing_changes(tmp_path):
    out = tmp_path / "store"
    sweep(write_spec(tmp_path), out=out, workers=1, progress=False)
    before = sorted(p.name for p in (out / "runs").iterdir())
    other = write_spec(tmp_path, steps=9, name="other.toml")
    with pytest.raises(UserInputError, match=r"different sweep.*steps"):
        sweep(other, out=out, workers=1, progress=False)
    assert sorted(p.name for p in (out / "runs").iterdir()) == before


def test_a_non_empty_folder_that_is_not_a_store_is_refused(tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(UserInputError, match="not empty"):
        sweep(write_spec(tmp_path), out=out, workers=1, progress=False)
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_no_resume_starts_over(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "store"
    sweep(spec, out=out, workers=1, progress=False)
    again = sweep(spec, out=out, workers=1, progress=False, resume=False)
    assert again.attrs["stats"]["runs_new"] == 12
    assert sorted(part_ids(out)) == sorted(again["run_id"])


def test_cli_sweep_and_analyze(tmp_path, capsys):
    spec = write_spec(tmp_path)
    out = tmp_path / "store"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2"]) == 0
    err = capsys.readouterr().err
    assert "12/12 runs" in err  # plain progress lines when not a terminal
    plot = tmp_path / "effects.png"
    code = main(["analyze", str(out), "--metric", "share_upgraded", "--plot", str(plot)])
    assert code == 0
    text = capsys.readouterr().out
    assert "credit_access" in text and "bargaining_power" in text and "ci_low" in text
    assert plot.stat().st_size > 1000
    assert main(["analyze", str(out), "--metric", "share_upgraded@5"]) == 2
    assert "at_steps: 4, 8" in capsys.readouterr().err
    assert (
        main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--scheduler", "tcp://x:1"])
        == 2
    )


def test_kill_9_then_resume_completes_every_run_exactly_once(tmp_path):
    # Enough work (a few seconds on two cores) that the kill lands mid-sweep.
    spec = write_spec(
        tmp_path, replicates=4, steps=30, n_mse=100, values="[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]"
    )
    out = tmp_path / "store"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        "2",
        "--chunk-size",
        "2",
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((out / "runs").glob("part-*.parquet"))) >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, as in a crash
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    n_runs = 6 * 2 * 4
    killed_with = len(part_ids(out))
    assert 0 < killed_with < n_runs
    resume = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert resume.returncode == 0, resume.stderr
    ids = part_ids(out)
    assert len(ids) == n_runs == len(set(ids))  # every run, exactly once
    assert not list(out.rglob("*.tmp"))
    reference = sweep(spec, out=tmp_path / "reference", workers=2, progress=False)
    pd.testing.assert_frame_equal(SweepStore(out).read(), reference)
