"""Another app instance, for tests: a process that opens a project with the core store.

It answers one command per line on its standard input (``label``, ``lock``, ``unlock``,
``beat``, ``quit``) with ``ok`` or ``<ErrorClass>: <message>``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import sys
    from desktop_app.core.errors import ProjectError
    from desktop_app.core.project.store import ProjectStore

    store = ProjectStore.open(sys.argv[1], mode=sys.argv[2])
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        try:
            if command == "label":
                store.label(1, "positive", "other")
            elif command == "lock":
                store._conn.execute("BEGIN IMMEDIATE")
            elif command == "unlock":
                store._conn.execute("COMMIT")
            elif command == "beat":
                store.heartbeat()
            elif command == "quit":
                break
            print("ok", flush=True)
        except ProjectError as exc:
            print(f"{type(exc).__name__}: {exc}", flush=True)
    store.close()
    """
)


class Other:
    """Another app instance (a process) with the project open."""

    def __init__(self, path: Path, mode: str = "auto") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), mode],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.read() == "ready", self.proc.stderr.read()

    def read(self) -> str:
        return self.proc.stdout.readline().strip()

    def send(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
