"""Opening a project file safely: read-only detection, connections, and SQLite errors as messages.

SQLite in WAL mode writes two files beside the project (``NAME-wal``, ``NAME-shm``), so a
project is writable only when the file *and its folder* are. :func:`write_problem` says
why not before SQLite gets to fail with "attempt to write a readonly database";
:func:`connect` opens read-only connections that work even in a read-only folder; and
:func:`error_kind` sorts SQLite's exceptions into the few cases a user can act on. Values
the store reads back from JSON (:func:`parse_meta`, :func:`loads`) never raise: a damaged
value gets its default and a warning, and the rest of the project stays readable.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ProjectError

SIDE_SUFFIXES = ("-wal", "-shm")
DEFAULT_BUSY_MS = 5000  # how long reads (rarely) and plain statements wait for a lock


def side_file(path: Path, suffix: str) -> Path:
    return Path(str(path) + suffix)


def _can(path: Path, mode: int) -> bool:
    # The effective ids are the ones the kernel checks when SQLite opens the file.
    if os.access in os.supports_effective_ids:
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)


def write_problem(path: Path) -> str | None:
    """Why this process cannot write the project at ``path`` (a sentence), or None."""
    name = path.name
    folder = path.resolve().parent
    file_ok = _can(path, os.W_OK)
    if not _can(folder, os.W_OK | os.X_OK):
        also = "" if file_ok else f" You do not have permission to change {name} either."
        return (
            f"The folder {folder} is read-only (SQLite needs to create {name}-wal and "
            f"{name}-shm beside the project to save to it).{also}"
        )
    if not file_ok:
        return f"You do not have permission to change {name}."
    for suffix in SIDE_SUFFIXES:
        side = side_file(path, suffix)
        if side.exists() and not _can(side, os.W_OK):
            return f"You do not have permission to change {side.name} beside the project."
    return None


def folder_problem(path: Path) -> str | None:
    """Why a new project file cannot be written at ``path`` (a sentence), or None."""
    folder = path.resolve().parent
    if folder.is_dir() and not _can(folder, os.W_OK | os.X_OK):
        return f"The folder {folder} is read-only; choose a folder you can write to."
    return None


def _open(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        # Never run functions with side effects from the file's schema (views, triggers).
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {DEFAULT_BUSY_MS}")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def connect(path: Path, *, create: bool = False, read_only: bool = False) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) with the project's pragmas.

    Read-only connections never write: ``mode=ro``, and in a read-only folder where SQLite
    cannot create the ``-shm`` file, ``immutable=1`` (safe only when no ``-wal`` file holds
    changes not yet in the main file; otherwise a clear :class:`ProjectError`).
    """
    uri = path.resolve().as_uri()
    if not read_only:
        conn = _open(f"{uri}?mode={'rwc' if create else 'rw'}")
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit is on disk (WAL synced) before label() returns, even if the
            # machine dies.
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error:
            conn.close()
            raise
        return conn
    conn = _open(f"{uri}?mode=ro")
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if error_kind(exc) not in ("read_only", "cannot_open"):
            raise
    wal = side_file(path, "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ProjectError(
            f"The latest changes to {path.name} are in {wal.name}, which SQLite can only read "
            f"with write access to the folder {path.resolve().parent}. Copy {path.name} and "
            f"{wal.name} together to a folder you can write to and open the copy there."
        )
    return _open(f"{uri}?mode=ro&immutable=1")


def error_kind(exc: BaseException) -> str:
    """``"read_only"``, ``"busy"``, ``"full"``, ``"io"``, ``"damaged"``, ``"cannot_open"`` or ``"other"``."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc).lower()
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return "read_only"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return "busy"
    if name == "SQLITE_FULL" or "database or disk is full" in text:
        return "full"
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return "io"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return "damaged"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "cannot_open"
    return "other"


def write_error(exc: sqlite3.Error, name: str) -> ProjectError:
    """A write that failed for a reason other than a lock or read-only access, as a message."""
    kind = error_kind(exc)
    if kind == "full":
        return ProjectError(
            f"The disk holding {name} is full, so the change was not saved. Free some space "
            f"and try again."
        )
    if kind == "io":
        return ProjectError(
            f"The disk refused to write {name} ({exc}); the change was not saved. If the "
            f"project is on a network or removable drive, check that it is still connected."
        )
    if kind == "damaged":
        return ProjectError(
            f"The project {name} is damaged ({exc}); the change was not saved. Use a backup "
            f"copy, or File > Save project as… to rescue what can still be read."
        )
    return ProjectError(f"Could not save to the project {name}: {exc}")


def begin_immediate(conn: sqlite3.Connection, timeout: float) -> None:
    """``BEGIN IMMEDIATE``, waiting up to ``timeout`` s for another writer to finish.

    SQLite's busy handler does the retrying, with back-off (sleeps of 1 ms growing to
    100 ms); a writer that holds the lock for longer raises ``database is locked``.
    """
    conn.execute(f"PRAGMA busy_timeout = {max(0, int(timeout * 1000))}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    finally:
        conn.execute(f"PRAGMA busy_timeout = {DEFAULT_BUSY_MS}")


# -- JSON values read back from the file --------------------------------------------------
def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_META: dict[str, tuple[str, Callable[[Any], bool], str]] = {
    # key: (what it is, a check of its shape, what happens without it)
    "labels": (
        "list of labels",
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "the labels found in the rows are used",
    ),
    "fractions": (
        "split fractions",
        lambda v: isinstance(v, dict) and all(_number(x) and x >= 0 for x in v.values()),
        "rows labelled from now on are split 80/10/10",
    ),
    "split_seed": (
        "split seed",
        lambda v: isinstance(v, (int, str)) and not isinstance(v, bool),
        "the default seed is used",
    ),
    "source": ("source file name", lambda v: isinstance(v, str), "the source is not shown"),
    "created_at": ("creation time", _number, "the creation time is not shown"),
    "file_columns": (
        "list of the imported file's columns",
        lambda v: (
            isinstance(v, list)
            and all(
                isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x)
                for x in v
            )
        ),
        "the file's other columns are not shown or exported",
    ),
}


def parse_meta(key: str, text: Any, default: Any) -> tuple[Any, str | None]:
    """A ``meta`` value from its JSON text: (value, None), or (default, a warning) when damaged."""
    what, check, fallback = _META.get(key, (f"value {key!r}", lambda v: True, "it is ignored"))
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        problem = "is not valid JSON"
    else:
        if check(value):
            return value, None
        problem = f"has the wrong form ({type(value).__name__})"
    return default, (
        f"The project's saved {what} {problem}, so {fallback}. The rest of the project is "
        f"fine; the next change to it saves a correct value."
    )


def loads(text: Any, default: Any) -> Any:
    """JSON text to a value; ``default`` when it is damaged (app state, training run records)."""
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return default
