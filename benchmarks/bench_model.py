"""Speed and memory of the model: ns per MSE-month by size, the fixed cost of a month, threads.

Every measurement runs in a fresh Python process (a *worker*: this script with ``--worker``),
so no process inherits another's warm caches, heap or garbage. A worker builds the model,
steps it a few months to warm up (numba's on-disk cache is compiled by a first, untimed
worker), then times the months that follow. What it reports:

* **ns per MSE-month** at each size (10^3 to 10^6 MSEs by default), on one thread, in CPU
  time of the process (``time.process_time``), which other load on the machine disturbs far
  less than wall time;
* **the fixed cost of a month**: the intercept of a least-squares line through
  (MSEs, ms per month) at the three smallest sizes. It is what a month costs whatever its
  size: orchestration in Python, small kernel calls, allocations, metrics;
* **a typical run**: ``sim.run("baseline", steps=120, n_mse=1000)`` end to end, in CPU ms;
* **the thread speed-up** at the largest size: wall time per month on 1 thread over wall
  time on ``--threads`` threads (``MSE_SIM_THREADS``); "n/a" where the code has no threads;
* **peak bytes per MSE**: the growth of the process's peak resident set (``ru_maxrss``)
  from just before building the model to after 12 months, divided by the number of MSEs;
* for information only, **Mesa's Boltzmann wealth example** at 10^4 agents and the ratio of
  agent-steps per second: it depends on the CPU (15x on one machine, 24x on another), so it
  is reported, never used as a target.

``--against REV`` checks out REV (any git revision) in a temporary worktree and measures it
and the working tree in *alternating* workers, round after round; each figure is the median
of the rounds. The speed-up column is the median of the rounds' ratios, each round's two
trees measured one right after the other, with the lowest and highest round's ratio in
brackets: the machine's speed drifts over seconds, and pairing keeps most of that drift out
of the comparison while the range shows what is left.

Usage:
    python benchmarks/bench_model.py                       # this tree, 5 rounds
    python benchmarks/bench_model.py --against c8edf11     # this tree against an older commit
    python benchmarks/bench_model.py --sizes 1000 10000 --rounds 3 --json out/bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000, 1_000_000)
#: Sizes used for the fixed cost's line: small enough that the fixed part shows.
FIXED_COST_SIZES = (100, 1_000, 10_000)
#: Months timed at each size: enough for about 0.1-0.5 s of work per measurement.
MONTHS = {100: 120, 1_000: 120, 10_000: 60, 100_000: 12, 1_000_000: 4}
WARM_UP_MONTHS = 3


# -- the worker: one measurement in a fresh process ------------------------------------------


def _months_for(n: int) -> int:
    return MONTHS.get(n, max(4, int(1e6 / max(n, 1))))


def worker(kind: str, n: int, threads: int) -> dict:
    """Run one measurement in this process and return it as a dict.

    Args:
        kind: ``"month"`` (CPU ns per MSE-month on one thread), ``"wall"`` (wall ms per month
            on ``threads`` threads), ``"run"`` (a baseline run of ``n`` MSEs x 120 months, end
            to end, in ms), ``"memory"`` (peak bytes per MSE over 12 months) or
            ``"boltzmann"`` (Mesa's Boltzmann example, agent-steps per second).
        n: number of MSEs (or Boltzmann agents).
        threads: thread count, passed to the model through ``MSE_SIM_THREADS``.
    """
    if kind == "boltzmann":
        from mesa.examples.basic.boltzmann_wealth_model.model import (
            BoltzmannScenario,
            BoltzmannWealth,
        )

        side = max(10, round(n**0.5))
        model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=0))
        steps = 5
        start = time.process_time()
        for _ in range(steps):
            model.step()
        return {"agent_steps_per_s": n * steps / (time.process_time() - start)}

    import sim

    # Load the compiled passes from numba's cache and import everything a run touches, so
    # that neither the timings nor the memory below include a first use.
    # Two years of a small chain reach the passes a baseline run uses (recruitment with
    # offers, brokers, rivals), and Kenya's the entry of new MSEs.
    sim.run("baseline", steps=24, n_mse=200, rng=0)
    sim.run("kenya-avocados", steps=24, n_mse=200, rng=0)
    if kind == "run":
        # CPU time, like the months: on a shared machine wall time measures the other jobs.
        start = time.process_time()
        sim.run("baseline", steps=120, n_mse=n, rng=0)
        return {"ms": (time.process_time() - start) * 1e3}

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    model = sim.ValueChainModel(rng=0, n_mse=n)
    for _ in range(WARM_UP_MONTHS):
        model.step()
    if kind == "memory":
        for _ in range(12 - WARM_UP_MONTHS):
            model.step()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {"bytes_per_mse": (peak - before) / n}
    months = _months_for(n)
    clock = time.process_time if kind == "month" else time.perf_counter
    start = clock()
    for _ in range(months):
        model.step()
    elapsed = clock() - start
    if kind == "month":
        per_month = elapsed / months
        return {"ns_per_mse_month": per_month / n * 1e9, "ms_per_month": per_month * 1e3}
    return {"wall_ms_per_month": elapsed / months * 1e3}


# -- the driver: alternating fresh workers over one or two trees ------------------------------


def _measure(tree: Path, kind: str, n: int, threads: int = 1) -> dict:
    """Run one worker on ``tree`` (a checkout) and return its measurement."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["MSE_SIM_THREADS"] = str(threads)
    # Also pin the threads of numba and the BLAS, for code that has no MSE_SIM_THREADS.
    env["NUMBA_NUM_THREADS"] = str(max(threads, 1))
    env["OMP_NUM_THREADS"] = "1"
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(n), str(threads)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"worker {kind} n={n} threads={threads} on {tree} failed: {tail[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _has_threads(tree: Path) -> bool:
    """Whether the code in ``tree`` reads ``MSE_SIM_THREADS`` (older commits do not)."""
    return any(
        "MSE_SIM_THREADS" in p.read_text(encoding="utf-8", errors="ignore")
        for p in (tree / "sim").rglob("*.py")
    )


def _checkout(rev: str) -> Path:
    """Check out ``rev`` in a temporary git worktree and return its path."""
    path = Path(tempfile.mkdtemp(prefix="bench-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), rev], check=True
    )
    return path


def _remove(path: Path) -> None:
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
        check=False,
        capture_output=True,
    )
    shutil.rmtree(path.parent, ignore_errors=True)


def _fixed_cost(points: list[tuple[int, float]]) -> float:
    """Intercept (ms) of the least-squares line through (MSEs, ms per month)."""
    xs, ys = zip(*points, strict=True)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx


def bench(
    trees: dict[str, Path], sizes: list[int], rounds: int, threads: int, boltzmann: bool, log
) -> dict:
    """Measure every tree in alternating workers; return ``{tree: {measure: [values]}}``."""
    names = list(trees)
    threaded = {name: _has_threads(tree) for name, tree in trees.items()}
    for name, tree in trees.items():  # compile numba's caches once, untimed
        log(f"warming up {name} ...")
        _measure(tree, "month", 100)
    results: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    month_sizes = sorted(set(sizes) | set(FIXED_COST_SIZES))
    largest = max(sizes)
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        log(f"round {r + 1}/{rounds}")
        for name in order:
            tree, res = trees[name], results[name]

            def add(key: str, value: float, res=res) -> None:
                res.setdefault(key, []).append(value)

            for n in month_sizes:
                m = _measure(tree, "month", n)
                add(f"ns_per_mse_month@{n}", m["ns_per_mse_month"])
                add(f"ms_per_month@{n}", m["ms_per_month"])
            add("run_1000x120_ms", _measure(tree, "run", 1000)["ms"])
            if threads > 1 and threaded[name]:
                one = _measure(tree, "wall", largest, 1)["wall_ms_per_month"]
                many = _measure(tree, "wall", largest, threads)["wall_ms_per_month"]
                add("thread_speedup", one / many)
            if r == 0:
                add("bytes_per_mse", _measure(tree, "memory", largest)["bytes_per_mse"])
        if boltzmann:
            b = _measure(trees[names[0]], "boltzmann", 10_000)["agent_steps_per_s"]
            results[names[0]].setdefault("boltzmann_agent_steps_per_s", []).append(b)
    summary: dict[str, dict[str, float]] = {}
    for name in names:
        med = {k: statistics.median(v) for k, v in results[name].items()}
        med["fixed_cost_ms_per_month"] = _fixed_cost(
            [(n, med[f"ms_per_month@{n}"]) for n in FIXED_COST_SIZES]
        )
        summary[name] = med
    paired = _paired_ratios(results, names) if len(names) == 2 else {}
    if boltzmann:
        b = summary[names[0]].pop("boltzmann_agent_steps_per_s")
        n = 10_000
        ours = 1e9 / summary[names[0]].get(f"ns_per_mse_month@{n}", float("nan"))
        summary["boltzmann"] = {"agent_steps_per_s": b, "ratio_at_10000": ours / b}
    return {
        "rounds": rounds,
        "threads": threads,
        "sizes": sizes,
        "median": summary,
        "paired": paired,
        "raw": results,
    }


#: Measures where higher is better (the speed-up divides this tree's by the other's).
_HIGHER_IS_BETTER = ("thread_speedup",)


def _paired_ratios(results: dict, names: list[str]) -> dict[str, dict[str, float]]:
    """The speed-up of the second tree over the first, round by round: median and range.

    Within a round the two trees are measured one right after the other, so a round's ratio
    is little moved by the machine's drift over minutes, which moves both; the spread of the
    rounds' ratios shows how far the median can be trusted. Each is old / new for times
    (new / old for the thread speed-up): above 1, the second tree is faster. The fixed cost
    is worked out per round from that round's months.
    """
    old, new = (results[n] for n in names)
    per_round = {
        key: [
            (b / a if key in _HIGHER_IS_BETTER else a / b)
            for a, b in zip(old[key], new[key], strict=False)
            if a > 0 and b > 0
        ]
        for key in old.keys() & new.keys()
        if key != "bytes_per_mse" and not key.startswith("boltzmann")
    }
    months = [f"ms_per_month@{n}" for n in FIXED_COST_SIZES]
    if all(key in old and key in new for key in months):
        # Each round's (ms at 100, at 1,000, at 10,000 MSEs) for each tree.
        old_rounds = zip(*(old[k] for k in months), strict=True)
        new_rounds = zip(*(new[k] for k in months), strict=True)
        per_round["fixed_cost_ms_per_month"] = [
            a / b
            for a, b in (
                (
                    _fixed_cost(list(zip(FIXED_COST_SIZES, p, strict=True))),
                    _fixed_cost(list(zip(FIXED_COST_SIZES, q, strict=True))),
                )
                for p, q in zip(old_rounds, new_rounds, strict=False)
            )
            if a > 0 and b > 0
        ]
    return {
        key: {"median": statistics.median(v), "low": min(v), "high": max(v)}
        for key, v in per_round.items()
        if v
    }


def _table(result: dict, names: list[str]) -> str:
    med = result["median"]
    rows = [
        (f"ns per MSE-month, {n:,} MSEs", f"ns_per_mse_month@{n}", "{:,.0f}")
        for n in result["sizes"]
    ]
    rows += [
        ("fixed cost of a month (ms)", "fixed_cost_ms_per_month", "{:.3f}"),
        ("baseline run, 1,000 MSEs x 120 months (ms)", "run_1000x120_ms", "{:,.1f}"),
        (
            f"thread speed-up at {max(result['sizes']):,} MSEs ({result['threads']} threads)",
            "thread_speedup",
            "{:.2f}x",
        ),
        (f"peak bytes per MSE at {max(result['sizes']):,} MSEs", "bytes_per_mse", "{:,.0f}"),
    ]
    head = "| measure | " + " | ".join(names) + (" | speed-up |" if len(names) == 2 else " |")
    lines = [head, "|---" * (len(names) + 1 + (len(names) == 2)) + "|"]
    for label, key, fmt in rows:
        cells = [fmt.format(med[n][key]) if key in med[n] else "n/a" for n in names]
        line = f"| {label} | " + " | ".join(cells)
        if len(names) == 2:
            # The speed-up of this tree over the other, round by round (`_paired_ratios`).
            ratio = result.get("paired", {}).get(key)
            line += (
                f" | {ratio['median']:.2f}x ({ratio['low']:.2f}-{ratio['high']:.2f})"
                if ratio
                else " | "
            )
        lines.append(line + " |")
    if "boltzmann" in med:
        b = med["boltzmann"]
        lines.append(
            f"\nFor information only: Mesa's Boltzmann wealth example ran "
            f"{b['agent_steps_per_s']:,.0f} agent-steps/s; this model at 10,000 MSEs "
            f"is {b['ratio_at_10000']:.1f}x that (the ratio depends on the CPU)."
        )
    lines.append(
        f"\nMedians of {result['rounds']} alternating rounds of fresh processes; "
        f"CPU time on one thread, wall time for the thread speed-up."
    )
    if len(names) == 2:
        lines.append(
            "The speed-up is the median of the rounds' ratios (the two trees measured one "
            "after the other in each round), with the lowest and highest round in brackets."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--worker", nargs=3, metavar=("KIND", "N", "THREADS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--against", metavar="REV", help="also measure this git revision")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="threads for the speed-up at the largest size (default 2)",
    )
    parser.add_argument(
        "--no-boltzmann",
        action="store_true",
        help="skip Mesa's Boltzmann example (information only)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    if args.worker:
        kind, n, threads = args.worker
        print(json.dumps(worker(kind, int(n), int(threads))))
        return
    if args.rounds < 1 or any(n < 1 for n in args.sizes):
        parser.error("--rounds and --sizes must be positive whole numbers")
    trees = {"this tree": ROOT}
    other = None
    try:
        if args.against:
            other = _checkout(args.against)
            trees = {args.against: other, "this tree": ROOT}
        result = bench(
            trees,
            args.sizes,
            args.rounds,
            args.threads,
            not args.no_boltzmann,
            log=lambda msg: print(msg, file=sys.stderr, flush=True),
        )
    finally:
        if other is not None:
            _remove(other)
    print(_table(result, list(trees)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
