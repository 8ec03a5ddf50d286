"""Who has a project open for labelling: the holder record, its heartbeat, and take-over.

Two app instances labelling one project would serve the same rows twice and interleave
their writes. So the instance that opens a project for writing records itself in the
project (``meta`` key ``holder``: host, process id, user, when it opened the project, and
a heartbeat it refreshes every :data:`HEARTBEAT_S` seconds). Another instance that finds a
live holder is told who it is (:class:`~desktop_app.core.errors.ProjectInUse`) and opens
the project read-only or takes it over. A holder that crashed does not lock the project
forever: its record counts as stale once the heartbeat is older than :data:`STALE_AFTER_S`,
or at once when it was on this machine and its process is gone.

The record lives in the project file itself (no sidecar file to leave behind or lose when
the project is copied), and it is read and written inside the same ``BEGIN IMMEDIATE``
transactions as labels, so claiming and checking it is race-free. Stores of one process
share one claim (a process-wide token); the record is removed when the last of them closes.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass

HOLDER_KEY = "holder"
HEARTBEAT_S = 15.0  # how often an open project's holder refreshes its record
STALE_AFTER_S = 60.0  # a holder not heard from for this long has crashed or hung

# One token per process: every store this process opens shares the claim.
PROCESS_TOKEN = uuid.uuid4().hex
_claims: Counter[str] = Counter()  # resolved project path -> open stores of this process


def _host() -> str:
    try:
        return socket.gethostname() or "this computer"
    except OSError:
        return "this computer"


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (some services, containers)
        return ""


def _pid_alive(pid: int) -> bool:
    """True unless this machine certainly has no process ``pid`` (POSIX; elsewhere: assume alive)."""
    if os.name != "posix" or pid <= 0:
        # On Windows os.kill(pid, 0) would send CTRL_C_EVENT: rely on the heartbeat there.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


@dataclass(frozen=True)
class Holder:
    """An app instance that has a project open for writing."""

    host: str
    pid: int
    user: str
    started: float  # when it opened the project (epoch seconds)
    heartbeat: float  # when it last said it is still there
    token: str = ""

    @classmethod
    def current(cls, started: float | None = None) -> Holder:
        now = time.time()
        return cls(_host(), os.getpid(), _user(), started or now, now, PROCESS_TOKEN)

    def is_this_process(self) -> bool:
        return self.token == PROCESS_TOKEN

    def is_stale(self, now: float | None = None, stale_after: float = STALE_AFTER_S) -> bool:
        """A crashed or hung holder: silent for ``stale_after`` s, or its process is gone."""
        if self.is_this_process():
            return False
        now = time.time() if now is None else now
        if now - self.heartbeat > stale_after:
            return True
        return self.host == _host() and not _pid_alive(self.pid)

    def is_live_other(self) -> bool:
        """Another instance that is still there: one that blocks writing."""
        return not self.is_this_process() and not self.is_stale()

    def who(self) -> str:
        """``"ana on lab-pc (process 4242)"``."""
        who = f"{self.user} on {self.host}" if self.user else self.host
        return f"{who} (process {self.pid})"

    def since(self, now: float | None = None) -> str:
        """When it opened the project: ``"14:02"`` today, else with the date."""
        now = time.time() if now is None else now
        recent = now - self.started < 86400
        return time.strftime("%H:%M" if recent else "%Y-%m-%d %H:%M", time.localtime(self.started))

    def describe(self, now: float | None = None) -> str:
        """``"ana on lab-pc (process 4242), since 14:02, last seen 5 s ago"``."""
        now = time.time() if now is None else now
        seen = max(0, round(now - self.heartbeat))
        return f"{self.who()}, since {self.since(now)}, last seen {seen} s ago"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        """The record, or None when it is missing or unreadable (then it blocks nothing)."""
        try:
            data = json.loads(text)
            return cls(
                host=str(data["host"]),
                pid=int(data["pid"]),
                user=str(data.get("user") or ""),
                started=float(data["started"]),
                heartbeat=float(data["heartbeat"]),
                token=str(data.get("token") or ""),
            )
        except (ValueError, TypeError, KeyError):
            return None


def read_holder(conn: sqlite3.Connection) -> Holder | None:
    """The recorded holder (read without a lock: WAL readers never wait for a writer)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (HOLDER_KEY,)).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else Holder.from_json(row[0])


def write_holder(conn: sqlite3.Connection, holder: Holder) -> None:
    """Record ``holder``; call inside a write transaction."""
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (HOLDER_KEY, holder.to_json()),
    )


def delete_holder(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (HOLDER_KEY,))


def add_claim(key: str) -> None:
    _claims[key] += 1


def drop_claim(key: str) -> bool:
    """Forget one store's claim; True when it was the process's last one on that project."""
    _claims[key] -= 1
    if _claims[key] <= 0:
        del _claims[key]
        return True
    return False


def locked_by(holder: Holder | None) -> str:
    """Who holds a write lock, in words: the live holder, or "another program"."""
    if holder is not None and holder.is_live_other():
        return holder.describe()
    return "another program (an SQLite browser, a backup or sync tool, or a command still running)"


def in_use_message(name: str, holder: Holder) -> str:
    return (
        f"The project {name} is open in Sentiment Studio by {holder.describe()}. Open it "
        f"read-only, or take it over (the other window can then no longer save labels); "
        f"on the command line, close it in the app first."
    )
