"""Background tasks for the GUI that do not touch the model: loading and preparing data.

HOUSE_STYLE: "Data loading of large files runs off the GUI thread too (a QThreadPool job is
fine: it does not touch the model)". A :class:`TaskRunner` owns a private one-thread
``QThreadPool``; :meth:`TaskRunner.start` runs ``fn(ctx)`` there with a core
:class:`~desktop_app.core.jobs.JobContext` whose ``threading.Event`` the GUI sets to cancel.
Results come back as queued signals carrying the task id and plain data, so the receiver can
drop signals of tasks it no longer waits for. Connect them to bound methods only.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.jobs import JobContext

log = logging.getLogger(__name__)

TaskFn = Callable[[JobContext], Any]


class TaskRunner(QObject):
    """Runs one background task at a time off the GUI thread; lives on the GUI thread."""

    progress = Signal(int, int, int, str)  # task_id, done, total, message
    result = Signal(int, object)  # task_id, payload
    failed = Signal(int, str, str)  # task_id, message, details ("" for expected errors)
    cancelled = Signal(int)  # task_id
    finished = Signal(int)  # task_id (after result/failed/cancelled)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._ids = itertools.count(1)
        self._events: dict[int, threading.Event] = {}
        self._pool = QThreadPool(self)
        # One at a time: a new task waits until a cancelled one has noticed and stopped,
        # so two big loads never compete for memory and cores.
        self._pool.setMaxThreadCount(1)
        self._shut_down = False

    def start(self, fn: TaskFn, name: str = "task", priority: int = 0) -> int:
        """Run ``fn(ctx)`` on the pool; returns the task id. Cancels nothing by itself.

        Queued tasks with a higher ``priority`` start first (a file the user opens goes
        before background warm-ups that have not started yet).
        """
        if self._shut_down:
            raise RuntimeError(f"{self.objectName()} has been shut down")
        task_id = next(self._ids)
        event = threading.Event()
        self._events[task_id] = event
        self._pool.start(_Task(self, task_id, name, fn, event), priority)
        return task_id

    def cancel(self, task_id: int | None = None) -> None:
        """Ask a task (default: all of them) to stop at its next check."""
        for tid, event in list(self._events.items()):
            if task_id is None or tid == task_id:
                event.set()

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
        if not ok:
            log.warning(
                "%s: background task did not stop within %d ms", self.objectName(), timeout_ms
            )
        return bool(ok)

    def _done(self, task_id: int) -> None:
        # Called on the pool thread just before ``finished`` is emitted.
        self._events.pop(task_id, None)


class _Task(QRunnable):
    def __init__(
        self, runner: TaskRunner, task_id: int, name: str, fn: TaskFn, event: threading.Event
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._runner = runner
        self._id = task_id
        self._name = name
        self._fn = fn
        self._event = event

    def run(self) -> None:
        runner, task_id = self._runner, self._id
        # These callbacks only emit signals (queued to the GUI thread); they touch no widget.
        ctx = JobContext(
            job_id=task_id,
            cancel_event=self._event,
            on_progress=lambda done, total, msg: runner.progress.emit(task_id, done, total, msg),
        )
        try:
            ctx.check_cancelled()
            payload = self._fn(ctx)
            ctx.check_cancelled()
            runner.result.emit(task_id, payload)
        except Cancelled:
            runner.cancelled.emit(task_id)
        except UserError as exc:
            log.info("%s task %s failed: %s", self._name, task_id, exc)
            runner.failed.emit(task_id, str(exc), "")
        except MemoryError:
            runner.failed.emit(
                task_id,
                "The computer ran out of memory while loading. Try a smaller file.",
                traceback.format_exc(),
            )
        except Exception as exc:  # noqa: BLE001 - nothing dies silently off the GUI thread
            log.exception("%s task %s crashed", self._name, task_id)
            runner.failed.emit(task_id, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            runner._done(task_id)
            runner.finished.emit(task_id)
