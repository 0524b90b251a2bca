"""Fingerprints of three 120-month reference runs, to show a refactoring changed no result.

``python benchmarks/reference_runs.py`` prints each run's SHA-256 (over the float64 bytes of
every metric column) and compares it with ``tests/data/reference_runs.json``;
``--write`` stores the current fingerprints there, with the versions of Python and the
libraries that made them. A change that is meant to move the model's numbers (a new
mechanism) rewrites the file in the same commit and says so.

The fingerprints do not depend on the machine: the model computes the same bits on every CPU
(``sim.detmath``; ``benchmarks/simulated_cpus.py`` checks it), so exact bytes can be hashed.
They may depend on library versions (numpy's random streams, say): when they differ, the
message names the versions the file was made with and those in use.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np

import sim
from sim.provenance import library_versions

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "tests" / "data" / "reference_runs.json"
CHANGELOG = ROOT / "CHANGELOG.md"

#: The three runs: the baseline, and two runs with most levers pushed high.
RUNS: dict[str, dict] = {
    "baseline": {"scenario": "baseline", "rng": 1},
    "levers-high": {
        "scenario": "baseline",
        "rng": 7,
        "overrides": {
            "credit_access": 0.9,
            "ict_access": 0.9,
            "embedded_services": 0.9,
            "group_support": 0.9,
            "bargaining_power": 0.9,
        },
    },
    "kenya-levers-high": {
        "scenario": "kenya-avocados",
        "rng": 3,
        "overrides": {
            "forward_contracts": 0.9,
            "targeted_facilitation": 0.9,
            "physical_distance": 0.1,
            "herding": 0.9,
        },
    },
}


def fingerprint(df) -> str:
    """Return the SHA-256 of every column's float64 bytes, in column order."""
    h = hashlib.sha256()
    for column in df.columns:
        h.update(column.encode())
        h.update(np.ascontiguousarray(df[column].to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()


def fingerprints(
    steps: int = 120, constants: dict | None = None, columns: list[str] | None = None
) -> dict[str, str]:
    """Run the reference runs and return their fingerprints.

    Args:
        steps: Months of each run.
        constants: Calibration constants to set in every run (on top of its scenario's),
            e.g. :data:`MARKETS_OFF` to run 0.3.0's model.
        columns: Hash only these metrics, in this order (every metric if omitted): 0.3.0's
            columns (the ``columns`` of :data:`STORE_0_3`), since new metrics add columns.
    """
    out = {}
    for name, spec in RUNS.items():
        overrides = dict(spec.get("overrides", {}))
        overrides.update(constants or {})  # loose constants join the scenario's own
        df = sim.run(spec["scenario"], steps=steps, rng=spec["rng"], **overrides)
        out[name] = fingerprint(df if columns is None else df[list(columns)])
    return out


#: The markets that answer back (issue 22: demand that responds to supply, entry, MSEs
#: choosing their buyers), each switched off by one calibration constant. With these values
#: the model is 0.3.0's to the bit: tests/reference/test_markets_off.py checks the runs
#: against 0.3.0's fingerprints, kept in :data:`STORE_0_3`.
MARKETS_OFF: dict[str, float] = {
    # Demand answers the MSEs' supply (item 1).
    "demand_response": 0,
    # MSEs choose brokers on price; traders enter where margins are high (item 3).
    "broker_choice": 0,
    "max_trader_rivals": 0,
    # Lead firms compete for suppliers through their offers; MSEs choose among them (item 3).
    "offer_step": 0,
    # New MSEs enter when the chain pays more than their outside option (item 2).
    "entry_rate": 0,
}

#: 0.3.0's fingerprints of the reference runs (the model before issue 22's items 1-3).
STORE_0_3 = ROOT / "tests" / "data" / "reference_runs_0.3.json"


#: The key of the package version whose numbers the file holds (CHANGELOG.md: numbers that
#: move raise the minor version).
VERSION_KEY = "version"


def minor(version: str) -> tuple[int, ...]:
    """Return the ``(major, minor)`` of a version string such as ``"0.2.0"``."""
    return tuple(int(part) for part in version.split(".")[:2])


def stored() -> dict:
    """The stored reference: ``versions`` (what made it) and ``fingerprints`` (run -> hash)."""
    return json.loads(STORE.read_text(encoding="utf-8"))


def released(version: str, changelog: str) -> bool:
    """Whether ``version``'s minor series has a dated release (``## [0.2.0] - 2026-12-06``)."""
    headings = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}", changelog, re.M)
    return any(minor(heading) == minor(version) for heading in headings)


def refusal(reference: dict, current: dict[str, str], version: str, changelog: str) -> str:
    """Why ``current`` must not be stored over ``reference`` under ``version``, or ''.

    Numbers that move raise the minor version (docs/about/versions.md). So new fingerprints
    may not replace different ones of the same minor series once that series has been
    released: the release's numbers are what users cite. Before the release (the version
    sits under "Unreleased" in the changelog) they may be rewritten as often as needed.
    """
    stored_version = reference.get(VERSION_KEY, "")
    if not stored_version or minor(stored_version) != minor(version):
        return ""
    if reference.get("fingerprints") == current or not released(version, changelog):
        return ""
    return (
        f"refused: the reference runs' numbers moved, but version {version} has been released "
        f"with other numbers (CHANGELOG.md). Raise the minor version in pyproject.toml "
        f"(to {minor(version)[0]}.{minor(version)[1] + 1}.0), "
        "reinstall, and write again."
    )


def write(current: dict[str, str]) -> None:
    """Store ``current`` fingerprints with the versions in use."""
    record = {VERSION_KEY: sim.__version__, "versions": library_versions(), "fingerprints": current}
    STORE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def difference(reference: dict, current: dict[str, str]) -> str:
    """Why ``current`` fingerprints differ from the stored ``reference``, or '' if they do not.

    When the versions differ, the message names them: a library's new version may change
    results legitimately (numpy's random streams, say). When they are the same, the code
    moved the numbers.
    """
    differ = [
        name
        for name in reference["fingerprints"]
        if current.get(name) != reference["fingerprints"][name]
    ]
    differ += [name for name in current if name not in reference["fingerprints"]]
    if not differ:
        return ""
    made, now = reference.get("versions", {}), library_versions()
    changed = {
        k: (made.get(k, "?"), now.get(k, "?")) for k in {**made, **now} if made.get(k) != now.get(k)
    }
    runs = ", ".join(differ)
    if changed:
        versions = ", ".join(f"{k} {old} (now {new})" for k, (old, new) in changed.items())
        return (
            f"The reference runs ({runs}) differ from {STORE.name}, which was made with other "
            f"library versions: {versions}. If that version change is known to move results "
            "(read its changelog), regenerate the file with `python "
            "benchmarks/reference_runs.py --write` on the new versions and say so in the "
            "commit; otherwise install the versions it was made with."
        )
    same = ", ".join(f"{k} {v}" for k, v in now.items())
    return (
        f"The reference runs ({runs}) differ from {STORE.name}, made with the same versions "
        f"({same}): the code moved the model's numbers. If that was meant, regenerate the "
        "file with `python benchmarks/reference_runs.py --write` and say why in the commit; "
        "if not, it is a regression."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the current fingerprints")
    args = parser.parse_args()
    current = fingerprints()
    if args.write:
        if STORE.exists():
            why = refusal(stored(), current, sim.__version__, CHANGELOG.read_text("utf-8"))
            if why:
                print(why, file=sys.stderr)
                return 2
        write(current)
        print(f"wrote {STORE}")
        return 0
    reference = stored()
    for name, value in current.items():
        ok = reference["fingerprints"].get(name) == value
        print(f"{name:<20} {'identical' if ok else 'DIFFERENT'}  {value[:16]}")
    message = difference(reference, current)
    if message:
        print(message)
    return 1 if message else 0


if __name__ == "__main__":
    sys.exit(main())
