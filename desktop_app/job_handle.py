"""One handle per submitted job: the tab binds what should happen, routing happens here.

``ModelService.submit(...)`` (the model worker) and ``TaskRunner.start(...)`` (background work
that does not touch the model) both return a :class:`JobHandle`. It lives on the GUI thread;
the runner that owns it routes the job's reports to it by job id (in :class:`JobRouter`, the
one place that does), and the handle calls the callables bound with ``on_*`` -- on the GUI
thread, so they may touch widgets::

    handle = self.state.service.submit("predict_batch", params)
    handle.on_progress(self.progress.show).on_result(self._show_results)
    handle.on_failed(self._show_error).on_finished(self._idle)
    ...
    handle.cancel()

Anything bound after the job already ended is called at once with what it ended with, so a
tab never misses a result. The handle's Qt signals carry the same plain data, for tests
(``qtbot.waitSignal(handle.finished)``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.core.jobs import JobOutcome, Progress

log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)


class JobHandle(QObject):
    """A submitted job as the GUI sees it: its status, what it ended with, and cancel."""

    started = Signal()
    progressed = Signal(object)  # Progress
    logged = Signal(str)
    partial = Signal(str, object)  # kind, payload
    succeeded = Signal(object)  # the job's result (plain data)
    failed = Signal(str, str)  # message, details ("" for expected errors)
    cancelled = Signal()
    finished = Signal()  # after succeeded, failed or cancelled

    def __init__(
        self, job_id: int, name: str, cancel_event: threading.Event, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.id = job_id
        self.name = name
        self.status = QUEUED
        self.result: Any = None
        self.error: tuple[str, str] | None = None
        self.last_progress: Progress | None = None
        self.submitted_at = time.monotonic()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self._cancel_event = cancel_event

    def __repr__(self) -> str:
        return f"<JobHandle {self.id} {self.name} {self.status}>"

    # -- for tabs -------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Queued or running (not yet finished)."""
        return self.status in (QUEUED, RUNNING)

    def elapsed(self) -> float:
        """Seconds the job has run (since it began, or since it was submitted if it never did)."""
        start = self.started_at if self.started_at is not None else self.submitted_at
        end = self.finished_at if self.finished_at is not None else time.monotonic()
        return end - start

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_event.is_set()

    def cancel(self) -> None:
        """Ask the job to stop at its next check; ``cancelled`` follows (or its result)."""
        self._cancel_event.set()

    def on_started(self, fn: Callable[[], Any]) -> JobHandle:
        self.started.connect(fn)
        if self.status != QUEUED:
            fn()
        return self

    def on_progress(self, fn: Callable[[Progress], Any]) -> JobHandle:
        self.progressed.connect(fn)
        return self

    def on_log(self, fn: Callable[[str], Any]) -> JobHandle:
        self.logged.connect(fn)
        return self

    def on_partial(self, fn: Callable[[str, Any], Any]) -> JobHandle:
        self.partial.connect(fn)
        return self

    def on_result(self, fn: Callable[[Any], Any]) -> JobHandle:
        self.succeeded.connect(fn)
        if self.status == SUCCEEDED:
            fn(self.result)
        return self

    def on_failed(self, fn: Callable[[str, str], Any]) -> JobHandle:
        self.failed.connect(fn)
        if self.status == FAILED and self.error is not None:
            fn(*self.error)
        return self

    def on_cancelled(self, fn: Callable[[], Any]) -> JobHandle:
        self.cancelled.connect(fn)
        if self.status == CANCELLED:
            fn()
        return self

    def on_finished(self, fn: Callable[[], Any]) -> JobHandle:
        self.finished.connect(fn)
        if not self.active:
            fn()
        return self

    # -- for the runner (GUI thread) --------------------------------------------------
    def _start(self) -> None:
        self.started_at = time.monotonic()
        self.status = RUNNING
        self.started.emit()

    def _progress(self, report: Progress) -> None:
        self.last_progress = report
        self.progressed.emit(report)

    def _finish(self, outcome: JobOutcome) -> None:
        self.finished_at = time.monotonic()
        self.status = outcome.status
        if outcome.status == SUCCEEDED:
            self.result = outcome.value
            self.succeeded.emit(outcome.value)
        elif outcome.status == FAILED:
            self.error = (outcome.message, outcome.details)
            self.failed.emit(outcome.message, outcome.details)
        else:
            self.cancelled.emit()
        self.finished.emit()


class JobRouter:
    """Keeps the live handles of one runner and hands each report to its job's handle.

    Mixed into :class:`~desktop_app.worker.ModelService` and
    :class:`~desktop_app.tasks.TaskRunner`; its methods run on the GUI thread.
    """

    def _init_router(self) -> None:
        self._handles: dict[int, JobHandle] = {}

    def _new_handle(self, job_id: int, name: str, event: threading.Event) -> JobHandle:
        # No Qt parent: the handle lives as long as the router or the tab refers to it, so
        # thousands of finished jobs in a long session leave nothing behind.
        handle = JobHandle(job_id, name, event)
        self._handles[job_id] = handle
        return handle

    def handle(self, job_id: int) -> JobHandle | None:
        """The handle of a job that has not finished yet."""
        return self._handles.get(job_id)

    def active_handles(self) -> list[JobHandle]:
        return [h for h in self._handles.values() if h.active]

    def _route_started(self, job_id: int) -> None:
        handle = self._handles.get(job_id)
        if handle is not None:
            handle._start()

    def _route_progress(self, job_id: int, report: Progress) -> None:
        handle = self._handles.get(job_id)
        if handle is not None:
            handle._progress(report)

    def _route_log(self, job_id: int, line: str) -> None:
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.logged.emit(line)

    def _route_partial(self, job_id: int, kind: str, payload: Any) -> None:
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.partial.emit(kind, payload)

    def _route_outcome(self, job_id: int, outcome: JobOutcome) -> None:
        handle = self._handles.pop(job_id, None)
        if handle is None:
            return
        try:
            handle._finish(outcome)
        except Exception:  # noqa: BLE001 - a tab's callback must not break the router
            log.exception("a callback of job %s (%s) raised", job_id, handle.name)
