"""Crash safety through the GUI: SIGKILL the app while it labels by key presses, then reopen.

Every label the Label tab acknowledged (its ``labelled`` signal, printed by
``tests/ui/label_kill_app.py``) must be in the project, and SQLite's integrity check must
pass. The core store has the same test without Qt (``tests/core/test_project_crash.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.core.project.store import ProjectStore

ROOT = Path(__file__).resolve().parents[2]
LABELS = ["negative", "neutral", "positive"]
KILL_AFTER = 150  # acknowledged labels before the kill


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_while_labelling_in_the_label_tab_loses_no_acknowledged_label(tmp_path):
    path = tmp_path / "kill.sstudio"
    ProjectStore.create(
        path, [f"review number {i} of the film" for i in range(3000)], labels=LABELS
    ).close()
    errors = open(tmp_path / "stderr.txt", "w+", encoding="utf-8")  # noqa: SIM115 - read below
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.label_kill_app", str(path), str(tmp_path / "s.ini")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    acknowledged: dict[int, str] = {}
    deadline = time.monotonic() + 120
    try:
        assert proc.stdout.readline().strip() == "ready", _stderr(errors)
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line or line.strip() == "done":
                break
            row_id, label = line.split()
            acknowledged[int(row_id)] = label
        os.kill(proc.pid, signal.SIGKILL)  # mid-labelling: no close, no checkpoint
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for line in proc.stdout.read().splitlines():  # printed before the kill: acknowledged too
        if line.strip() not in ("", "done"):
            row_id, label = line.split()
            acknowledged[int(row_id)] = label
    assert proc.returncode == -signal.SIGKILL, _stderr(errors)
    assert len(acknowledged) >= KILL_AFTER, _stderr(errors)
    errors.close()
    assert Path(str(path) + "-wal").stat().st_size > 0  # it died with labels in the WAL

    with ProjectStore.open(path) as store:
        assert store._conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = {r.id: r.label for r in store.rows(list(acknowledged))}
        lost = {i: label for i, label in acknowledged.items() if rows.get(i) != label}
        assert not lost, f"acknowledged labels lost: {list(lost.items())[:10]}"
        assert store.counts()["labelled"] >= len(acknowledged)
        assert set(store.annotators()) == {"kill-test"}


def _stderr(errors) -> str:
    errors.flush()
    errors.seek(0)
    return errors.read()[-3000:]
