"""Crash safety for real: SIGKILL a process that is labelling; every acknowledged label survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop_app.core.project.store import ProjectStore

ROOT = Path(__file__).resolve().parents[2]

LABELLER = textwrap.dedent(
    """
    import sys
    from desktop_app.core.project.store import ProjectStore

    store = ProjectStore.open(sys.argv[1])
    labels = ["negative", "neutral", "positive"]
    for row_id in store.unlabelled_ids():
        store.label(row_id, labels[row_id % 3], "crash-test", note=f"n{row_id}")
        print(row_id, flush=True)  # acknowledged: the label call returned
    print("done", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_loses_no_acknowledged_label(tmp_path):
    path = tmp_path / "crash.sstudio"
    ProjectStore.create(
        path, [f"text {i}" for i in range(5000)], labels=["negative", "neutral", "positive"]
    ).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", LABELLER, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    deadline = time.monotonic() + 60
    try:
        while len(acknowledged) < 150 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.strip() != "done":
                acknowledged.append(int(line))
        # Kill it while it is still labelling: no clean close, no checkpoint.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Anything it printed after we stopped reading was acknowledged too.
    acknowledged += [int(x) for x in proc.stdout.read().split() if x != "done"]
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    assert len(acknowledged) >= 150, proc.stderr.read()
    assert Path(str(path) + "-wal").exists()  # it died with the labels in the WAL only

    store = ProjectStore.open(path)
    labels = ["negative", "neutral", "positive"]
    rows = {r.id: r for r in store.rows(acknowledged)}
    missing = [i for i in acknowledged if rows[i].label != labels[i % 3]]
    assert not missing, f"acknowledged labels lost: {missing[:10]}"
    assert all(store.history(i)[-1].note == f"n{i}" for i in acknowledged[-5:])
    assert store.counts()["labelled"] >= len(acknowledged)
    store.close()
