"""Sweep throughput and overhead: 1 worker against N workers on the same baseline sweep.

    python benchmarks/bench_sweep.py                 # 1,000 runs of 1,000 MSEs x 120 steps
    python benchmarks/bench_sweep.py --runs 40       # a quick check
    python benchmarks/bench_sweep.py --workers 1 2 4 --engine dask
    python benchmarks/bench_sweep.py --runs 300 --repeats 5   # medians over repeats
    python benchmarks/bench_sweep.py --engine local dask --workers 2 --repeats 3   # engines

Measures, for each engine and worker count, on a fresh store:

* wall: seconds for the whole ``sim.sweeps.sweep`` call (spec, design, starting the
  workers, runs, Parquet writes, stopping the workers; not reading the results back);
* runs/s = runs / wall, and the speed-up against the first worker count;
* overhead = 1 - model / (wall x workers), where ``model`` is the summed time spent inside
  ``sim.run`` (timed in the workers). It is everything that is not model stepping: process
  start, pickling, scheduling, writing Parquet, progress, idle workers at the end.
  The same definition for every engine, so the local and Dask figures compare;
* start and close: seconds to start the engine's workers (a Dask LocalCluster, the warm-up)
  and to stop them, parts of the overhead;
* sweep process CPU: CPU seconds of the process that calls ``sweep`` (not its workers):
  planning, Parquet writes and, for Dask, the scheduler and client. On a machine with as
  many workers as cores it is taken from the workers;
* worker CPU per run: CPU seconds of the worker processes (model and housekeeping) over
  runs, counted when they stop (children of the sweep process: not a fork server's; with
  1 worker the model runs in the sweep process). It hardly grows when other work on the
  machine slows the workers down, so it shows whether an engine makes the model slower.

Each sweep runs in a fresh Python process, as ``mse-sim sweep`` does, so no sweep inherits
another's workers, threads or compiled code (a process that has run a Dask cluster keeps
distributed's threads, and its later pools cannot fork).

Quality bars (issue 4): 2 workers >= 1.7x as fast as 1 worker; overhead < 5%.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sim.scenario import list_scenarios
from sim.sweeps import sweep


def make_spec(tmp: Path, runs: int, steps: int, n_mse: int | None) -> dict:
    points = 10 if runs >= 10 else runs
    replicates = max(1, runs // points)
    if "baseline" in list_scenarios():
        scenario = "baseline"
    else:  # before the bundled baseline exists: the field defaults are the baseline
        scenario = str(tmp / "defaults.toml")
        Path(scenario).write_text('name = "defaults"\n')
    spec = {
        "sweep": {
            "scenario": scenario,
            "steps": steps,
            "replicates": replicates,
            "seed": 1,
            "method": "grid",
            "outputs": ["share_upgraded", "share_product", "mean_income"],
            "at_steps": sorted({min(60, steps), steps}),
        },
        "parameters": {
            "credit_access": [
                round(i / (points - 1), 4) if points > 1 else 0.2 for i in range(points)
            ]
        },
    }
    if n_mse is not None:
        spec["fixed"] = {"n_mse": n_mse}
    return spec


def measure(spec: dict, out: Path, engine: str, workers: int) -> dict:
    """Run one sweep in a fresh Python process and return its ``stats``."""
    spec_path = out.with_suffix(".json")
    spec_path.write_text(
        json.dumps({"spec": spec, "out": str(out), "engine": engine, "workers": workers})
    )
    done = subprocess.run(
        [sys.executable, __file__, "--one", str(spec_path)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def one(path: Path) -> None:
    """Run the sweep described in ``path`` here and print its stats as JSON."""
    import resource

    job = json.loads(path.read_text())

    def cpu(who: int) -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    main0, workers0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    df = sweep(
        job["spec"], out=job["out"], workers=job["workers"], engine=job["engine"], progress=False
    )
    main_cpu = cpu(resource.RUSAGE_SELF) - main0
    # Worker processes forked from this one and stopped by now (local pool, Dask fork).
    worker_cpu = cpu(resource.RUSAGE_CHILDREN) - workers0
    print(
        json.dumps(
            {
                **df.attrs["stats"],
                "runs": len(df),
                "main_cpu_seconds": main_cpu,
                "worker_cpu_seconds": worker_cpu,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--n-mse", type=int, default=None, help="default: the scenario's 1,000")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--engine",
        choices=["local", "dask"],
        nargs="+",
        default=["local"],
        help="one or more engines; several are compared, alternating",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="repeat the comparison, alternating the order; report medians",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a measurement's process
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        spec = make_spec(tmp, args.runs, args.steps, args.n_mse)
        n_runs = len(spec["parameters"]["credit_access"]) * spec["sweep"]["replicates"]
        configs = [(engine, workers) for engine in args.engine for workers in args.workers]
        print(f"sweep of {n_runs} runs, {args.steps} steps, engine {' and '.join(args.engine)}")
        results = []
        for rep in range(args.repeats):
            # Alternate the order between repeats: the machine's speed drifts, and a fixed
            # order would hand the drift to one side.
            order = configs if rep % 2 == 0 else configs[::-1]
            for engine, workers in order:
                out = tmp / f"r{rep}-{engine}-w{workers}"
                stats = measure(spec, out, engine, workers)
                wall, model, n = stats["wall_seconds"], stats["model_seconds"], stats["runs"]
                row = {
                    "repeat": rep,
                    "engine": engine,
                    "workers": workers,
                    "runs": n,
                    "wall_s": wall,
                    "model_s": model,
                    "runs_per_s": n / wall,
                    "model_s_per_run": model / n,
                    "start_s": stats["start_seconds"],
                    "close_s": stats["close_seconds"],
                    "main_cpu_s": stats["main_cpu_seconds"],
                    "worker_cpu_s_per_run": stats["worker_cpu_seconds"] / n,
                    "overhead": 1 - model / (wall * workers),
                }
                results.append(row)
                print(
                    f"repeat {rep} {engine:5s} workers {workers}: {wall:8.1f} s wall, "
                    f"{row['runs_per_s']:7.2f} runs/s, "
                    f"model {row['model_s_per_run'] * 1000:6.1f} ms/run, "
                    f"start {row['start_s']:5.2f} s, close {row['close_s']:5.2f} s, "
                    f"sweep process CPU {row['main_cpu_s']:5.2f} s, "
                    f"worker CPU {row['worker_cpu_s_per_run'] * 1000:6.1f} ms/run, "
                    f"overhead {100 * row['overhead']:5.2f}%",
                    flush=True,
                )
        for engine in args.engine:
            first = args.workers[0]
            for workers in args.workers:
                rows = [r for r in results if r["engine"] == engine and r["workers"] == workers]
                overheads = [r["overhead"] for r in rows]
                line = (
                    f"{engine} {workers} workers: overhead median "
                    f"{100 * statistics.median(overheads):.2f}% (of {len(rows)}: "
                    f"{', '.join(f'{100 * x:.2f}' for x in overheads)})"
                )
                if workers != first:
                    speedups = []
                    for rep in range(args.repeats):
                        pair = {
                            r["workers"]: r
                            for r in results
                            if r["repeat"] == rep and r["engine"] == engine
                        }
                        speedups.append(pair[first]["wall_s"] / pair[workers]["wall_s"])
                        pair[workers]["speedup"] = speedups[-1]
                    line += (
                        f"; speed-up vs {first} workers {statistics.median(speedups):.2f}x "
                        f"({', '.join(f'{x:.2f}' for x in speedups)})"
                    )
                print(line)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
