"""Speed of one model step against Mesa's own Boltzmann wealth example, in the same process.

Both models run with the same number of agents (10,000 by default); the script prints
agent-steps per second for each and their ratio. The target is a ratio of at least 25: the
MSE state lives in numpy arrays stepped by compiled per-MSE passes, while Boltzmann's agents
step one by one in Python. Every round rebuilds both models from the same seed, so each
round times the same months, and times the two back to back; the ratio printed is the median
of the rounds' ratios. Times are CPU time of this process (`time.process_time`), which other
load on the machine disturbs far less than wall time.

Usage:
    python benchmarks/bench_model.py [--agents 10000] [--steps 30] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

import sim


def time_steps(model, steps: int) -> float:
    start = time.process_time()
    for _ in range(steps):
        model.step()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    n = args.agents
    side = max(10, int(round(n**0.5)))

    def ours_once() -> float:
        model = sim.ValueChainModel(rng=0, n_mse=n)
        time_steps(model, 5)  # warm up: first months allocate group registries etc.
        gc.collect()
        return n * args.steps / time_steps(model, args.steps)

    def theirs_once() -> float:
        boltz = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=0))
        gc.collect()
        return n * b_steps / time_steps(boltz, b_steps)

    # Only the model being timed is alive, so neither pays for the other's objects in
    # Python's garbage collector. The two are timed back to back, in alternating order, and
    # each round's ratio compares measurements a second apart: the machine's speed drifts
    # over seconds, and a ratio of two distant measurements would carry that drift.
    ours, theirs = [], []
    b_steps = max(3, args.steps // 10)
    for r in range(args.rounds):
        if r % 2:
            theirs.append(theirs_once())
            ours.append(ours_once())
        else:
            ours.append(ours_once())
            theirs.append(theirs_once())
        gc.collect()
    ratios = sorted(o / t for o, t in zip(ours, theirs, strict=True))

    tracemalloc.start()
    model = sim.ValueChainModel(rng=0, n_mse=n)
    for _ in range(12):
        model.step()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    median_ratio = statistics.median(ratios)
    print(f"agents: {n}")
    print(f"value chain model : {statistics.median(ours):14,.0f} agent-steps/s "
          f"(median of {args.rounds} rounds; best {max(ours):,.0f})")
    print(f"Mesa Boltzmann    : {statistics.median(theirs):14,.0f} agent-steps/s "
          f"(median of {args.rounds} rounds; best {max(theirs):,.0f})")
    print(f"ratio             : {median_ratio:14.1f}x (target >= 25; median of the rounds' "
          f"ratios, range {ratios[0]:.1f}-{ratios[-1]:.1f})")
    print(f"state arrays      : {model.population.nbytes_per_mse():14.0f} bytes per MSE")
    print(f"model memory      : {current / n:14.0f} bytes per MSE (arrays + agent views)")


if __name__ == "__main__":
    main()
