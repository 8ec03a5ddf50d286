"""Run something after the window has painted what is pending.

Qt posts a widget's paint request (``QEvent.UpdateRequest``) at low event priority. An event
posted at that priority afterwards is delivered after it, so work started from it -- a job that
keeps another thread busy in Python, a chart drawn on a background thread -- does not compete
for the GIL with the paint of what the user just asked for. (A 0 ms timer would not do: it is
delivered before low-priority events.)
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt

_AFTER_PAINT = QEvent.Type(QEvent.registerEventType())


class AfterPaint(QObject):
    """Calls the functions given to :meth:`call`, in order, after the pending paint."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._calls: list[Callable[[], object]] = []

    def call(self, fn: Callable[[], object]) -> None:
        self._calls.append(fn)
        if len(self._calls) == 1:
            QCoreApplication.postEvent(
                self, QEvent(_AFTER_PAINT), Qt.EventPriority.LowEventPriority.value
            )

    def pending(self) -> bool:
        return bool(self._calls)

    def drop(self) -> None:
        """Forget the calls not made yet (shutting down)."""
        self._calls.clear()

    def event(self, event: QEvent) -> bool:  # noqa: D102 - Qt override
        if event.type() == _AFTER_PAINT:
            calls, self._calls = self._calls, []
            for fn in calls:
                fn()
            return True
        return super().event(event)
