"""Retrain with my labels, and the project's last model.

Retraining trains the current model kind on the open project's current labels: the data
comes from the workspace (``workspace.training_data(kind)``, the one
:func:`~desktop_app.core.training.data.prepare_training_data` the Training tab and the
``train`` command use too), the configuration from the Training tab's settings
(:meth:`~desktop_app.ui.training_settings.TrainingSettings.retrain_config`). The run is
recorded in the project and kept as a run in the project's place (``<project>.models``, the
Training tab's Runs view lists it); the project remembers the run's model, so opening the
project loads its last model. The worker announces the new model; the Label tab re-scores.
The result (test figures with their interval) is emitted as ``result(text)`` for a banner that
stays until dismissed or the next retraining starts (``result("")``).
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
    result = Signal(str)  # the last retraining's result to keep on screen ("" hides it)
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
        from desktop_app.core.runs.registry import project_runs_folder

        run = self.run = RetrainRun(config, data.sizes(), data.fingerprint, session)
        store_path = Path(session.store.path)
        keep = {"place": str(project_runs_folder(store_path)), "data": store_path.name}
        keep["data_path"] = str(store_path)
        job = run.job = self.state.service.submit(
            "train", {"config": config, "data": data.to_dict(), "run": keep}
        )
        self.result.emit("")  # the previous result goes when the next run starts
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
        stopped = bool(payload.get("cancelled"))
        figures = _figures(run.metrics)
        self._say(
            ("Retraining stopped early; " if stopped else f"Retrained on {run.sizes_text()}; ")
            + (f"test accuracy {figures[0]}" if figures else "done")
        )
        kept = payload.get("run") or {}
        self.result.emit(result_text(run, figures, stopped, kept, payload.get("run_error")))
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
        if run.run_id is not None and kept.get("folder"):
            # The kept run holds the model: the project remembers that folder.
            self.writer.guard(
                "Model folder",
                store.set_run_model_folder,
                run.run_id,
                str(Path(kept["folder"]) / "model"),
            )
        elif run.run_id is not None:  # the run could not be kept: save the model here
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


def _figures(metrics: dict[str, Any]) -> tuple[str, str] | None:
    """(accuracy, macro-F1) with their 95 % intervals, or None without test figures."""
    from desktop_app.core.training.metrics import format_figure

    if not isinstance(metrics.get("accuracy"), (int, float)):
        return None
    n = metrics.get("n")
    return tuple(  # type: ignore[return-value]
        format_figure(metrics.get(key), metrics.get(f"{key}_ci"), int(n) if n is not None else None)
        for key in ("accuracy", "macro_f1")
    )


def result_text(
    run: RetrainRun,
    figures: tuple[str, str] | None,
    stopped: bool,
    kept: dict[str, Any],
    run_error: Any,
) -> str:
    """What the result banner says: the figures, what they were measured on, the run."""
    import html

    what = "Retraining stopped early (best weights so far)" if stopped else "Retrained"
    text = f"<b>{what}</b> on {run.sizes_text()}"
    if figures:
        text += f": test accuracy <b>{figures[0]}</b>, macro-F1 {figures[1]}"
        if run.sizes.get("test", 0) < 100:
            text += " (a small test split: read the interval, not the point)"
    text += "."
    if kept.get("id"):
        text += f" Kept as run {html.escape(str(kept.get('name')))} ({kept['id']})."
    elif run_error:
        text += f" The run was not kept: {html.escape(str(run_error))}"
    return text
