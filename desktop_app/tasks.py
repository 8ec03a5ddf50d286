"""Background tasks for the GUI that do not touch the model: loading and preparing data.

HOUSE_STYLE: "Data loading of large files runs off the GUI thread too (a QThreadPool job is
fine: it does not touch the model)". A :class:`TaskRunner` owns a private one-thread
``QThreadPool``; :meth:`TaskRunner.start` runs ``fn(ctx)`` there with a core
:class:`~desktop_app.core.jobs.JobContext` whose ``threading.Event`` the GUI sets to cancel,
and returns the same :class:`~desktop_app.job_handle.JobHandle` as the model service: the tab
binds what to do with the result on it. Errors become messages in
:func:`desktop_app.core.jobs.run_job`, as on the model worker.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from desktop_app.core.jobs import JobContext, JobOutcome, Progress, run_job
from desktop_app.job_handle import JobHandle, JobRouter

log = logging.getLogger(__name__)

TaskFn = Callable[[JobContext], Any]
MEMORY_HINT = "Try a smaller file."


class _Signals(QObject):
    """Queued from the pool thread to the GUI thread, where the runner routes them."""

    started = Signal(int)
    progress = Signal(int, object)  # task_id, Progress
    done = Signal(int, object)  # task_id, JobOutcome


class TaskRunner(QObject, JobRouter):
    """Runs one background task at a time off the GUI thread; lives on the GUI thread."""

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._init_router()
        self._ids = itertools.count(1)
        self._events: dict[int, threading.Event] = {}
        self._signals = _Signals(self)
        self._signals.started.connect(self._route_started)
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._pool = QThreadPool(self)
        # One at a time: a new task waits until a cancelled one has noticed and stopped,
        # so two big loads never compete for memory and cores.
        self._pool.setMaxThreadCount(1)
        self._shut_down = False

    def start(self, fn: TaskFn, name: str = "task", priority: int = 0) -> JobHandle:
        """Run ``fn(ctx)`` on the pool; cancels nothing by itself.

        Queued tasks with a higher ``priority`` start first (a file the user opens goes
        before background warm-ups that have not started yet).
        """
        if self._shut_down:
            raise RuntimeError(f"{self.objectName()} has been shut down")
        task_id = next(self._ids)
        event = threading.Event()
        self._events[task_id] = event
        handle = self._new_handle(task_id, name, event)
        self._pool.start(_Task(self._signals, task_id, name, fn, event), priority)
        return handle

    def cancel(self, task: JobHandle | int | None = None) -> None:
        """Ask a task (default: all of them) to stop at its next check."""
        target = getattr(task, "id", task)
        for tid, event in list(self._events.items()):
            if target is None or tid == target:
                event.set()

    @property
    def is_shut_down(self) -> bool:
        """Whether :meth:`shutdown` ran (:meth:`start` then raises)."""
        return self._shut_down

    def is_busy(self) -> bool:
        return bool(self._events)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel everything and wait for the pool thread to finish its task."""
        self._shut_down = True
        self.cancel()
        self._pool.clear()  # drop queued tasks that have not started (warm-ups)
        ok = self._pool.waitForDone(timeout_ms)
        if ok:
            self._events.clear()  # the cleared tasks never ran, so never said they were done
        else:
            log.warning(
                "%s: background task did not stop within %d ms", self.objectName(), timeout_ms
            )
        return bool(ok)

    @Slot(int, object)
    def _on_progress(self, task_id: int, report: Progress) -> None:
        self._route_progress(task_id, report)

    @Slot(int, object)
    def _on_done(self, task_id: int, outcome: JobOutcome) -> None:
        self._events.pop(task_id, None)
        self._route_outcome(task_id, outcome)


class _Task(QRunnable):
    def __init__(
        self, signals: _Signals, task_id: int, name: str, fn: TaskFn, event: threading.Event
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._signals = signals
        self._id = task_id
        self._name = name
        self._fn = fn
        self._event = event

    def run(self) -> None:
        signals, task_id = self._signals, self._id
        # These callbacks only emit signals (queued to the GUI thread); they touch no widget.
        ctx = JobContext(
            job_id=task_id,
            cancel_event=self._event,
            on_progress=lambda report: signals.progress.emit(task_id, report),
        )

        def task(ctx: JobContext) -> Any:
            signals.started.emit(task_id)
            value = self._fn(ctx)
            ctx.check_cancelled()  # a result that arrives after Cancel is not shown
            return value

        outcome = run_job(task, ctx, name=f"{self._name} task", memory_hint=MEMORY_HINT)
        signals.done.emit(task_id, outcome)
