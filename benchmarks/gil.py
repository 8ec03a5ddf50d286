"""Which line another thread was running when the GUI thread's timer got the GIL back.

A stall probe ticks on the GUI thread; after a long gap the thread that held the GIL has just
given it back, so the line it stands on (in our code, and the innermost library frame under
it) names the work that held it.
"""

from __future__ import annotations

import sys
import threading
import traceback


def other_thread_line() -> str:
    """The innermost desktop_app line another thread is running (and the library frame below
    it), or a sentence saying no other thread was in our code."""
    main = threading.main_thread().ident
    for ident, frame in sys._current_frames().items():
        if ident == main:
            continue
        stack = traceback.extract_stack(frame)
        ours = [f for f in stack if "desktop_app" in f.filename]
        if ours:
            f = ours[-1]
            path = f.filename[f.filename.rfind("desktop_app") :]
            where = f"`{path}:{f.lineno}` `{(f.line or '').strip()[:60]}`"
            inner = stack[-1]
            if inner is not f:
                lib = inner.filename
                for marker in ("site-packages/", "lib/python3"):
                    if marker in lib:
                        lib = lib[lib.rfind(marker) + len(marker) :]
                        break
                where += f" in `{lib}:{inner.lineno}` ({inner.name})"
            return where
    return "no other thread in our code: GUI-thread work (swap, paint, charts) or OS scheduling"


def run_queue_wait() -> float:
    """Seconds this thread has spent runnable but waiting for a core (Linux schedstat; else 0)."""
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as handle:
            return int(handle.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0
