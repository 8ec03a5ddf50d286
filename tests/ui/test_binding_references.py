"""The Qt binding must not lose references to True or None (PySide6 6.12.0 on Python 3.11 did).

Each check runs in a subprocess: a binding with the bug aborts the interpreter
(``Fatal Python error: bool_dealloc``), which would otherwise take the whole test run with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from PySide6.QtWidgets import QApplication
from desktop_app.ui.binding_check import reference_drift
app = QApplication([])
print(json.dumps(reference_drift(int(sys.argv[1]))), flush=True)
"""


def _drift(calls: int) -> dict:
    import json

    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(calls)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, (
        f"the interpreter died (exit {out.returncode}) after {calls} emits/setText calls: "
        f"the Qt binding loses references.\n{out.stderr[-2000:]}"
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("which", ["true", "none"])
def test_20000_emits_and_set_texts_keep_the_reference_counts(which):
    from desktop_app.ui.binding_check import TOLERANCE

    drift = _drift(20000)
    assert abs(drift[which]) <= TOLERANCE, drift


def test_the_self_test_check_sees_a_leak():
    """The check itself would notice a binding that drops a reference per call."""
    from desktop_app.ui import binding_check

    assert not binding_check.sound({"true": -20000, "none": 0, "calls": 20000})
    assert not binding_check.sound({"true": 0, "none": -5000, "calls": 20000})
    assert binding_check.sound({"true": 1, "none": -2, "calls": 20000})
    # A busy app moves the counts by hundreds either way without the bug.
    assert binding_check.sound({"true": 270, "none": -300, "calls": 20000})
