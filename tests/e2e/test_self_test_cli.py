"""``self-test`` from source, in a subprocess: the same code the frozen app runs after install.

It uses the real bundled MiniLM encoder (about 15-30 s on 2 cores); the packaged app runs it
again in ``make test-package``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STEPS = [
    "start GUI (offscreen main window)",
    "device probe on the worker",
    "Qt binding keeps references",
    "VADER predict",
    "VADER explain (LIME)",
    "load self-test sentences",
    "train minilm-head",
    "minilm-head predict",
    "minilm-head explain (LIME)",
    "save and reload the model",
    "close window, stop worker",
]


def self_test(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(home))
    env.pop("QT_QPA_PLATFORM", None)  # the command must choose offscreen by itself
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "self-test", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_self_test_passes_every_step(tmp_path):
    report_file = tmp_path / "report.json"
    out = self_test("--json", "--report", str(report_file), home=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert doc["passed"] is True and doc["error"] is None
    assert doc["frozen"] is False
    assert [s["step"] for s in doc["steps"]] == STEPS
    assert all(s["ok"] and s["seconds"] >= 0 for s in doc["steps"])
    assert "6/6" in doc["steps"][7]["detail"] or "5/6" in doc["steps"][7]["detail"]
    assert json.loads(report_file.read_text(encoding="utf-8")) == doc
    # The self-test keeps its settings in a temporary folder, not the user's.
    assert not (tmp_path / ".config" / "SentimentStudio").exists()


def test_self_test_reports_the_failed_step(tmp_path):
    # No step can finish in 1 ms: the device probe times out, the run stops there, the
    # window still closes, and the exit status and message say what failed.
    out = self_test("--timeout", "0.001", home=tmp_path)
    assert out.returncode == 1
    assert "FAIL  device probe on the worker" in out.stdout
    assert "self-test FAILED" in out.stdout and "did not finish" in out.stdout
    assert "ok    close window, stop worker" in out.stdout
    assert "VADER predict" not in out.stdout
