"""core.scale.detached: a call in a child process gives the same result, errors, progress
and Cancel as a call here (the app runs its Ray driver so, off its GIL)."""

from __future__ import annotations

import threading

import pytest

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.jobs import JobContext
from desktop_app.core.scale.detached import ChildFailed, run_detached

TARGETS = "tests.core.detached_targets"


def test_result_progress_and_log_come_back():
    reports, lines = [], []
    ctx = JobContext(on_progress=reports.append, on_log=lines.append, min_interval=0.0)
    value = run_detached(f"{TARGETS}:count", {"n": 3}, ctx)
    assert value == {"n": 3, "rows": [{"a": 1.5, "b": None}]}
    assert [(r.done, r.total, r.message) for r in reports] == [
        (1, 3, "step 1"),
        (2, 3, "step 2"),
        (3, 3, "step 3"),
    ]
    assert lines == ["counted"]
    assert run_detached(f"{TARGETS}:plain", {"x": 4}, with_ctx=False) == 8


def test_errors_arrive_as_here():
    with pytest.raises(UserError, match="has no column 'text'"):
        run_detached(f"{TARGETS}:refuse", {})
    with pytest.raises(ChildFailed, match="ZeroDivisionError: boom") as info:
        run_detached(f"{TARGETS}:crash", {})
    assert "Traceback" in str(info.value.__cause__)


def test_cancel_reaches_the_child():
    started = threading.Event()
    ctx = JobContext(on_progress=lambda report: started.set())
    threading.Thread(target=lambda: started.wait(60) and ctx.cancel(), daemon=True).start()
    with pytest.raises(Cancelled):
        run_detached(f"{TARGETS}:wait_for_cancel", {}, ctx)
