"""Export model… / Load model… and the name of the current model.

Every training run is kept (the Runs view), so exporting is only for taking a model
elsewhere: it writes the current model into a folder, created when missing, and asks before
replacing a model already there. The worker owns the current model: ``save_model`` and
``load_model`` jobs change it there and the worker announces the result
(``state.model_changed``); this panel only shows ``state.model_info`` and never writes model
identity.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.job_handle import JobHandle
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.training import dialogs
from desktop_app.ui.training_settings import TrainingSettings


class ModelFiles(QWidget):
    """Emits ``busy_changed(bool)`` while a save or load runs and ``log(line)`` for the log."""

    busy_changed = Signal(bool)
    log = Signal(str)

    def __init__(
        self, state: AppState, settings: TrainingSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.jobs: list[JobHandle] = []
        self._training = False
        self.save_button = QPushButton("Export model…")
        self.save_button.setObjectName("saveModelButton")
        self.save_button.setToolTip(
            "Write the current model into a folder (with training.json) to use it elsewhere; "
            "every run is kept in the Runs view in any case"
        )
        self.save_button.clicked.connect(self.save_model)
        self.load_button = QPushButton("Load model…")
        self.load_button.setObjectName("loadModelButton")
        self.load_button.setToolTip(
            "Load a saved model folder (any kind, or a transformers folder)"
        )
        self.load_button.clicked.connect(self.load_model)
        self.model_label = QLabel()
        self.model_label.setObjectName("currentModelLabel")
        self.model_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.load_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.model_label)
        state.model_changed.connect(self._on_model_changed)
        self._on_model_changed(state.model_info)

    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def set_training(self, training: bool) -> None:
        """No saving or loading while a run trains (the worker would queue it behind it)."""
        self._training = training
        self._update_buttons()

    def _update_buttons(self) -> None:
        free = not self._training and not self.jobs
        self.load_button.setEnabled(free)
        self.save_button.setEnabled(free and bool(self.state.model_info))

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        if not info:
            self.model_label.setText("Current model: VADER (until a model is trained or loaded)")
        else:
            suffix = "" if info.get("saved", True) else " — <b>not kept as a run: export it</b>"
            folder = info.get("folder")
            where = f"<br><small>{folder}</small>" if folder and info.get("saved", True) else ""
            self.model_label.setText(
                f"Current model: {info.get('name') or info.get('kind')}{suffix}{where}"
            )
        self._update_buttons()

    # -- actions ----------------------------------------------------------------------------
    @Slot()
    def save_model(self) -> None:
        """Export model…: pick a folder (a new one is created), ask before replacing a model."""
        folder = dialogs.choose_export_folder(
            self, "Export the model into a folder", self.settings.last_model_dir()
        )
        if not folder:
            return
        if Path(folder).is_file():
            show_error(self, "Export model", f"{folder} is a file: choose or name a folder.")
            return
        problem = export_problem(Path(folder))
        if problem and not dialogs.ask_overwrite(self, problem):
            self.log.emit(f"Export cancelled: {folder} was left as it was.")
            return
        self.settings.set_last_model_dir(str(Path(folder).parent))
        self.log.emit(f"Exporting the model to {folder}…")
        self._submit("save_model", folder)

    @Slot()
    def load_model(self) -> None:
        folder = dialogs.choose_folder(
            self, "Load a saved model folder", self.settings.last_model_dir()
        )
        if folder:
            self.settings.set_last_model_dir(folder)
            self.log.emit(f"Loading the model from {folder}…")
            self._submit("load_model", folder)

    def _submit(self, name: str, folder: str) -> None:
        job = self.state.service.submit(name, {"folder": folder})
        self.jobs.append(job)
        what = "Exporting" if name == "save_model" else "Loading"
        job.on_log(self.log.emit)
        job.on_result(self._on_saved if name == "save_model" else self._on_loaded)
        job.on_failed(functools.partial(self._on_failed, what))
        job.on_finished(functools.partial(self._on_finished, job))
        self._update_buttons()
        self.busy_changed.emit(True)

    def _on_saved(self, info: object) -> None:
        if isinstance(info, dict):
            self.log.emit(f"Exported {info.get('name')} to {info.get('folder')}.")
            self.state.message(f"Model exported to {info.get('folder')}")

    def _on_loaded(self, info: object) -> None:
        if isinstance(info, dict):
            self.log.emit(
                f"Loaded {info.get('name')} ({info.get('kind')}, labels "
                f"{', '.join(map(str, info.get('labels') or []))}) from {info.get('folder')}."
            )
            self.state.message(f"Model loaded: {info.get('name')}")

    def _on_failed(self, what: str, message: str, details: str) -> None:
        self.log.emit(f"{what} the model failed: {message}")
        show_error(self, f"{what} the model failed", message, details)

    def _on_finished(self, job: JobHandle) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self._update_buttons()
        self.busy_changed.emit(self.busy)

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()


MODEL_FILES = ("training.json", "config.json")


def export_problem(folder: Path) -> str:
    """Why exporting into ``folder`` needs a yes (it holds a model, or other files), or ""."""
    if not folder.exists():
        return ""
    if any((folder / name).exists() for name in MODEL_FILES):
        return f"{folder} already holds a model. Replace it with the current model?"
    if any(folder.iterdir()):
        return (
            f"{folder} is not empty. Export the model into it anyway (files with the model's "
            "names are replaced)?"
        )
    return ""
