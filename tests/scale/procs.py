"""Which processes a test's Ray left behind: the descendants of a process, read from /proc."""

from __future__ import annotations

import os
import time


def _children() -> dict[int, list[tuple[int, str]]]:
    children: dict[int, list[tuple[int, str]]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if fields[0] == "Z":  # a zombie is already gone; its parent has not reaped it yet
            continue
        children.setdefault(int(fields[1]), []).append((int(name), command))
    return children


def descendants(pid: int | None = None) -> list[tuple[int, str]]:
    """(pid, command line) of every live process below ``pid`` (default: this one)."""
    children = _children()
    found, todo = [], [os.getpid() if pid is None else pid]
    while todo:
        for child, command in children.get(todo.pop(), []):
            found.append((child, command))
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """The processes of ``pids`` still running (zombies count as gone)."""
    left = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            left.add(pid)
    return left


def wait_gone(pids: set[int], timeout: float = 30.0) -> set[int]:
    """Wait until none of ``pids`` runs (Ray's processes exit a moment after shutdown)."""
    deadline = time.monotonic() + timeout
    left = alive(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.25)
        left = alive(left)
    return left


def workers(pattern: str, pid: int | None = None) -> list[int]:
    """Descendants whose command line holds ``pattern`` (Ray names its worker processes
    after what they run: ``ray::MapWorker(MapBatches(Predictor))``)."""
    return [p for p, command in descendants(pid) if pattern in command]
