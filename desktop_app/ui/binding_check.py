"""Does this Qt binding keep Python's reference counts? (the PySide6 6.12.0 bug)

PySide6-Essentials 6.12.0 on CPython 3.11 loses one reference to ``True`` on every
``Signal.emit()`` and one to ``None`` on every ``QLabel.setText()``. Before 3.12 those
objects are not immortal, so after a few thousand labels the process aborts with
``Fatal Python error: bool_dealloc`` / ``none_dealloc``. :func:`reference_drift` repeats both
calls and reports how far the counts moved; the test suite and the frozen app's self-test run
it so the next release with such a bug is caught before users meet it. A binding with the bug
may abort the process inside this function: run it in a subprocess when that matters.
"""

from __future__ import annotations

import sys

# In a quiet process (the test suite's subprocess) the counts stay within this of where they
# were. The bug moves them down by one per call.
TOLERANCE = 8


def reference_drift(calls: int = 20000) -> dict[str, int]:
    """Emit a signal and set a label's text ``calls`` times each; the change in the counts.

    Needs a ``QApplication`` (``QLabel``). Returns ``{"true": d1, "none": d2, "calls": n}``
    with ``d`` = count after - count before (0 on a sound binding).
    """
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QLabel

    class _Emitter(QObject):
        fired = Signal()
        carried = Signal(bool)

    emitter = _Emitter()
    received: list[bool] = []
    emitter.carried.connect(received.append)
    label = QLabel()
    true_before = sys.getrefcount(True)
    for _ in range(calls):
        emitter.fired.emit()
    true_after = sys.getrefcount(True)
    none_before = sys.getrefcount(None)
    for i in range(calls):
        label.setText("odd" if i % 2 else "even")
    none_after = sys.getrefcount(None)
    emitter.carried.disconnect(received.append)
    label.deleteLater()
    return {"true": true_after - true_before, "none": none_after - none_before, "calls": calls}


def sound(drift: dict[str, int]) -> bool:
    """False when a count ran down by a quarter of the calls or more: the bug's signature.

    For a running app (the self-test), where other threads take and drop references to True
    and None meanwhile (hundreds, either way); a quiet process should stay within
    :data:`TOLERANCE`.
    """
    floor = -max(TOLERANCE, drift["calls"] // 4)
    return drift["true"] > floor and drift["none"] > floor
