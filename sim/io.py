"""Files in and out: TOML inputs read with a clear error, atomic files, tables with provenance.

Every TOML file a user gives (scenario, sweep spec, targets, costs, guidelines, calibration
spec) is read by :func:`read_toml`, so a missing or broken file gets the same message naming
the file and what it was meant to be.

Every file the tool writes goes through :func:`atomic_write`: it is written under a temporary
name in the same folder and renamed into place only when complete, so a crash or a bad input
never leaves a half-written file that a later reader would take for data.

:func:`stable_hash` is the one fingerprint of a JSON-like value (sweep specs, calibration and
optimisation states): the same on every machine and run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UserInputError
from sim.provenance import provenance

if TYPE_CHECKING:
    import pandas as pd

TABLE_SUFFIXES = (".csv", ".parquet")


def read_toml(
    path: str | os.PathLike, what: str = "file", error: type[UserInputError] = UserInputError
) -> dict[str, Any]:
    """Read a TOML file, or raise an error naming the file and what it was meant to be.

    Args:
        path: The file.
        what: What the file is, for the message (e.g. ``"scenario file"``).
        error: The error type to raise (a :class:`UserInputError`, e.g. ``ScenarioError``).

    Returns:
        The file's tables.

    Raises:
        UserInputError: (or ``error``) The file cannot be read, or is not valid TOML.
    """
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc}") from None


def stable_hash(obj: Any, length: int = 16) -> str:
    """Return a hex digest of ``obj``'s canonical JSON: the same on every machine and run.

    Args:
        obj: A JSON-like value (dicts, lists, numbers, text; other objects as their text).
        length: Hex digits kept (at most 64).
    """
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file beside ``path`` and rename it to ``path`` on success.

    Args:
        path: Final file path.
        mode: ``"wb"`` or ``"w"``.

    Yields:
        The open temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions instead.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_suffix(path: str | os.PathLike, allowed: tuple[str, ...], what: str) -> Path:
    """Check that ``path`` ends in one of ``allowed`` (before any work is done).

    Args:
        path: The file a command will write.
        allowed: Suffixes it may have, e.g. ``(".csv", ".parquet")``.
        what: How the error names the file, e.g. ``"output file"``.

    Raises:
        UserInputError: Unknown suffix, naming the path, the suffix and what is allowed.
    """
    path = Path(path)
    if path.suffix.lower() not in allowed:
        raise UserInputError(
            f"{what} '{path}': suffix '{path.suffix}' is not supported "
            f"(allowed: {', '.join(allowed)})"
        )
    return path


def check_table_path(path: str | os.PathLike) -> Path:
    """Check that ``path`` names a table format we write."""
    return check_suffix(path, TABLE_SUFFIXES, "output file")


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a DataFrame as CSV or Parquet, atomically, keeping ``df.attrs`` as provenance.

    Parquet keeps the provenance in the file's key-value metadata (``mse_sim``); CSV gets a
    sidecar ``<file>.meta.json``. Whatever ``attrs`` hold, the code and library versions of
    :func:`sim.provenance.provenance` are added when missing, so no table goes without them.

    Examples:
        >>> import pandas as pd
        >>> from sim.io import read_provenance, write_table
        >>> table = pd.DataFrame({"seed": [1, 2], "share_upgraded": [0.31, 0.29]})
        >>> table.attrs = {"scenario": "baseline"}
        >>> path = write_table(table, "effects.csv")    # also effects.csv.meta.json
        >>> sorted(read_provenance(path))
        ['code', 'scenario', 'version', 'versions']
    """
    path = check_table_path(path)
    meta = json.dumps({**provenance(), **df.attrs}, default=str, sort_keys=True)
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"mse_sim": meta.encode()}
        )
        with atomic_write(path) as fh:
            pq.write_table(table, fh)
    else:
        with atomic_write(path, "w") as fh:
            df.to_csv(fh, index=False)
        with atomic_write(path.with_name(path.name + ".meta.json"), "w") as fh:
            fh.write(meta)
    return path


def read_provenance(path: str | os.PathLike) -> dict[str, Any]:
    """Return the provenance stored with a table written by :func:`write_table`."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta.get(b"mse_sim", b"{}"))
    return json.loads(path.with_name(path.name + ".meta.json").read_text())
