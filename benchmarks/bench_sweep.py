"""Sweep throughput and overhead: 1 worker against N workers on the same baseline sweep.

    python benchmarks/bench_sweep.py                 # 1,000 runs of 1,000 MSEs x 120 steps
    python benchmarks/bench_sweep.py --runs 40       # a quick check
    python benchmarks/bench_sweep.py --workers 1 2 4 --engine dask
    python benchmarks/bench_sweep.py --runs 300 --repeats 5   # medians over repeats

Measures, for each worker count, on a fresh store:

* wall: seconds for the whole ``sim.sweeps.sweep`` call (spec, design, pool start, runs,
  Parquet writes, reading the results back);
* runs/s = runs / wall, and the speed-up against the first worker count;
* overhead = 1 - model / (wall x workers), where ``model`` is the summed time spent inside
  ``sim.run`` (timed in the workers). It is everything that is not model stepping: process
  start, pickling, scheduling, writing Parquet, progress, idle workers at the end.

Quality bars (issue 4): 2 workers >= 1.7x as fast as 1 worker; overhead < 5%.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
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
        "sweep": {"scenario": scenario, "steps": steps, "replicates": replicates, "seed": 1,
                  "method": "grid", "outputs": ["share_upgraded", "share_product",
                                                "mean_income"], "at_steps": [60, steps]},
        "parameters": {"credit_access": [round(i / (points - 1), 4) if points > 1 else 0.2
                                         for i in range(points)]},
    }
    if n_mse is not None:
        spec["fixed"] = {"n_mse": n_mse}
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--n-mse", type=int, default=None, help="default: the scenario's 1,000")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    parser.add_argument("--repeats", type=int, default=1,
                        help="repeat the comparison, alternating the order; report medians")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        spec = make_spec(tmp, args.runs, args.steps, args.n_mse)
        n_runs = len(spec["parameters"]["credit_access"]) * spec["sweep"]["replicates"]
        print(f"sweep of {n_runs} runs, {args.steps} steps, engine {args.engine}")
        results = []
        for rep in range(args.repeats):
            # Alternate the order of worker counts between repeats: the machine's speed drifts,
            # and a fixed order would hand the drift to one side.
            order = args.workers if rep % 2 == 0 else args.workers[::-1]
            for workers in order:
                out = tmp / f"r{rep}-w{workers}"
                df = sweep(spec, out=out, workers=workers, engine=args.engine, progress=False)
                stats = df.attrs["stats"]
                wall, model = stats["wall_seconds"], stats["model_seconds"]
                row = {"repeat": rep, "workers": workers, "runs": len(df), "wall_s": wall,
                       "model_s": model, "runs_per_s": len(df) / wall,
                       "model_s_per_run": model / len(df),
                       "overhead": 1 - model / (wall * workers)}
                results.append(row)
                print(f"repeat {rep} workers {workers}: {wall:8.1f} s wall, "
                      f"{row['runs_per_s']:7.2f} runs/s, "
                      f"model {row['model_s_per_run'] * 1000:6.1f} ms/run, "
                      f"overhead {100 * row['overhead']:5.2f}%", flush=True)
        first = args.workers[0]
        for workers in args.workers[1:]:
            speedups = []
            for rep in range(args.repeats):
                pair = {r["workers"]: r for r in results if r["repeat"] == rep}
                speedups.append(pair[first]["wall_s"] / pair[workers]["wall_s"])
                pair[workers]["speedup"] = speedups[-1]
            overheads = [r["overhead"] for r in results if r["workers"] == workers]
            print(f"speed-up {workers} vs {first} workers: {statistics.median(speedups):.2f}x "
                  f"(median of {args.repeats}: {', '.join(f'{x:.2f}' for x in speedups)}); "
                  f"overhead median {100 * statistics.median(overheads):.2f}%")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
