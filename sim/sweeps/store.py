"""The sweep store: a folder with a manifest, the design and Parquet part files of runs.

::

    DIR/manifest.json          the normalized spec, its fingerprint, package version, time
    DIR/design.parquet         one row per design point: point_id and the swept parameters
    DIR/runs/part-*.parquet    one file per finished chunk of runs, written atomically
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.errors import UserInputError
from sim.io import atomic_write, stable_hash, write_table
from sim.provenance import provenance
from sim.sweeps.spec import ID_COLUMNS, SweepSpec, fingerprint_body

STORE_FORMAT = "mse-sim-sweep/1"
PART_GLOB = "part-*.parquet"


class SweepStore:
    """A sweep's folder: manifest, design and the Parquet part files of finished runs.

    Args:
        path: The folder.

    Examples:
        >>> import sim
        >>> from sim.sweeps import SweepStore
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> _ = sim.sweep(spec, out="store", workers=1, progress=False)
        >>> store = SweepStore("store")
        >>> store.exists(), len(store.done_ids())
        (True, 4)
        >>> store.manifest()["version"] == sim.__version__   # provenance
        True
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.manifest_path = self.path / "manifest.json"
        self.design_path = self.path / "design.parquet"
        self.runs_dir = self.path / "runs"

    # reading ------------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the folder holds a sweep manifest."""
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """Return the manifest.

        Raises:
            UserInputError: The folder is not a sweep store.
        """
        if not self.exists():
            raise UserInputError(
                f"'{self.path}' is not a sweep folder (no manifest.json); give the --out "
                "folder of a sweep"
            )
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def design(self) -> pd.DataFrame:
        """Return the design points (point_id and parameters)."""
        return pd.read_parquet(self.design_path)

    def parts(self) -> list[Path]:
        """Return the finished part files (temporary files of unfinished writes are skipped)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(self.runs_dir.glob(PART_GLOB))

    def done_ids(self) -> set[str]:
        """Return the run_ids on disk, reading only that column of each part."""
        import pyarrow.parquet as pq

        done: set[str] = set()
        for part in self.parts():
            done.update(pq.read_table(part, columns=["run_id"]).column(0).to_pylist())
        return done

    def read(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Read the finished runs, one row per run, sorted by design point and replicate.

        Args:
            columns: Columns to read (ids are always read); ``None`` reads every column.
                Reading a few columns keeps a large store cheap to analyse.

        Returns:
            The runs; a run stored twice (which resume prevents) appears once.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        wanted = None
        if columns is not None:
            wanted = list(dict.fromkeys([*ID_COLUMNS, *columns]))
        tables = [pq.read_table(part, columns=wanted) for part in self.parts()]
        if not tables:
            manifest = self.manifest()
            cols = wanted or manifest["columns"]
            return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        df = pa.concat_tables(tables, promote_options="default").to_pandas()
        df = df.drop_duplicates("run_id", keep="first")
        return df.sort_values(["point_id", "replicate"], kind="stable").reset_index(drop=True)

    # writing ------------------------------------------------------------------------------
    def write_part(self, columns: Mapping[str, Any]) -> Path:
        """Write one chunk's results as a Parquet part file, atomically.

        The file is named by a hash of its run_ids, so the same chunk written twice replaces
        itself instead of duplicating runs.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(dict(columns))
        # Key-value metadata, as sim.io.write_table does: which code and libraries made it.
        meta = json.dumps({"store_format": STORE_FORMAT, **provenance()}, sort_keys=True)
        table = table.replace_schema_metadata({b"mse_sim": meta.encode()})
        ids = table.column("run_id").to_pylist()
        path = self.runs_dir / f"part-{stable_hash(ids, 20)}.parquet"
        with atomic_write(path) as fh:
            pq.write_table(table, fh)
        return path

    def clean_temporary(self) -> None:
        """Remove temporary files left by a killed sweep (they never hold counted data)."""
        for folder in (self.path, self.runs_dir):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    with contextlib.suppress(OSError):
                        tmp.unlink()

    def reset(self) -> None:
        """Delete this sweep's results (manifest, design and parts) and nothing else."""
        for part in self.parts():
            part.unlink()
        for path in (self.manifest_path, self.design_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder, so two sweeps never write into it at once.

        The operating system releases the lock when the process dies, even by ``kill -9``.

        Raises:
            UserInputError: Another process holds the lock.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            yield
            return
        with open(self.path / ".lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserInputError(
                    f"another sweep is writing into '{self.path}'; wait for it to finish or "
                    "use another --out folder"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def manifest_of(spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame) -> dict[str, Any]:
    """Return a new store's manifest: the spec, its fingerprint, provenance, time and sizes."""
    return {
        "format": STORE_FORMAT,
        "fingerprint": spec.fingerprint(),
        "version": __version__,
        # The code and libraries of the process that created the store; each part file
        # records those of the process that wrote it (a resumed sweep may differ).
        "provenance": provenance(),
        "neutral_fields": spec.neutral_fields(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": spec.source,
        "spec": spec.normalized(),
        "spec_as_given": spec.raw,
        "n_points": len(design),
        "n_runs": len(runs),
        "columns": [*runs.columns, *spec.output_columns],
    }


def visible_entries(path: Path) -> list[Path]:
    """Return the entries of ``path`` that are not hidden (none if it is not a folder)."""
    if not path.is_dir():
        return []
    return [p for p in path.iterdir() if not p.name.startswith(".")]


def open_store(
    store: SweepStore, spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame, resume: bool
) -> int:
    """Create the store or check it holds this sweep; return how many runs were on disk."""
    store.clean_temporary()
    if store.exists():
        manifest = store.manifest()
        if manifest.get("fingerprint") != spec.fingerprint():
            old = fingerprint_body(manifest["spec"]) if "spec" in manifest else {}
            new = fingerprint_body(spec.normalized())
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            raise UserInputError(
                f"'{store.path}' holds a different sweep (differs in: "
                f"{', '.join(diff) or 'format'}); use a new --out folder, or delete "
                f"'{store.path}' to start over"
            )
        if not resume:
            store.reset()
    elif visible_entries(store.path):
        raise UserInputError(
            f"'{store.path}' is not empty and holds no sweep; give an empty or new --out folder"
        )
    if not store.exists():
        design = design.copy()
        design.attrs = {"fingerprint": spec.fingerprint()}
        write_table(design, store.design_path)  # with provenance in its metadata
        with atomic_write(store.manifest_path, "w") as fh:
            json.dump(manifest_of(spec, design, runs), fh, indent=2, default=str)
        return 0
    return len(store.done_ids() & set(runs["run_id"]))
