"""A plain-text box that emits ``submitted`` on Ctrl+Enter (the Predict and Explain boxes)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

_SUBMIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class SubmitTextEdit(QPlainTextEdit):
    """Ctrl+Enter (Cmd+Enter on macOS) submits; plain Enter still starts a new line."""

    submitted = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in _SUBMIT_KEYS and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def text(self) -> str:
        return self.toPlainText()
