"""Retrain with my labels, and the project's last model.

Retraining trains the current model kind on the open project's current labels: the data
comes from the workspace (``workspace.training_data(kind)``, the one
:func:`~desktop_app.core.training.data.prepare_training_data` the Training tab and the
``train`` command use too), the configuration from the Training tab's settings
(:meth:`~desktop_app.ui.training_settings.TrainingSettings.retrain_config`). The run is
recorded in the project and its model saved beside it (``<project>.models/run-N``); opening a
project loads its last model. The worker announces the new model; the Label tab re-scores.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop_app.job_handle import JobHandle
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.training_settings import TrainingSettings

TITLE = "Retrain with my labels"


@dataclass
class RetrainRun:
    """One retraining: what it trained on and, once done, the model it made."""

    config: dict[str, Any]
    sizes: dict[str, int]  # labelled rows per split: train, validation, test
    fingerprint: str
    session: Any  # the LabelSession it trained from (the run is recorded there)
    job: JobHandle | None = None
    model_id: str | None = None  # the worker's id of the new model
    run_id: int | None = None  # the project's record of the run
    metrics: dict[str, Any] = field(default_factory=dict)

    def sizes_text(self) -> str:
        s = self.sizes
        return (
            f"{s['train']:,} training, {s['validation']:,} validation and {s['test']:,} test rows"
        )


class RetrainController(QObject):
    status = Signal(str)  # what the tab's status line says
    busy_changed = Signal(bool)
    progressed = Signal(object)  # Progress of the train job
    model_loaded = Signal()  # the project's last model is in (or could not be): score now

    def __init__(self, state: Any, writer: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self.state = state
        self.writer = writer  # LabelWriter: project writes with their failures shown
        self.widget = parent
        self.run: RetrainRun | None = None  # the running or last retraining
        self.outcome = ""  # how the last retraining ended, as the status line says it
        self._load_job: JobHandle | None = None

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.job is not None and self.run.job.active

    @property
    def loading(self) -> bool:
        return self._load_job is not None

    # -- retraining ---------------------------------------------------------------------
    def retrain(self, session: Any) -> JobHandle | None:
        """Train the current model kind on every labelled row; None (with a message) when the
        labels are not enough yet."""
        from desktop_app.core.errors import UserError
        from desktop_app.core.training.config import model_kind

        config = TrainingSettings(self.state.settings).retrain_config(self.state.model_info)
        try:
            data, _notes = self.state.workspace.training_data(model_kind(str(config["model"])))
        except UserError as exc:
            show_error(self.widget, TITLE, str(exc))
            return None
        run = self.run = RetrainRun(config, data.sizes(), data.fingerprint, session)
        job = run.job = self.state.service.submit(
            "train", {"config": config, "data": data.to_dict()}
        )
        job.on_progress(self._on_progress)
        job.on_result(functools.partial(self._on_trained, run))
        job.on_failed(self._on_failed).on_cancelled(self._on_cancelled)
        job.on_finished(self._on_finished)
        self.status.emit(f"Retraining {config.get('model')} on {run.sizes_text()}…")
        self.busy_changed.emit(True)
        return job

    def cancel(self) -> None:
        if self.running:
            self.run.job.cancel()

    def _on_progress(self, report: Any) -> None:
        self.progressed.emit(report)
        self.status.emit(report.text)

    def _say(self, outcome: str) -> None:
        self.outcome = outcome
        self.status.emit(outcome)

    def _on_trained(self, run: RetrainRun, payload: object) -> None:
        if not isinstance(payload, dict):
            return
        info = payload.get("model_info") or {}
        run.model_id = str(info.get("id") or "")
        run.metrics = payload.get("metrics") or {}
        accuracy = run.metrics.get("accuracy")
        stopped = bool(payload.get("cancelled"))
        self._say(
            ("Retraining stopped early; " if stopped else f"Retrained on {run.sizes_text()}; ")
            + (f"test accuracy {100 * accuracy:.1f}%" if accuracy is not None else "done")
        )
        store = run.session.store
        if store.closed:
            return  # the project was closed meanwhile: the model stays the current one
        _ok, run.run_id = self.writer.guard(
            "Training run",
            store.add_training_run,
            str(info.get("kind") or run.config.get("model", "")),
            run.config,
            run.metrics,
            payload.get("history") or {},
            None,
            run.fingerprint,
        )
        if run.run_id is not None:
            path = Path(store.path)
            folder = path.with_name(path.stem + ".models") / f"run-{run.run_id}"
            job = self.state.service.submit("save_model", {"folder": str(folder)})
            job.on_result(functools.partial(self._on_saved, run))
            job.on_failed(self._on_save_failed)
        # The worker announces the new model; the tab re-scores the queue with it.

    def _on_saved(self, run: RetrainRun, info: object) -> None:
        folder = info.get("folder") if isinstance(info, dict) else None
        if folder and not run.session.store.closed:
            self.writer.guard(
                "Model folder", run.session.store.set_run_model_folder, run.run_id, str(folder)
            )

    def _on_save_failed(self, message: str, details: str) -> None:
        self.state.message(f"Could not save the retrained model: {message}", 8000)

    def _on_failed(self, message: str, details: str) -> None:
        self._say("Retraining failed")
        show_error(self.widget, TITLE, message, details)

    def _on_cancelled(self) -> None:
        self._say("Retraining cancelled")

    def _on_finished(self) -> None:
        self.busy_changed.emit(False)

    # -- the project's last model ---------------------------------------------------------
    def load_last_model(self, store: Any) -> bool:
        """Load the model of the project's last run unless it is the current one; True when
        a load started (:attr:`model_loaded` follows)."""
        folder = store.last_model_folder()
        if not folder or folder == self.state.model_info.get("folder"):
            return False
        job = self._load_job = self.state.service.submit("load_model", {"folder": folder})
        job.on_result(functools.partial(self._on_loaded, job))
        job.on_failed(functools.partial(self._on_load_failed, job))
        self.state.message(f"Loading the project's last model from {folder}…")
        return True

    def cancel_load(self) -> None:
        if self._load_job is not None:
            self._load_job.cancel()
        self._load_job = None

    def _on_loaded(self, job: JobHandle, info: object) -> None:
        if job is self._load_job:  # not one cancelled when its project closed
            self._load_job = None
            self.model_loaded.emit()

    def _on_load_failed(self, job: JobHandle, message: str, details: str) -> None:
        if job is self._load_job:
            self._load_job = None
            self.state.message(f"Could not load the project's last model: {message}", 8000)
            self.model_loaded.emit()
