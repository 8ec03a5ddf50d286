"""The open project file: opening it safely, who may write it, and transactions.

:class:`ProjectFile` is the part of :class:`~desktop_app.core.project.store.ProjectStore` that
knows about the file rather than the labels: the checks on opening (header, application
id, schema version, ``quick_check``, no triggers or views), read-only opening (on purpose,
or because the file or its folder cannot be written), the holder record
(:mod:`desktop_app.core.project.holder`), write transactions that wait for another
writer's lock and then fail with a message naming it, and the ``meta``/``app_state``
key-value tables, read back without ever raising on a damaged value.

Every SQLite failure a user can cause comes out as a :class:`ProjectError` subclass
with a sentence that says what happened and what to do; nothing raw.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ProjectError, ProjectInUse, ProjectLocked, ProjectReadOnly
from desktop_app.core.project.access import (
    begin_immediate,
    connect,
    error_kind,
    folder_problem,
    loads,
    parse_meta,
    write_error,
    write_problem,
)
from desktop_app.core.project.holder import (
    HEARTBEAT_S,
    Holder,
    add_claim,
    delete_holder,
    drop_claim,
    in_use_message,
    locked_by,
    read_holder,
    write_holder,
)
from desktop_app.core.project.schema import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    SUFFIX,
    migrate,
    schema_version,
)

OPEN_MODES = ("auto", "read_only", "take_over")
LOCK_TIMEOUT_S = 5.0  # how long a write waits for another program's write lock
SQLITE_HEADER = b"SQLite format 3\x00"
TABLES = {"meta", "rows", "label_events", "training_runs", "app_state", "row_cells"}


class ProjectFile:
    """An open project file. Use from one thread at a time; close it (or use ``with``).

    ``read_only_reason`` is None when the project can be written, else a sentence saying
    why not; writes then raise :class:`ProjectReadOnly`. ``warnings`` lists values of the
    file that could not be read and were replaced by defaults. ``lock_timeout`` is how long
    a write waits for another program's write lock before :class:`ProjectLocked`.
    """

    def __init__(
        self, path: Path, conn: sqlite3.Connection, *, read_only_reason: str | None = None
    ) -> None:
        self.path = path
        self._conn = conn
        self._meta_cache: dict[str, Any] = {}
        self.read_only_reason = read_only_reason
        self.warnings: list[str] = []
        self.lock_timeout = LOCK_TIMEOUT_S
        self._claimed = False  # this process is the recorded holder, through this store
        self._started = time.time()
        self._last_beat = 0.0
        self._beat_due = False

    # -- opening and closing ------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], mode: str = "auto") -> Any:
        """Open an existing project, migrating an older schema (a copy of the file is kept).

        ``mode="auto"`` opens it for writing, or read-only when the file or its folder
        cannot be written (``read_only_reason`` says why), and raises
        :class:`ProjectInUse` when another live app instance has it open.
        ``"read_only"`` never writes; ``"take_over"`` claims it from a live holder.
        """
        if mode not in OPEN_MODES:
            raise ValueError(f"mode must be one of {OPEN_MODES}, not {mode!r}")
        target = Path(path)
        _check_header(target)
        reason = "You opened it read-only." if mode == "read_only" else write_problem(target)
        try:
            conn, reason = _connect_existing(target, reason)
        except sqlite3.Error as exc:
            raise _open_error(target, exc) from exc
        try:
            conn = _checked(target, conn, reason)
        except ProjectError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _open_error(target, exc) from exc
        store = cls(target, conn, read_only_reason=reason)
        if store.read_only:
            holder = read_holder(conn)
            if mode == "read_only" and holder is not None and holder.is_live_other():
                store.read_only_reason = (
                    f"You opened it read-only; it is open for labelling by {holder.describe()}."
                )
        else:
            try:
                store._claim(take_over=mode == "take_over")
            except ProjectReadOnly:
                pass  # the system refused the write: the store is read-only and says why
            except BaseException:
                conn.close()
                raise
        store._after_open()
        return store

    def _after_open(self) -> None:
        """Subclasses read what they need at once here (so damaged values warn on opening)."""

    def close(self) -> None:
        if self._conn is None:
            return
        self._release()
        try:
            if not self.read_only:
                # A courtesy (the WAL is complete without it): never wait long for it.
                self._conn.execute("PRAGMA busy_timeout = 200")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self._conn.close()
        self._conn = None  # type: ignore[assignment]

    @property
    def closed(self) -> bool:
        return self._conn is None

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_as(self, path: str | os.PathLike[str]) -> Any:
        """Copy the whole project (consistently, with SQLite's backup) and return the copy, open.

        Works from a read-only project too: that is how one gets a copy to label.
        """
        target = Path(path)
        if target.suffix != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        if target.resolve() == self.path.resolve():
            return self
        problem = folder_problem(target)
        if problem:
            raise ProjectError(f"Could not save the project as {target}: {problem}")
        if target.exists():
            refuse_if_held(target, "replace")
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        try:
            dest = sqlite3.connect(str(target))
            with dest:
                self._conn.backup(dest)
            with dest:  # the copy is nobody's yet: it gets its own holder when opened
                delete_holder(dest)
            dest.close()
        except (OSError, sqlite3.Error) as exc:
            raise ProjectError(f"Could not save the project as {target}: {exc}") from exc
        return type(self).open(target)

    # -- who has it open -----------------------------------------------------------------
    def holder(self) -> Holder | None:
        """The app instance recorded as having the project open for writing (maybe this one)."""
        return read_holder(self._conn) if self._conn is not None else None

    def heartbeat(self, timeout: float = 0.2) -> None:
        """Tell other instances this one is still here (the GUI calls it every HEARTBEAT_S s).

        Raises :class:`ProjectReadOnly` when another instance has taken the project over
        (the store is read-only from then on) and :class:`ProjectLocked` when the write
        lock is busy (try again at the next beat).
        """
        if self._conn is None or self.read_only or not self._claimed:
            return
        self._beat_due = True
        with self._transaction(timeout):
            pass

    def _claim(self, take_over: bool = False) -> None:
        """Record this process as the holder (raises :class:`ProjectInUse` if another has it)."""
        found = read_holder(self._conn)
        if found is not None and found.is_live_other() and not take_over:
            raise ProjectInUse(in_use_message(self.path.name, found), found)
        with _Transaction(self, self.lock_timeout, check_holder=False):
            found = read_holder(self._conn)
            if found is not None and found.is_live_other() and not take_over:
                raise ProjectInUse(in_use_message(self.path.name, found), found)
            write_holder(self._conn, Holder.current(self._started))
        self._claimed = True
        self._last_beat = time.time()
        add_claim(self._claim_key())

    def _check_claim(self) -> None:
        """Inside a write transaction: still the holder? Refresh the heartbeat when due."""
        found = read_holder(self._conn)
        if found is not None and found.is_live_other():
            self._become_read_only(
                f"{found.who()} took the project over at {found.since()}, so this window can "
                f"no longer save to it."
            )
            raise ProjectReadOnly(self._read_only_message())
        now = time.time()
        stale = now - self._last_beat > HEARTBEAT_S
        if found is None or not found.is_this_process() or self._beat_due or stale:
            write_holder(self._conn, Holder.current(self._started))
            self._last_beat = now
            self._beat_due = False

    def _release(self) -> None:
        if not self._claimed:
            return
        self._claimed = False
        if not drop_claim(self._claim_key()):
            return  # another store of this process still has it open
        try:
            with _Transaction(self, 0.2, check_holder=False):
                found = read_holder(self._conn)
                if found is not None and found.is_this_process():
                    delete_holder(self._conn)
        except ProjectError:
            pass  # a stale record blocks nobody for long (see project_holder)

    def _claim_key(self) -> str:
        return str(self.path.resolve())

    def _become_read_only(self, reason: str) -> None:
        if self.read_only_reason is None:
            self.read_only_reason = reason
        if self._claimed:
            self._claimed = False
            drop_claim(self._claim_key())

    def _read_only_message(self) -> str:
        return (
            f"The project {self.path.name} is read-only here. {self.read_only_reason} To label, "
            f"save a copy (File > Save project as…) and label the copy."
        )

    def _write_failed(self, exc: sqlite3.Error, timeout: float) -> ProjectError:
        """The message for a write that SQLite refused."""
        kind = error_kind(exc)
        if kind == "read_only":
            self._become_read_only(f"The system refused to write to it ({exc}).")
            return ProjectReadOnly(self._read_only_message())
        if kind != "busy":
            return write_error(exc, self.path.name)
        found = read_holder(self._conn)
        if found is not None and not found.is_live_other():
            found = None
        who = locked_by(found)
        return ProjectLocked(
            f"The project {self.path.name} is locked by {who}: nothing could be saved for "
            f"{timeout:g} s. Try again when it is free.",
            found,
        )

    # -- meta and app state -------------------------------------------------------------
    def _get_meta(self, key: str, default: Any = None) -> Any:
        if key in self._meta_cache:
            return self._meta_cache[key]
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        value = default
        if row is not None:
            value, warning = parse_meta(key, row[0], default)
            if warning and warning not in self.warnings:
                self.warnings.append(warning)
        self._meta_cache[key] = value
        return value

    def _set_meta(self, key: str, value: Any) -> None:
        with self._transaction():
            self._write_meta(key, value)
        self._meta_cache[key] = value

    def _write_meta(self, key: str, value: Any) -> None:
        """Inside a write transaction (the cache is the caller's to update after it commits)."""
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def get_state(self, key: str, default: Any = None) -> Any:
        """A value the app stored for this project (JSON data; ``default`` if damaged)."""
        row = self._conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
        return default if row is None else loads(row[0], default)

    def set_state(self, key: str, value: Any) -> None:
        with self._transaction():
            self._conn.execute(
                "INSERT INTO app_state(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- plumbing ---------------------------------------------------------------------------
    def _transaction(self, timeout: float | None = None) -> _Transaction:
        """A write transaction; refused at once when read-only."""
        if self._conn is None:
            raise ProjectError("The project is closed.")
        if self.read_only:
            raise ProjectReadOnly(self._read_only_message())
        return _Transaction(self, self.lock_timeout if timeout is None else timeout)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK``); nests by doing nothing inside.

    Waits up to ``timeout`` s for another writer, checks (and refreshes) the holder
    record, and turns SQLite's failures into :class:`ProjectError` messages.
    """

    def __init__(self, store: ProjectFile, timeout: float, check_holder: bool = True) -> None:
        self._store = store
        self._conn = store._conn
        self._timeout = timeout
        self._check_holder = check_holder
        self._outer = False

    def __enter__(self) -> None:
        if self._conn.in_transaction:
            return
        try:
            begin_immediate(self._conn, self._timeout)
        except sqlite3.Error as exc:
            raise self._store._write_failed(exc, self._timeout) from exc
        self._outer = True
        if self._check_holder and self._store._claimed:
            try:
                self._store._check_claim()
            except BaseException:
                self._rollback()
                raise

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if not self._outer:
            return
        if exc_type is None:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as err:
                self._rollback()
                raise self._store._write_failed(err, self._timeout) from err
            return
        self._rollback()
        if isinstance(exc, sqlite3.Error):
            raise self._store._write_failed(exc, self._timeout) from exc

    def _rollback(self) -> None:
        self._outer = False
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (a full disk, an I/O error)


# -- helpers for opening ------------------------------------------------------------------
def _check_header(target: Path) -> None:
    if not target.exists():
        raise ProjectError(f"The project {target} does not exist.")
    if target.is_dir():
        raise ProjectError(f"{target} is a folder, not a project file.")
    try:
        with open(target, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise ProjectError(f"Could not read {target}: {exc}") from exc
    if header != SQLITE_HEADER:
        raise ProjectError(
            f"{target.name} is not a Sentiment Studio project. Open data files "
            f"with File > Open dataset, or create a project from one with File > New project."
        )


def _connect_existing(target: Path, reason: str | None) -> tuple[sqlite3.Connection, str | None]:
    """A connection, read-only when ``reason`` says why (or when SQLite refuses to write)."""
    try:
        return connect(target, read_only=reason is not None), reason
    except sqlite3.Error as exc:
        if reason is not None or error_kind(exc) != "read_only":
            raise
        refused = f"The system refused to write to it ({exc})."
    return connect(target, read_only=True), refused


def _checked(target: Path, conn: sqlite3.Connection, reason: str | None) -> sqlite3.Connection:
    """Check the file is a project this version can use; migrate an older one (if writable)."""
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = schema_version(conn)
    if app_id != APPLICATION_ID:
        raise ProjectError(
            f"{target.name} is an SQLite database but not a Sentiment Studio project; "
            f"it was not opened."
        )
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{target.name} was made by a newer version of Sentiment Studio (project "
            f"format {version}; this version reads up to {SCHEMA_VERSION}). Update the "
            f"app to open it."
        )
    check = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    if check != ["ok"]:
        raise sqlite3.DatabaseError("; ".join(str(c) for c in check[:3]))
    kinds = {
        r[0]
        for r in conn.execute("SELECT type FROM sqlite_master WHERE type IN ('trigger', 'view')")
    }
    if kinds:
        raise ProjectError(
            f"{target.name} contains {', '.join(sorted(kinds))}s, which Sentiment Studio "
            f"projects never have; it was not opened."
        )
    if version < SCHEMA_VERSION:
        if reason is not None:
            raise ProjectReadOnly(
                f"{target.name} is in an older project format ({version}), which this version "
                f"upgrades when it opens a project; that needs write access. {reason} Copy it "
                f"to a folder you can write to and open the copy."
            )
        conn.close()
        backup = target.with_name(f"{target.name}.v{version}.bak")
        shutil.copy2(target, backup)
        conn = connect(target)
        migrate(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = TABLES - tables
    if missing:
        raise sqlite3.DatabaseError(f"missing tables {sorted(missing)}")
    return conn


def _open_error(target: Path, exc: sqlite3.Error) -> ProjectError:
    kind = error_kind(exc)
    if kind == "busy":
        return ProjectLocked(
            f"The project {target.name} is locked by another program and could not be "
            f"opened. Try again when it is free.",
        )
    if kind in ("damaged", "other") and isinstance(exc, sqlite3.DatabaseError):
        return ProjectError(
            f"The project {target.name} is damaged and cannot be opened ({exc}). If you "
            f"have a backup copy, open that instead."
        )
    return ProjectError(f"Could not open the project {target}: {exc}")


def refuse_if_held(target: Path, action: str) -> None:
    """Raise :class:`ProjectInUse` when a live app instance has the project at ``target`` open."""
    try:
        conn = connect(target, read_only=True)
    except (sqlite3.Error, ProjectError):
        return  # not a project we can read: nobody holds it
    try:
        found = read_holder(conn)
    finally:
        conn.close()
    if found is not None and found.is_live_other():
        raise ProjectInUse(
            f"Cannot {action} {target.name}: it is open in Sentiment Studio by "
            f"{found.describe()}. Close it there first, or choose another name.",
            found,
        )


def is_project_path(path: str | os.PathLike[str]) -> bool:
    """True when a path names a project file (by suffix or by the SQLite header)."""
    p = Path(path)
    if p.suffix == SUFFIX:
        return True
    try:
        with open(p, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False
