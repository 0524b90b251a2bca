"""Sweep throughput and overhead: 1 worker against N workers on the same baseline sweep.

    python benchmarks/bench_sweep.py                 # 1,000 runs of 1,000 MSEs x 120 steps
    python benchmarks/bench_sweep.py --runs 40       # a quick check
    python benchmarks/bench_sweep.py --workers 1 2 4 --engine dask

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
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        spec = make_spec(tmp, args.runs, args.steps, args.n_mse)
        n_runs = len(spec["parameters"]["credit_access"]) * spec["sweep"]["replicates"]
        print(f"sweep of {n_runs} runs, {args.steps} steps, engine {args.engine}")
        results = []
        for workers in args.workers:
            out = tmp / f"w{workers}"
            df = sweep(spec, out=out, workers=workers, engine=args.engine, progress=False)
            stats = df.attrs["stats"]
            wall, model = stats["wall_seconds"], stats["model_seconds"]
            row = {"workers": workers, "runs": len(df), "wall_s": wall, "model_s": model,
                   "runs_per_s": len(df) / wall, "model_s_per_run": model / len(df),
                   "overhead": 1 - model / (wall * workers)}
            results.append(row)
            print(f"workers {workers}: {wall:8.1f} s wall, {row['runs_per_s']:7.2f} runs/s, "
                  f"model {row['model_s_per_run'] * 1000:6.1f} ms/run, "
                  f"overhead {100 * row['overhead']:5.2f}%", flush=True)
        base = results[0]
        for row in results[1:]:
            row["speedup"] = base["wall_s"] / row["wall_s"]
            print(f"speed-up {row['workers']} vs {base['workers']} workers: "
                  f"{row['speedup']:.2f}x")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
