"""Ctrl+C during ``predict --engine ray``: the command stops, and no Ray process it started
(head processes, workers, actors) is left running. A subprocess, so it starts and stops a
Ray instance of its own. Slow: a Ray start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.scale.procs import descendants, wait_gone

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_leaves_no_ray_processes(tiny_model, reviews, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray.parquet"
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    command = [sys.executable, "-m", "desktop_app", "predict", str(tiny_model)]
    command += ["--file", str(reviews["csv"]), "--out", str(out), "--engine", "ray"]
    command += ["--workers", "2", "--batch-size", "16"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    seen: set[int] = set()
    deadline = time.monotonic() + 240
    try:
        # Interrupt once the actors run (they show up as ray::MapWorker(...Predictor)).
        while time.monotonic() < deadline and process.poll() is None:
            found = descendants(process.pid)
            seen |= {pid for pid, _ in found}
            if any("Predictor" in command for _, command in found):
                break
            time.sleep(0.2)
        assert process.poll() is None, "".join(lines)
        time.sleep(1.0)
        seen |= {pid for pid, _ in descendants(process.pid)}
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)
    assert code == 130, "".join(lines)
    assert "error: interrupted" in "".join(lines)
    assert len(seen) > 3  # the head processes and the actors
    left = wait_gone(seen, timeout=30)
    assert not left, f"Ray processes left after Ctrl+C: {sorted(left)}"
    assert not list(tmp_path.glob("ray.parquet*"))
