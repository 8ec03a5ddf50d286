"""Job context: how long-running core functions report progress and check for cancel.

Core functions take a :class:`JobContext` (or ``None``) and call ``ctx.progress``,
``ctx.log``, ``ctx.partial`` and ``ctx.should_stop``. The Qt worker turns these
callbacks into signals; the command line prints them to standard error; tests
collect them. The context never touches Qt itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from desktop_app.core.errors import Cancelled

ProgressFn = Callable[[int, int, str], None]
LogFn = Callable[[str], None]
PartialFn = Callable[[str, Any], None]


class JobContext:
    """Callbacks for one job, with throttling so a fast loop does not flood the GUI.

    ``progress`` is throttled to one call per ``min_interval`` seconds (the last
    step, ``done == total``, always goes through). ``point`` buffers items and
    hands them on in lists at most every ``min_interval`` seconds, so no point is
    lost but the receiver sees at most about ten batches a second.
    """

    def __init__(
        self,
        job_id: int = 0,
        cancel_event: threading.Event | None = None,
        on_progress: ProgressFn | None = None,
        on_log: LogFn | None = None,
        on_partial: PartialFn | None = None,
        min_interval: float = 0.1,
    ) -> None:
        self.job_id = job_id
        self.cancel_event = cancel_event or threading.Event()
        self._on_progress = on_progress
        self._on_log = on_log
        self._on_partial = on_partial
        self.min_interval = min_interval
        self._last_progress = 0.0
        self._buffers: dict[str, list[Any]] = {}
        self._last_flush = time.monotonic()
        self.started_at = time.monotonic()

    # -- cancellation -------------------------------------------------------------
    def should_stop(self) -> bool:
        return self.cancel_event.is_set()

    def cancel(self) -> None:
        self.cancel_event.set()

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` if the user asked to stop."""
        if self.cancel_event.is_set():
            raise Cancelled()

    # -- reporting ----------------------------------------------------------------
    def progress(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if done < total and now - self._last_progress < self.min_interval:
            return
        self._last_progress = now
        if self._on_progress is not None:
            self._on_progress(int(done), int(total), message)

    def log(self, message: str) -> None:
        if self._on_log is not None:
            self._on_log(message)

    def partial(self, kind: str, payload: Any) -> None:
        """Send a partial result at once (for example, one epoch's metrics)."""
        if self._on_partial is not None:
            self._on_partial(kind, payload)

    def point(self, kind: str, item: Any) -> None:
        """Buffer one item (for example, a step's loss); flushed as a list, throttled."""
        self._buffers.setdefault(kind, []).append(item)
        if time.monotonic() - self._last_flush >= self.min_interval:
            self.flush()

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        buffers, self._buffers = self._buffers, {}
        for kind, items in buffers.items():
            if items:
                self.partial(kind, items)

    def eta(self, done: int, total: int) -> float | None:
        """Seconds left, extrapolated from the time since the job started."""
        if done <= 0 or total <= 0:
            return None
        elapsed = time.monotonic() - self.started_at
        return elapsed * (total - done) / done


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s left"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s left"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m left"
