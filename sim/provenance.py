"""Provenance of every output: which code made it and with which libraries.

One function, :func:`provenance`, says it; every output carries it: a run's ``df.attrs``, the
tables' CSV sidecars and Parquet metadata (:func:`sim.io.write_table`), the sweep store's
manifest and part files, the validation and calibration outputs and the HTML reports.

* **The code.** From a git checkout (an editable install), the commit (``git rev-parse HEAD``)
  and whether tracked files differ from it (``dirty``). From an installed wheel, the
  distribution's version and a hash of the ``sim/`` files its ``RECORD`` lists: the build;
  and the commit the wheel was built from, when it was built from a checkout (``setup.py``
  writes ``sim/_build.json``). Without git, or outside either, it says so instead of failing.
* **The libraries that decide the numbers**: Python, numpy (random streams and math), numba
  (compiled passes), Mesa, pandas, SciPy (intervals) and SALib (designs and indices); a study
  that uses another one adds it (``extra=("pyabc",)``).

The git call runs once per process (``functools.cache``): a run costs nothing more.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import __version__

#: The distribution this package is installed as.
DISTRIBUTION = "mse-upgrading"
#: Libraries whose versions can change a result, recorded with every output.
LIBRARIES: tuple[str, ...] = ("numpy", "numba", "llvmlite", "mesa", "pandas", "scipy", "SALib")
#: Written into a wheel built from a checkout (setup.py): the commit it was built from.
BUILD_FILE = Path(__file__).resolve().parent / "_build.json"
#: Seconds a git call may take before the commit is recorded as unknown.
GIT_TIMEOUT = 5.0


@functools.cache
def library_version(name: str) -> str | None:
    """Return the installed version of a distribution, or ``None`` when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def library_versions(extra: Iterable[str] = ()) -> dict[str, str | None]:
    """Return Python's version and those of :data:`LIBRARIES` and ``extra``, by name."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in (*LIBRARIES, *extra):
        versions[name] = library_version(name)
    return versions


def _source_root() -> Path:
    """The folder holding the ``sim`` package (a checkout's root, or site-packages)."""
    return Path(__file__).resolve().parent.parent


def _git(root: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        check=True,
    )
    return out.stdout.strip()


@functools.cache
def code_identity() -> dict[str, Any]:
    """Return which code this is: a git commit and dirty flag, or a wheel's build.

    Cached: git runs at most once per process. Never raises; what cannot be found is
    recorded as ``None`` with a ``note`` saying why.
    """
    root = _source_root()
    if (root / ".git").exists():  # a checkout (``.git`` is a file in a worktree)
        try:
            commit = _git(root, "rev-parse", "HEAD")
            dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
        except (OSError, subprocess.SubprocessError) as exc:
            return {
                "source": "checkout",
                "commit": None,
                "dirty": None,
                "note": f"git unavailable: {type(exc).__name__}",
            }
        return {"source": "checkout", "commit": commit, "dirty": dirty}
    try:
        dist = metadata.distribution(DISTRIBUTION)
        record = dist.read_text("RECORD") or ""
    except metadata.PackageNotFoundError:
        return {
            "source": "unknown",
            "commit": None,
            "note": "neither a git checkout nor an installed distribution",
        }
    # RECORD lists every installed file with its sha256: the package's files identify the build.
    lines = sorted(
        line
        for line in record.splitlines()
        if line.startswith("sim/") and "__pycache__" not in line
    )
    build = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    identity = {
        "source": "wheel",
        "commit": None,
        "build": f"{DISTRIBUTION} {dist.version} sha256:{build}",
    }
    # A wheel built from a checkout carries the commit it was built from (setup.py).
    with contextlib.suppress(OSError, ValueError):
        identity.update(
            {
                k: v
                for k, v in json.loads(BUILD_FILE.read_text(encoding="utf-8")).items()
                if k in ("commit", "dirty")
            }
        )
    return identity


def provenance(extra: Iterable[str] = ()) -> dict[str, Any]:
    """Return the provenance every output records: version, code and library versions.

    Args:
        extra: Further distributions a study used (e.g. ``("pyabc",)``).

    Returns:
        ``{"version": ..., "code": code_identity(), "versions": {...}}``, plain JSON.
    """
    return {
        "version": __version__,
        "code": dict(code_identity()),
        "versions": library_versions(extra),
    }


def provenance_parts(prov: dict[str, Any]) -> dict[str, str]:
    """Return the code and the libraries of a provenance dict as short texts (no words).

    ``code``: ``mse-sim VERSION git COMMIT`` (``COMMIT-dirty`` with uncommitted changes, as
    ``git describe --dirty`` writes it), or the
    wheel's build, or ``mse-sim VERSION`` alone; ``libraries``: ``name version, ...``.
    Reports put them into a sentence of their own language.
    """
    code = prov.get("code", {})
    text = f"mse-sim {prov.get('version', '?')}"
    if code.get("commit"):
        text += f" git {code['commit'][:12]}" + ("-dirty" if code.get("dirty") else "")
    elif code.get("build"):
        text = code["build"]
    libraries = ", ".join(f"{k} {v}" for k, v in prov.get("versions", {}).items() if v)
    return {"code": text, "libraries": libraries}


def describe(prov: dict[str, Any]) -> str:
    """Return a provenance dict in one line of English, for terminals and generated docs."""
    parts = provenance_parts(prov)
    return f"code {parts['code']}; libraries {parts['libraries']}"
