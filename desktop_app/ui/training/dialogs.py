"""Dialogs of the Training tab. Module-level functions, so tests can replace them."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def ask_quit(parent: QWidget, text: str) -> bool:
    """Ask before quitting; True means "Quit anyway"."""
    box = QMessageBox(parent)
    box.setObjectName("confirmQuitDialog")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Quit Sentiment Studio?")
    box.setText(text)
    quit_button = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is quit_button


def choose_folder(parent: QWidget, title: str, start: str) -> str:
    """A folder picked by the user, or "" when they cancelled."""
    return QFileDialog.getExistingDirectory(parent, title, start)


def choose_file(parent: QWidget, title: str, start: str, file_filter: str) -> str:
    """A file picked by the user, or "" when they cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, start, file_filter)
    return path
