"""The mouse wheel never changes a spin box or combo box the user did not click into.

Scrolling a form (the Training tab's hyperparameters) with the wheel over a spin box or a
combo box used to change its value on the way -- Epochs from 10 to 7, Pooling from max to
mean -- without notice. One application-wide event filter stops that everywhere:

- such boxes take focus by click or Tab only (``Qt.StrongFocus`` instead of
  ``Qt.WheelFocus``, set when each is polished), so a wheel turn does not focus them;
- a wheel event over such a box without focus is ignored by the box and goes on to its
  parents, so the scroll area around the form scrolls instead.

Once the user has clicked into a box, the wheel changes it as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """The application event filter; :func:`install` puts one on the application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, GUARDED):
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.Wheel and isinstance(watched, GUARDED):
            if not _has_focus(watched):
                # Ignored and filtered: the box never sees it, and Qt offers the event to
                # the box's parents (the scroll area) as if the box had ignored it.
                event.ignore()
                return True
        return False


def _has_focus(widget: QWidget) -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and (focus is widget or widget.isAncestorOf(focus))


def install(app: QApplication | None = None) -> WheelGuard | None:
    """Install the guard on ``app`` (the running application) once; returns it."""
    app = app or QApplication.instance()
    if app is None:
        return None
    guard = app.findChild(WheelGuard, "wheelGuard")
    if guard is None:
        guard = WheelGuard(app)
        guard.setObjectName("wheelGuard")
        app.installEventFilter(guard)
    return guard
