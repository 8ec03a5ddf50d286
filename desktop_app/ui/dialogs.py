"""Error dialogs: plain messages for expected errors, details + "Copy details" otherwise."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

_open_boxes: list[QMessageBox] = []  # keeps parentless dialogs alive while shown


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    """Show an error without blocking the event loop (window-modal, ``open()``).

    Expected errors (bad file, no model) pass no ``details`` and show as a plain
    message. Unexpected ones pass the traceback: the box offers "Copy details" and
    says where the log file is.
    """
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Critical if details else QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message)
    if details:
        from desktop_app.paths import log_file

        box.setInformativeText(
            f"This looks like a bug. The details are also in the log file:\n{log_file()}"
        )
        box.setDetailedText(details)
        copy = QPushButton("Copy details")
        copy.setObjectName("copyDetailsButton")
        box.addButton(copy, QMessageBox.ButtonRole.ActionRole)
        # An ActionRole button would close the box; keep it open after copying.
        copy.clicked.disconnect()
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(f"{message}\n\n{details}"))
    box.addButton(QMessageBox.StandardButton.Ok)
    _open_boxes.append(box)
    box.finished.connect(lambda _result: _open_boxes.remove(box) if box in _open_boxes else None)
    box.open()
    return box
