"""Fingerprints of three 120-month reference runs, to show a refactoring changed no result.

``python benchmarks/reference_runs.py`` prints each run's SHA-256 (over the float64 bytes of
every metric column) and compares it with ``tests/data/reference_runs.json``;
``--write`` stores the current fingerprints there. A change that is meant to move the
model's numbers (a new mechanism) rewrites the file in the same commit and says so.

The file names the version whose numbers it fingerprints (``"version"``). Moving the numbers
raises the minor version (CHANGELOG.md), so ``--write`` refuses to store new fingerprints under
the minor version of the stored ones: raise ``version`` in pyproject.toml first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

import sim

STORE = Path(__file__).resolve().parent.parent / "tests" / "data" / "reference_runs.json"

#: The three runs: the baseline, and two runs with most levers pushed high.
RUNS: dict[str, dict] = {
    "baseline": {"scenario": "baseline", "rng": 1},
    "levers-high": {
        "scenario": "baseline", "rng": 7,
        "overrides": {"credit_access": 0.9, "ict_access": 0.9, "embedded_services": 0.9,
                      "group_support": 0.9, "bargaining_power": 0.9},
    },
    "kenya-levers-high": {
        "scenario": "kenya-avocados", "rng": 3,
        "overrides": {"forward_contracts": 0.9, "targeted_facilitation": 0.9,
                      "physical_distance": 0.1, "herding": 0.9},
    },
}


#: The key naming the version the fingerprints belong to (not a run).
VERSION_KEY = "version"


def minor(version: str | None) -> tuple[str, ...]:
    """Return the major and minor parts of a version ("0.2.1" -> ("0", "2"))."""
    return tuple((version or "").split(".")[:2])


def fingerprint(df) -> str:
    """Return the SHA-256 of every column's float64 bytes, in column order."""
    h = hashlib.sha256()
    for column in df.columns:
        h.update(column.encode())
        h.update(np.ascontiguousarray(df[column].to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()


def fingerprints(steps: int = 120) -> dict[str, str]:
    """Run the reference runs and return their fingerprints."""
    out = {}
    for name, spec in RUNS.items():
        df = sim.run(spec["scenario"], steps=steps, rng=spec["rng"], **spec.get("overrides", {}))
        out[name] = fingerprint(df)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the current fingerprints")
    args = parser.parse_args()
    current = fingerprints()
    stored = json.loads(STORE.read_text(encoding="utf-8"))
    stored_version = stored.pop(VERSION_KEY, None)
    if args.write:
        if stored != current and minor(stored_version) == minor(sim.__version__):
            print(f"the numbers moved but the version did not ({sim.__version__}): raise the "
                  "minor version in pyproject.toml, reinstall, and say why in CHANGELOG.md",
                  file=sys.stderr)
            return 1
        record = {VERSION_KEY: sim.__version__ if stored != current else stored_version,
                  **current}
        STORE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {STORE}")
        return 0
    same = True
    for name, value in current.items():
        ok = stored.get(name) == value
        same &= ok
        print(f"{name:<20} {'identical' if ok else 'DIFFERENT'}  {value[:16]}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
