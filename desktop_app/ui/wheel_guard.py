"""The mouse wheel never changes a spin box or combo box the user did not click into.

Scrolling a form (the Training tab's hyperparameters) with the wheel over a spin box or a
combo box used to change its value on the way -- Epochs from 10 to 7, Pooling from max to
mean -- without notice. One guard object stops that for every such box of the window:

- the boxes take focus by click or Tab only (``Qt.StrongFocus`` instead of ``Qt.WheelFocus``),
  so a wheel turn does not focus them;
- a wheel event over a box without focus is filtered out and marked ignored, so Qt offers it
  to the box's parents (the scroll area around the form scrolls instead).

Once the user has clicked into a box, the wheel changes it as usual.

The guard filters the boxes' own events, not the application's: a Python event filter on the
application runs (and takes the GIL) for every event of every widget, which doubled the time
to repaint a window and made it up to ten times slower while the model worker ran Python code.
The main window guards its boxes once the tabs are built and again whenever another tab comes
to the front (boxes a tab added meanwhile); a widget that adds boxes later can call
:func:`guard` itself.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QAbstractSpinBox, QComboBox)
_MARK = "wheelGuarded"


class WheelGuard(QObject):
    """The event filter put on each guarded box (one object for the whole application)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Wheel and not _has_focus(watched):
            # Ignored and filtered: the box never sees it, and Qt offers the event to the
            # box's parents (the scroll area) as if the box had ignored it.
            event.ignore()
            return True
        return False


def _has_focus(widget: QObject) -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and (
        focus is widget or (isinstance(widget, QWidget) and widget.isAncestorOf(focus))
    )


def _the_guard() -> WheelGuard | None:
    app = QApplication.instance()
    if app is None:
        return None
    found = app.findChild(WheelGuard, "wheelGuard")
    if found is None:
        found = WheelGuard(app)
        found.setObjectName("wheelGuard")
    return found


def guard(root: QWidget) -> int:
    """Guard every spin box and combo box in ``root`` (and ``root`` itself) not guarded yet;
    returns how many were added."""
    the_guard = _the_guard()
    if the_guard is None:
        return 0
    boxes: list[QWidget] = [root] if isinstance(root, GUARDED) else []
    for kind in GUARDED:
        boxes.extend(root.findChildren(kind))
    added = 0
    for box in boxes:
        if box.property(_MARK):
            continue
        box.setProperty(_MARK, True)
        if box.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        box.installEventFilter(the_guard)
        added += 1
    return added
