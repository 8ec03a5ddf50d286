"""Job context: how long-running core functions report progress and check for cancel.

Core functions take a :class:`JobContext` (or ``None``) and call ``ctx.progress``,
``ctx.log``, ``ctx.partial`` and ``ctx.should_stop``. The context turns each progress
report into a :class:`Progress` -- counts, the job's own message, the time left and the text
to show -- so the time left is computed here once, for the GUI, the command line and tests
alike. The Qt worker turns the callbacks into signals; the command line prints them to
standard error. :func:`run_job` runs a job function and turns whatever it raised into one
:class:`JobOutcome`, the same way for the model worker and the background runner. No Qt here.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop_app.core.errors import Cancelled, UserError, plain_message

log = logging.getLogger(__name__)


def format_eta(seconds: float | None) -> str:
    """``"45s left"``, ``"3m 05s left"``, ``"1h 02m left"``; ``""`` when unknown."""
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


@dataclass(frozen=True)
class Progress:
    """One progress report, as plain data: what to show on a bar and a status line."""

    done: int
    total: int  # 0 = unknown (a busy indicator)
    message: str = ""  # what the job is doing, in words ("epoch 2/10", "Reading rows")
    elapsed: float = 0.0  # seconds since the job began
    eta: float | None = None  # seconds left in the current phase; None while unknown

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total > 0 else None

    @property
    def time_left(self) -> str:
        """``"1m 20s left"``, or ``""`` while unknown or when the phase is complete."""
        return format_eta(self.eta) if self.eta is not None and self.done < self.total else ""

    @property
    def text(self) -> str:
        """The status line: the message and the time left (``"epoch 2/10 · 1m 20s left"``)."""
        parts = [p for p in (self.message, self.time_left) if p]
        return " · ".join(parts)


ProgressFn = Callable[[Progress], None]
LogFn = Callable[[str], None]
PartialFn = Callable[[str, Any], None]


class JobContext:
    """Callbacks for one job, with throttling so a fast loop does not flood the GUI.

    ``progress`` is throttled to one call per ``min_interval`` seconds (the last
    step, ``done == total``, always goes through). ``point`` buffers items and
    hands them on in lists at most every ``min_interval`` seconds, so no point is
    lost but the receiver sees at most about ten batches a second.

    The time left is extrapolated within a *phase*: a run of reports with the same
    ``total``. A job that first loads (3 steps) and then predicts (10,000 texts) gets an
    estimate for the prediction from the prediction's own rate, not from the loading.
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
        self._phase: tuple[int, float, int] | None = None  # (total, started, done at start)

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
        report = self.report(done, total, message, now)
        if done < total and now - self._last_progress < self.min_interval:
            return
        self._last_progress = now
        if self._on_progress is not None:
            self._on_progress(report)

    def report(
        self, done: int, total: int, message: str = "", now: float | None = None
    ) -> Progress:
        """The :class:`Progress` for these counts (keeps the phase clock; sends nothing)."""
        now = time.monotonic() if now is None else now
        done, total = int(done), int(total)
        if self._phase is None or self._phase[0] != total or done < self._phase[2]:
            self._phase = (total, now, done)
        _, phase_start, phase_done = self._phase
        eta = None
        if total > 0 and done > phase_done and done < total:
            eta = (now - phase_start) * (total - done) / (done - phase_done)
        return Progress(done, total, message, now - self.started_at, eta)

    def eta(self, done: int, total: int) -> float | None:
        """Seconds left in the current phase (``None`` while unknown)."""
        return self.report(done, total).eta

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


class RelabelledProgress(JobContext):
    """A context that forwards progress to ``parent`` with its own wording.

    For a core function that reports ``(done, total)`` in units its caller wants to name:
    ``describe(done, total)`` gives the message (``"Predicted 300 of 1,000 texts"``). Cancel
    and partial results are the parent's.
    """

    def __init__(self, parent: JobContext, describe: Callable[[int, int], str]) -> None:
        super().__init__(
            job_id=parent.job_id,
            cancel_event=parent.cancel_event,
            on_log=parent.log,
            on_partial=parent.partial,
            min_interval=0,
        )
        self.parent = parent
        self.describe = describe

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.parent.progress(done, total, self.describe(done, total))


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended: ``succeeded`` (with ``value``), ``failed`` or ``cancelled``."""

    status: str
    value: Any = None
    message: str = ""  # failed: what happened and what to do
    details: str = ""  # failed: a traceback for unexpected errors; "" for expected ones


def run_job(
    fn: Callable[[JobContext], Any],
    ctx: JobContext,
    *,
    name: str = "job",
    memory_hint: str = "Try a smaller batch size or a smaller file.",
) -> JobOutcome:
    """Run ``fn(ctx)`` and turn its result or exception into a :class:`JobOutcome`.

    The one place where errors become messages, for the model worker and the background
    runner alike: :class:`UserError` -> its message (no details); :class:`Cancelled` ->
    cancelled; ``MemoryError`` -> a message with ``memory_hint``; anything else -> its type
    and message with the traceback as details (and logged). Nothing escapes.
    """
    try:
        ctx.check_cancelled()
        value = fn(ctx)
        ctx.flush()
        return JobOutcome("succeeded", value)
    except Cancelled:
        ctx.flush()
        return JobOutcome("cancelled")
    except UserError as exc:
        log.info("%s %s failed: %s", name, ctx.job_id, exc)
        return JobOutcome("failed", message=str(exc))
    except MemoryError:
        return JobOutcome(
            "failed",
            message=f"The computer ran out of memory. {memory_hint}",
            details=traceback.format_exc(),
        )
    except Exception as exc:  # noqa: BLE001 - nothing dies silently off the GUI thread
        log.exception("%s %s crashed", name, ctx.job_id)
        return JobOutcome(
            "failed",
            message=f"{type(exc).__name__}: {plain_message(str(exc))}",
            details=plain_message(traceback.format_exc()),
        )
