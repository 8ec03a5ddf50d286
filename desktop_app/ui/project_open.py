"""Opening a project from the GUI: a clear message for every failure, and a choice when
another app instance has the project open (open it read-only, or take it over)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.ui.dialogs import show_error


def open_store(parent: QWidget | None, path: str) -> Any:
    """The open ProjectStore, or None (the user cancelled, or a message says why not)."""
    from desktop_app.core.errors import ProjectError, ProjectInUse
    from desktop_app.core.project.store import ProjectStore

    try:
        return ProjectStore.open(path)
    except ProjectInUse as exc:
        mode = ask_in_use(parent, Path(path).name, exc.holder)
        if mode is None:
            return None
        try:
            return ProjectStore.open(path, mode=mode)
        except ProjectError as again:
            show_error(parent, "Open project", str(again))
            return None
    except ProjectError as exc:
        show_error(parent, "Open project", str(exc))
        return None


def ask_in_use(parent: QWidget | None, name: str, holder: Any) -> str | None:
    """``"read_only"``, ``"take_over"`` or None (cancel), asked in a window-modal box."""
    box = QMessageBox(parent)
    box.setObjectName("projectInUseDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Project in use")
    box.setText(f"{name} is open in Sentiment Studio by {holder.describe()}.")
    box.setInformativeText(
        "Two windows labelling one project would show the same rows twice. Open it read-only "
        "to look at it, or take it over: the other window can then no longer save labels "
        "(it says so the next time it tries)."
    )
    read_only = box.addButton("Open read-only", QMessageBox.ButtonRole.AcceptRole)
    read_only.setObjectName("openReadOnlyButton")
    take_over = box.addButton("Take over", QMessageBox.ButtonRole.DestructiveRole)
    take_over.setObjectName("takeOverButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setObjectName("cancelButton")
    box.setDefaultButton(read_only)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is read_only:
        return "read_only"
    if clicked is take_over:
        return "take_over"
    return None
