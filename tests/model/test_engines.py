"""Engines: the same runs give the same numbers in this process, on local workers and on Dask.

A run's result depends only on its task (scenario, seed, steps), never on the engine, the
number of workers, how runs are grouped into chunks or how the workers were started.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

from sim import engines
from sim.engines import DaskEngine, InProcessEngine, LocalEngine, run_columns
from sim.scenario import ValueChainScenario
from sim.sweeps import SweepStore, sweep
from sim.sweeps.worker import chunk_sizes

distributed = pytest.importorskip("distributed")

TASKS = [
    (ValueChainScenario(n_mse=40).to_record(), seed, 6, ("mean_income", "share_upgraded"))
    for seed in range(5)
]


def write_spec(tmp_path):
    (tmp_path / "tiny.toml").write_text('name = "tiny"\n[parameters]\nn_mse = 50\n')
    path = tmp_path / "spec.toml"
    path.write_text(
        '[sweep]\nscenario = "tiny.toml"\nsteps = 6\nreplicates = 4\nseed = 7\n'
        'method = "grid"\noutputs = ["share_upgraded", "mean_income"]\nat_steps = [3, 6]\n'
        "[parameters]\ncredit_access = [0.0, 0.5, 1.0]\nbargaining_power = [0.1, 0.9]\n"
    )
    return path


def test_in_process_local_and_dask_engines_give_identical_runs():
    reference = list(InProcessEngine().map(run_columns, TASKS))
    with LocalEngine(2) as engine:
        local = list(engine.map(run_columns, TASKS))
    with DaskEngine(workers=2) as engine:
        assert engine.slots == 2
        assert engine.start_model_seconds > 0  # each worker ran the model once at start
        dask = list(engine.map(run_columns, TASKS))
    for ref, a, b in zip(reference, local, dask, strict=True):
        np.testing.assert_array_equal(ref, a)
        np.testing.assert_array_equal(ref, b)
    # Different seeds give different runs: the comparison is not between copies.
    assert not np.array_equal(reference[0], reference[1])


def test_sweep_is_identical_whatever_the_engine_workers_and_chunks(tmp_path):
    spec = write_spec(tmp_path)
    one = sweep(spec, out=tmp_path / "one", workers=1, progress=False)
    local = sweep(spec, out=tmp_path / "local", workers=2, progress=False)  # tapered chunks
    dask = sweep(spec, out=tmp_path / "dask", workers=2, engine="dask", progress=False)
    assert len(one) == 3 * 2 * 4
    pd.testing.assert_frame_equal(one, local)
    pd.testing.assert_frame_equal(one, dask)
    assert dask.attrs["stats"]["engine"] == "dask"
    # The tapered chunks: more part files than full-size chunks would give (24 runs, 2 a task).
    assert len(SweepStore(tmp_path / "dask").parts()) == len(chunk_sizes(24, 2, 2)) > 12


def test_an_external_scheduler_by_address_or_client_gives_the_same_results(tmp_path):
    spec = write_spec(tmp_path)
    one = sweep(spec, out=tmp_path / "one", workers=1, progress=False)
    with distributed.LocalCluster(
        n_workers=3,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    ) as cluster:
        by_address = sweep(
            spec, out=tmp_path / "address", scheduler=cluster.scheduler_address, progress=False
        )
        with distributed.Client(cluster) as client:
            by_client = sweep(
                spec, out=tmp_path / "client", scheduler=client, chunk_size=5, progress=False
            )
            assert client.status == "running"  # the sweep leaves the caller's client open
    assert by_address.attrs["stats"]["slots"] == 3
    pd.testing.assert_frame_equal(one, by_address)
    pd.testing.assert_frame_equal(one, by_client)


def test_a_dask_sweep_from_a_fresh_process_forks_its_workers_and_agrees(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "cli"
    code = (
        "import sys; from sim import engines; assert engines.dask_start_method() == 'fork';"
        "from sim.ui.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MSE_SIM_START_METHOD"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "sweep",
            str(spec),
            "--out",
            str(out),
            "--engine",
            "dask",
            "--workers",
            "2",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    one = sweep(spec, out=tmp_path / "one", workers=1, progress=False)
    pd.testing.assert_frame_equal(SweepStore(out).read(), one)


def test_dask_workers_fork_only_where_no_other_thread_runs(monkeypatch):
    monkeypatch.delenv("MSE_SIM_START_METHOD", raising=False)
    main = threading.main_thread()
    monkeypatch.setattr(engines.threading, "enumerate", lambda: [main])
    assert engines.dask_start_method() == "fork"
    other = threading.Thread(name="Dask-Offload_0")  # as an earlier cluster leaves behind
    monkeypatch.setattr(engines.threading, "enumerate", lambda: [main, other])
    assert engines.dask_start_method() == "forkserver"
    monkeypatch.setenv("MSE_SIM_START_METHOD", "spawn")
    assert engines.dask_start_method() == "spawn"


@pytest.mark.parametrize(
    ("n_runs", "size", "slots"), [(1000, 20, 2), (24, 2, 2), (7, 3, 16), (100, 7, None), (5, 20, 4)]
)
def test_chunks_cover_every_run_once_and_shrink_only_at_the_end(n_runs, size, slots):
    sizes = chunk_sizes(n_runs, size, slots)
    assert sum(sizes) == n_runs and all(1 <= s <= size for s in sizes)
    if slots is None:
        assert sizes[:-1] == [size] * (len(sizes) - 1)
    else:
        assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # full first, then smaller
        assert all(s >= -(-size // 4) for s in sizes[:-1])  # never below a quarter chunk
    if (n_runs, size, slots) == (1000, 20, 2):
        assert sizes[0] == 20 and sizes[-2] < 20 and len(sizes) <= 1000 // 20 + 3 * 2
