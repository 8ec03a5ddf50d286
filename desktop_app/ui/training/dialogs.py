"""Dialogs of the Training tab. Module-level functions, so tests can replace them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget


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


def ask_delete_runs(parent: QWidget, text: str) -> bool:
    """Ask before deleting runs; True means "Delete"."""
    box = QMessageBox(parent)
    box.setObjectName("confirmDeleteRunsDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete runs?")
    box.setText(text)
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is delete


def ask_overwrite(parent: QWidget, text: str) -> bool:
    """Ask before exporting over an existing folder; True means "Replace"."""
    box = QMessageBox(parent)
    box.setObjectName("confirmOverwriteDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Replace the model?")
    box.setText(text)
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is replace


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
