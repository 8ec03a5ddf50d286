"""One thread owns the model: ``ModelWorker`` (on its own QThread) and ``ModelService``.

The Qt documentation's worker-object pattern. ``ModelService`` lives on the GUI
thread; ``submit(name, params)`` sends a queued signal to ``ModelWorker.run_job``
on the worker thread, which runs the handler from :mod:`desktop_app.jobs` one job at
a time. Results come back as signals carrying plain data and the job id; the GUI
drops signals of jobs it no longer waits for. Cancellation is a
``threading.Event`` per job, set directly from the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.core.errors import Cancelled, UserError, plain_message
from desktop_app.core.jobs import JobContext
from desktop_app.core.memory import release_memory

log = logging.getLogger(__name__)


class ModelWorker(QObject):
    """Runs jobs on the worker thread. Create it, then ``moveToThread`` once."""

    started = Signal(int, str)  # job_id, job name
    progress = Signal(int, int, int, str)  # job_id, done, total, message
    log = Signal(int, str)  # job_id, line
    partial = Signal(int, str, object)  # job_id, kind, payload
    result = Signal(int, str, object)  # job_id, job name, payload
    failed = Signal(int, str, str)  # job_id, message, details ("" for expected errors)
    cancelled = Signal(int, str)  # job_id, job name
    finished = Signal(int)  # job_id (after result/failed/cancelled)

    def __init__(self) -> None:
        super().__init__()
        from desktop_app.jobs import WorkerState

        self.state = WorkerState()

    @Slot(int, str, object, object)
    def run_job(self, job_id: int, name: str, params: Any, cancel_event: Any) -> None:
        ctx = JobContext(
            job_id=job_id,
            cancel_event=cancel_event,
            on_progress=lambda done, total, msg: self.progress.emit(job_id, done, total, msg),
            on_log=lambda line: self.log.emit(job_id, line),
            on_partial=lambda kind, payload: self.partial.emit(job_id, kind, payload),
        )
        try:
            if cancel_event.is_set():
                raise Cancelled()
            self.started.emit(job_id, name)
            from desktop_app.jobs import resolve

            handler = resolve(name)
            payload = handler(self.state, dict(params or {}), ctx)
            ctx.flush()
            self.result.emit(job_id, name, payload)
        except Cancelled:
            ctx.flush()
            self.cancelled.emit(job_id, name)
        except UserError as exc:
            log.info("job %s (%s) failed: %s", job_id, name, exc)
            self.failed.emit(job_id, str(exc), "")
        except MemoryError:
            self.failed.emit(
                job_id,
                "The computer ran out of memory. Try a smaller batch size or a shorter max length.",
                traceback.format_exc(),
            )
        except Exception as exc:  # noqa: BLE001 - nothing dies silently on the worker thread
            log.exception("job %s (%s) crashed", job_id, name)
            message = f"{type(exc).__name__}: {plain_message(str(exc))}"
            self.failed.emit(job_id, message, plain_message(traceback.format_exc()))
        finally:
            self.finished.emit(job_id)
            release_memory()  # glibc keeps a job's freed heap otherwise (core/memory.py)


class ModelService(QObject):
    """GUI-side facade of the worker. Lives on (and is only used from) the GUI thread."""

    _request = Signal(int, str, object, object)

    started = Signal(int, str)
    progress = Signal(int, int, int, str)
    log = Signal(int, str)
    partial = Signal(int, str, object)
    result = Signal(int, str, object)
    failed = Signal(int, str, str)
    cancelled = Signal(int, str)
    finished = Signal(int)
    state_changed = Signal(str)  # "idle", "running <job>", "error"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._events: dict[int, threading.Event] = {}
        self._names: dict[int, str] = {}
        self._running: int | None = None
        self._thread = QThread()
        self._thread.setObjectName("ModelWorkerThread")
        self._worker = ModelWorker()
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.run_job)
        # Signal-to-signal connections: re-emitted on the GUI thread (queued).
        for name in ("progress", "log", "partial", "result", "failed", "cancelled"):
            getattr(self._worker, name).connect(getattr(self, name))
        self._worker.started.connect(self._on_started)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()
        self._shut_down = False

    # -- public API ---------------------------------------------------------------
    def submit(self, name: str, params: dict | None = None) -> int:
        """Queue a job on the worker; returns its id. Jobs run one at a time, in order."""
        if self._shut_down:
            raise RuntimeError("the model service has been shut down")
        job_id = next(self._ids)
        event = threading.Event()
        self._events[job_id] = event
        self._names[job_id] = name
        self._request.emit(job_id, name, dict(params or {}), event)
        return job_id

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel one job (default: the running one). Takes effect at the next check."""
        target = self._running if job_id is None else job_id
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

    # -- internal -----------------------------------------------------------------
    @Slot(int, str)
    def _on_started(self, job_id: int, name: str) -> None:
        self._running = job_id
        self.started.emit(job_id, name)
        self.state_changed.emit(f"running {name}")

    @Slot(int, str, str)
    def _on_failed(self, job_id: int, message: str, details: str) -> None:
        self._last_failed = job_id

    @Slot(int)
    def _on_finished(self, job_id: int) -> None:
        failed = getattr(self, "_last_failed", None) == job_id
        self._events.pop(job_id, None)
        self._names.pop(job_id, None)
        if self._running == job_id:
            self._running = None
        self.finished.emit(job_id)
        if self._running is None:
            pending = list(self._names.values())
            if pending:
                self.state_changed.emit(f"queued {pending[0]}")
            else:
                self.state_changed.emit("error" if failed else "idle")
