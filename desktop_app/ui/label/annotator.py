"""The annotator's name: stored with every label, asked once, kept in QSettings."""

from __future__ import annotations

import getpass

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtWidgets import QInputDialog, QWidget

ANNOTATOR_KEY = "label/annotator"
QUESTION = "Your name is stored with every label you make:"


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name: leave it empty
        return ""


class Annotator(QObject):
    changed = Signal(str)  # the new name

    def __init__(self, settings: QSettings, parent: QWidget) -> None:
        super().__init__(parent)
        self.settings = settings
        self.widget = parent

    def name(self) -> str:
        """The stored name ("" until one is given)."""
        return str(self.settings.value(ANNOTATOR_KEY, "") or "").strip()

    def ask(self) -> str | None:
        """The name, asked now if none is stored; None when the user cancels."""
        name = self.name()
        if name:
            return name
        name, ok = QInputDialog.getText(self.widget, "Your name", QUESTION, text=_login_name())
        if not ok or not name.strip():
            return None
        self._store(name)
        return name.strip()

    def ask_later(self) -> None:
        """Ask when the project opens (window-modal, without blocking)."""
        dialog = QInputDialog(self.widget)
        dialog.setObjectName("annotatorDialog")
        dialog.setWindowTitle("Your name")
        dialog.setLabelText(QUESTION)
        dialog.setTextValue(_login_name())
        dialog.textValueSelected.connect(self._on_chosen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def change(self) -> None:
        name, ok = QInputDialog.getText(
            self.widget, "Your name", "Annotator name:", text=self.name()
        )
        if ok and name.strip():
            self._store(name)

    @Slot(str)
    def _on_chosen(self, name: str) -> None:
        if name.strip():
            self._store(name)
        else:
            self.changed.emit(self.name())  # the tab takes the keys back either way

    def _store(self, name: str) -> None:
        self.settings.setValue(ANNOTATOR_KEY, name.strip())
        self.changed.emit(name.strip())
