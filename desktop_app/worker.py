"""One thread owns the model: ``ModelWorker`` (on its own QThread) and ``ModelService``.

The Qt documentation's worker-object pattern. ``ModelService`` lives on the GUI thread;
``submit(name, params)`` sends a queued signal to ``ModelWorker.run_job`` on the worker
thread, which runs the handler from :mod:`desktop_app.jobs` one job at a time, and returns a
:class:`~desktop_app.job_handle.JobHandle` on which the tab binds what to do with the
progress, partial results, result, failure or cancellation. Reports come back as signals
carrying plain data and the job id; the service routes them to the job's handle (the only
place that looks at job ids). Cancellation is a ``threading.Event`` per job, set directly
from the GUI thread.

The worker owns the current model. After every job that changed it (trained, loaded,
retrained, reset to VADER, saved) it announces the new ``model_info`` -- one signal with plain
data, ``ModelService.model_changed`` -- and nothing else writes model identity.
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.core.jobs import JobContext, JobOutcome, Progress, run_job
from desktop_app.core.memory import release_memory
from desktop_app.job_handle import JobHandle, JobRouter
from desktop_app.paint_order import AfterPaint

log = logging.getLogger(__name__)

MEMORY_HINT = "Try a smaller batch size or a shorter max length."


class ModelWorker(QObject):
    """Runs jobs on the worker thread. Create it, then ``moveToThread`` once."""

    started = Signal(int, str)  # job_id, job name
    progress = Signal(int, object)  # job_id, Progress
    log = Signal(int, str)  # job_id, line
    partial = Signal(int, str, object)  # job_id, kind, payload
    done = Signal(int, str, object)  # job_id, job name, JobOutcome
    model_changed = Signal(dict)  # the new model_info (plain data)

    def __init__(self) -> None:
        super().__init__()
        from desktop_app.jobs import WorkerState

        self.state = WorkerState()

    @Slot(int, str, object, object)
    def run_job(self, job_id: int, name: str, params: Any, cancel_event: Any) -> None:
        ctx = JobContext(
            job_id=job_id,
            cancel_event=cancel_event,
            on_progress=lambda report: self.progress.emit(job_id, report),
            on_log=lambda line: self.log.emit(job_id, line),
            on_partial=lambda kind, payload: self.partial.emit(job_id, kind, payload),
        )
        model_before = dict(self.state.model_info)

        def job(ctx: JobContext) -> Any:
            from desktop_app.jobs import resolve

            handler = resolve(name)
            self.started.emit(job_id, name)
            return handler(self.state, dict(params or {}), ctx)

        outcome = run_job(job, ctx, name=f"job {name}", memory_hint=MEMORY_HINT)
        release_memory()  # glibc keeps a job's freed heap otherwise (core/memory.py)
        if self.state.model_info != model_before:
            self.model_changed.emit(dict(self.state.model_info))
        self.done.emit(job_id, name, outcome)


class ModelService(QObject, JobRouter):
    """GUI-side facade of the worker. Lives on (and is only used from) the GUI thread.

    Tabs use :meth:`submit` and the returned handle. The broadcast signals below are for
    observers that follow every job (the status bar, tests, benchmarks), not for tabs.
    """

    _request = Signal(int, str, object, object)

    started = Signal(int, str)  # job_id, name
    progress = Signal(int, object)  # job_id, Progress
    log = Signal(int, str)  # job_id, line
    partial = Signal(int, str, object)  # job_id, kind, payload
    result = Signal(int, str, object)  # job_id, name, payload
    failed = Signal(int, str, str)  # job_id, message, details
    cancelled = Signal(int, str)  # job_id, name
    finished = Signal(int)  # job_id (after result/failed/cancelled)
    state_changed = Signal(str)  # "idle", "running <job>", "queued <job>", "error"
    model_changed = Signal(dict)  # the worker's new current model (model_info)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._init_router()
        self._ids = itertools.count(1)
        self._events: dict[int, threading.Event] = {}
        self._names: dict[int, str] = {}
        self._running: int | None = None
        self._model_info: dict[str, Any] = {}
        self._thread = QThread()
        self._thread.setObjectName("ModelWorkerThread")
        self._worker = ModelWorker()
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.run_job)
        # Queued to this (GUI) thread: every report is routed by job id in one place.
        self._worker.started.connect(self._on_started)
        self._worker.progress.connect(self._on_progress)
        self._worker.log.connect(self._on_log)
        self._worker.partial.connect(self._on_partial)
        self._worker.done.connect(self._on_done)
        self._worker.model_changed.connect(self._on_model_changed)
        self._thread.start()
        self._shut_down = False
        # Submissions held until the window has painted (submit(..., after_paint=True)).
        self._held = AfterPaint(self)

    # -- public API ---------------------------------------------------------------
    def submit(
        self, name: str, params: dict | None = None, *, after_paint: bool = False
    ) -> JobHandle:
        """Queue a job on the worker; jobs run one at a time, in order.

        ``after_paint``: the worker gets the job only after the window has painted what the
        caller just changed (the event goes behind Qt's pending paint). For a job whose first
        seconds keep the worker busy in Python (loading a model): the window's paint needs
        the GIL many times and would wait for the worker at each (50-100 ms at the start of a
        training run, benchmarks/training_gui_bench.py). Later submissions wait behind a held
        one, so the order stays. The handle is live at once (Cancel works while held).
        """
        if self._shut_down:
            raise RuntimeError("the model service has been shut down")
        job_id = next(self._ids)
        event = threading.Event()
        self._events[job_id] = event
        self._names[job_id] = name
        handle = self._new_handle(job_id, name, event)
        request = (job_id, name, dict(params or {}), event)
        if after_paint or self._held.pending():
            self._held.call(lambda: self._hand_over(request))
        else:
            self._request.emit(*request)
        return handle

    def _hand_over(self, request: tuple[int, str, dict, threading.Event]) -> None:
        if not self._shut_down:
            self._request.emit(*request)

    @property
    def model_info(self) -> dict[str, Any]:
        """The worker's current model as last announced (``{}`` before the first probe)."""
        return dict(self._model_info)

    def cancel(self, job: JobHandle | int | None = None) -> None:
        """Cancel one job (default: the running one). Takes effect at the next check."""
        target = getattr(job, "id", job)
        if target is None:
            target = self._running
        event = self._events.get(target) if target is not None else None
        if event is not None:
            event.set()

    def cancel_all(self) -> None:
        for event in self._events.values():
            event.set()

    def is_busy(self) -> bool:
        return bool(self._events)

    def running_job(self) -> tuple[int, str] | None:
        if self._running is None:
            return None
        return self._running, self._names.get(self._running, "")

    def pending_jobs(self) -> list[str]:
        return [self._names[j] for j in self._events]

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel everything, stop the thread and wait for it. Never terminates."""
        if self._shut_down:
            return True
        self._shut_down = True
        self.cancel_all()
        self._thread.quit()
        ok = self._thread.wait(timeout_ms)
        if not ok:
            log.warning("model worker did not stop within %d ms", timeout_ms)
        return bool(ok)

    @property
    def thread(self) -> QThread:
        return self._thread

    # -- routing (GUI thread) ---------------------------------------------------------
    @Slot(int, str)
    def _on_started(self, job_id: int, name: str) -> None:
        self._running = job_id
        self._route_started(job_id)
        self.started.emit(job_id, name)
        self.state_changed.emit(f"running {name}")

    @Slot(int, object)
    def _on_progress(self, job_id: int, report: Progress) -> None:
        self._route_progress(job_id, report)
        self.progress.emit(job_id, report)

    @Slot(int, str)
    def _on_log(self, job_id: int, line: str) -> None:
        self._route_log(job_id, line)
        self.log.emit(job_id, line)

    @Slot(int, str, object)
    def _on_partial(self, job_id: int, kind: str, payload: object) -> None:
        self._route_partial(job_id, kind, payload)
        self.partial.emit(job_id, kind, payload)

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        self._model_info = dict(info)
        self.model_changed.emit(dict(info))

    @Slot(int, str, object)
    def _on_done(self, job_id: int, name: str, outcome: JobOutcome) -> None:
        self._events.pop(job_id, None)
        self._names.pop(job_id, None)
        if self._running == job_id:
            self._running = None
        self._route_outcome(job_id, outcome)
        if outcome.status == "succeeded":
            self.result.emit(job_id, name, outcome.value)
        elif outcome.status == "failed":
            self.failed.emit(job_id, outcome.message, outcome.details)
        else:
            self.cancelled.emit(job_id, name)
        self.finished.emit(job_id)
        if self._running is None:
            pending = list(self._names.values())
            if pending:
                self.state_changed.emit(f"queued {pending[0]}")
            else:
                self.state_changed.emit("error" if outcome.status == "failed" else "idle")
