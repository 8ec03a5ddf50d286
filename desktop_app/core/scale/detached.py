"""Ray calls in a child process: for a program whose own threads must stay responsive (the app).

Connecting a process to Ray holds the GIL for about a second (``ray.init`` builds its
``CoreWorker`` in C++ without giving the GIL up), and Ray's driver threads take it again
and again while the run goes; in the app's process that would freeze the window
(``benchmarks/ray_gui_bench.py``). :func:`run_detached` therefore runs a Ray function
(``predict_files``, ``cluster_resources``) in a ``spawn``-ed child process and relays between
the two: the child's progress and log lines to the caller's
:class:`JobContext`, the caller's Cancel to the child's context (the child stops every Ray
worker, as a run in this process would, and raises :class:`Cancelled`), and the summary or
the error back. A child that does not stop within ``STOP_TIMEOUT_S`` after Cancel is
terminated (its Ray processes watch it and exit).
"""

from __future__ import annotations

import importlib
import multiprocessing
import queue
import time
import traceback
from typing import Any

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.jobs import JobContext

STOP_TIMEOUT_S = 120.0
POLL_S = 0.1


def _child(events: Any, cancel: Any, target: str, kwargs: dict[str, Any], with_ctx: bool) -> None:
    """The child process: one call of ``target`` (``module:function``), reported through
    ``events``."""
    ctx = JobContext(
        cancel_event=cancel,
        on_progress=lambda r: events.put(("progress", (r.done, r.total, r.message))),
        on_log=lambda line: events.put(("log", line)),
    )
    try:
        module, name = target.split(":")
        function = getattr(importlib.import_module(module), name)
        value = function(ctx=ctx, **kwargs) if with_ctx else function(**kwargs)
        events.put(("result", value))
    except Cancelled:
        events.put(("cancelled", None))
    except UserError as exc:
        events.put(("user_error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
        events.put(("error", (f"{type(exc).__name__}: {exc}", traceback.format_exc())))


class ChildTraceback(Exception):
    """The child's traceback, chained to :class:`ChildFailed` so logs and dialogs show it."""


class ChildFailed(RuntimeError):
    """An unexpected error in the child process."""


def run_detached(
    target: str,
    kwargs: dict[str, Any],
    ctx: JobContext | None = None,
    *,
    with_ctx: bool = True,
) -> Any:
    """``target(ctx=..., **kwargs)`` (``module:function``; without ``ctx`` when ``with_ctx``
    is false) in a child process: the same result, :class:`UserError` and :class:`Cancelled`
    as a call here, progress and log lines relayed to ``ctx``. ``kwargs`` and the result are
    pickled."""
    ctx = ctx or JobContext()
    mp = multiprocessing.get_context("spawn")
    events = mp.Queue()
    cancel = mp.Event()
    child = mp.Process(
        target=_child,
        args=(events, cancel, target, kwargs, with_ctx),
        name="ray-driver",
        daemon=True,
    )
    child.start()
    stop_asked_at: float | None = None
    try:
        while True:
            if ctx.should_stop() and not cancel.is_set():
                cancel.set()
                stop_asked_at = time.monotonic()
            try:
                kind, value = events.get(timeout=POLL_S)
            except queue.Empty:
                if not child.is_alive():
                    raise ChildFailed(
                        f"The Ray run's process ended unexpectedly (exit code {child.exitcode})."
                    ) from None
                if stop_asked_at is not None and time.monotonic() - stop_asked_at > STOP_TIMEOUT_S:
                    child.terminate()
                    raise Cancelled() from None
                continue
            if kind == "progress":
                ctx.progress(*value)
            elif kind == "log":
                ctx.log(value)
            elif kind == "result":
                return value
            elif kind == "cancelled":
                raise Cancelled()
            elif kind == "user_error":
                raise UserError(value)
            else:
                message, details = value
                raise ChildFailed(message) from ChildTraceback(details)
    finally:
        child.join(timeout=STOP_TIMEOUT_S)
        if child.is_alive():
            child.terminate()
            child.join(timeout=10)
        events.close()
