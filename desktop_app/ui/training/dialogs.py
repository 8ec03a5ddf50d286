"""Dialogs of the Training tab. Module-level functions, so tests can replace them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget


def _confirm(
    parent: QWidget,
    name: str,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    action: str,
) -> bool:
    """A question with a destructive ``action`` button and Cancel (the default); True when
    the user chose the action."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    chosen = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is chosen


def ask_quit(parent: QWidget, text: str) -> bool:
    """Ask before quitting; True means "Quit anyway"."""
    question = QMessageBox.Icon.Question
    return _confirm(
        parent, "confirmQuitDialog", question, "Quit Sentiment Studio?", text, "Quit anyway"
    )


def choose_folder(parent: QWidget, title: str, start: str) -> str:
    """A folder picked by the user, or "" when they cancelled."""
    return QFileDialog.getExistingDirectory(parent, title, start)


def choose_file(parent: QWidget, title: str, start: str, file_filter: str) -> str:
    """A file picked by the user, or "" when they cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, start, file_filter)
    return path


def ask_delete_runs(parent: QWidget, text: str) -> bool:
    """Ask before deleting runs; True means "Delete"."""
    warning = QMessageBox.Icon.Warning
    return _confirm(parent, "confirmDeleteRunsDialog", warning, "Delete runs?", text, "Delete")


def ask_overwrite(parent: QWidget, text: str) -> bool:
    """Ask before exporting over an existing folder; True means "Replace"."""
    warning = QMessageBox.Icon.Warning
    return _confirm(
        parent, "confirmOverwriteDialog", warning, "Replace the model?", text, "Replace"
    )


class ExportFolderDialog(QFileDialog):
    """Qt's folder dialog that also takes a folder that does not exist yet (typed as a name
    in an existing folder): Qt's own refuses it ("Directory not found")."""

    def __init__(self, parent: QWidget | None, title: str, start: str) -> None:
        super().__init__(parent, title, start)
        self.setObjectName("exportFolderDialog")
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setOption(QFileDialog.Option.ShowDirsOnly)
        self.setOption(QFileDialog.Option.DontUseNativeDialog)  # native ones refuse new names
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Export")
        self.chosen = ""

    def accept(self) -> None:
        files = self.selectedFiles()
        path = Path(files[0]) if files else None
        if path is not None and not path.exists() and path.parent.is_dir():
            self.chosen = str(path)
            QDialog.accept(self)  # a new folder: the export creates it
            return
        super().accept()
        if files:
            self.chosen = files[0]


def choose_export_folder(parent: QWidget, title: str, start: str) -> str:
    """A folder to export into, existing or new, or "" when the user cancelled."""
    dialog = ExportFolderDialog(parent, title, start)
    if not dialog.exec():
        return ""
    return dialog.chosen or (dialog.selectedFiles() or [""])[0]
