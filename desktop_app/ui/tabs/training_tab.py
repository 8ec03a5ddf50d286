"""The Training tab: pick a model, set hyperparameters, train, watch the loss, read the metrics.

The tab assembles its parts (``desktop_app/ui/training/``) and runs the ``train`` job:

- the data comes from the workspace (``state.workspace.training_data(kind)``, the core's one
  ``prepare_training_data``): an open project's current labels, else the loaded file;
- the model's identity comes from the worker's announcements (``state.model_info``,
  ``state.model_changed``); the results remember which model produced them;
- its settings are read and written through ``TrainingSettings`` (``training/*`` keys), which
  the Label tab's "Retrain with my labels" reads too.

Start (Ctrl+Enter, whatever model is chosen) and Cancel sit below the scrolling form, so they
are always on screen. Every run is kept (``"run"`` in the train job's params: the open
project's ``<name>.models`` place, else the user's runs folder); the right side's "Runs" page
(:class:`~desktop_app.ui.training.runs_view.RunsView`) lists, loads and compares them, and a
loaded run's results reappear on the "Current run" page as they were.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import UserError
from desktop_app.core.training.config import TrainConfig, model_kind
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.training import dialogs
from desktop_app.ui.training.data_summary import data_source
from desktop_app.ui.training.engine import TrainingEngine
from desktop_app.ui.training.model_files import ModelFiles
from desktop_app.ui.training.run_panel import RunInfo, RunPanel
from desktop_app.ui.training.runs_view import RunsView, runs_place
from desktop_app.ui.training.settings_panel import SettingsPanel
from desktop_app.ui.training_settings import TrainingSettings

START_KEYS = ("Ctrl+Return", "Ctrl+Enter")  # Return and the keypad's Enter
CANCEL_KEY = "Ctrl+."


class TrainingTab(QWidget):
    TITLE = "Training"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("trainingTab")
        self.state = state
        self.settings = TrainingSettings(state.settings)
        # The run's job on the worker; while a big file's training data is being prepared,
        # that background task's handle.
        self._train_job: JobHandle | None = None
        self._tasks = TaskRunner("trainingTasks", self)
        self._outcome = ""  # "Finished" / "Cancelled" / "Failed", shown when the run ends
        self.show_shortcut: QShortcut | None = None

        self.settings_panel = SettingsPanel(state.workspace)
        self.form = self.settings_panel.form
        self.picker = self.settings_panel.picker
        self.model_combo = self.picker.combo
        self.device_combo = self.settings_panel.device_combo
        self.threads_spin = self.settings_panel.threads_spin
        self.engine = TrainingEngine(self.settings_panel, state.settings)  # here or on Ray
        self.dataset_label = self.settings_panel.data_summary.label
        self.scroll = QScrollArea()
        self.scroll.setObjectName("trainingSettingsScroll")
        self.scroll.setWidget(self.settings_panel)
        self.scroll.setWidgetResizable(True)
        # Wide enough for the form: the horizontal scroll bar is off, so nothing may be cut.
        self.scroll.setMinimumWidth(
            self.settings_panel.minimumSizeHint().width()
            + self.scroll.verticalScrollBar().sizeHint().width()
            + 4
        )
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.run_panel = RunPanel()
        self.loss_plot = self.run_panel.loss_plot
        self.metrics_view = self.run_panel.metrics_view
        self.metrics_view.cell_examples.attach_actions(state)  # Explain / Copy text
        self.log_view = self.run_panel.log_view
        self.job_progress = self.run_panel.job_progress
        self.progress_label = self.job_progress.label
        self.model_files = ModelFiles(state, self.settings)
        self.save_button = self.model_files.save_button
        self.load_button = self.model_files.load_button
        self.model_label = self.model_files.model_label
        self.runs_view = RunsView(state)
        self.right_tabs = QTabWidget()
        self.right_tabs.setObjectName("trainingRightTabs")
        self.right_tabs.setDocumentMode(True)
        self.right_tabs.addTab(self.run_panel, "Current run")
        self.right_tabs.addTab(self.runs_view, "Runs")
        self.right_tabs.setTabToolTip(1, "Every training run, kept with its metrics")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("trainingSplitter")
        splitter.addWidget(self._build_left_column())
        splitter.addWidget(self.right_tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 840])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        self.settings_panel.restore(self.settings)
        self._connect()
        self._set_running(False)

    def _build_left_column(self) -> QWidget:
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Start training with these settings (Ctrl+Enter)")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip(
            "Stop at the next step; the best weights so far are kept (Ctrl+.)"
        )
        self.cancel_button.clicked.connect(self.cancel)
        # Shortcuts on the tab, not on the buttons: a button's setText (VADER renames Start)
        # replaces its shortcut with the text's mnemonic. A hidden tab's shortcuts never fire.
        self.start_shortcuts = [QShortcut(QKeySequence(key), self) for key in START_KEYS]
        for shortcut in self.start_shortcuts:
            shortcut.setWhatsThis("Start training (Training tab)")
            shortcut.activated.connect(self.start)
        self.cancel_shortcut = QShortcut(QKeySequence(CANCEL_KEY), self)
        self.cancel_shortcut.setWhatsThis("Cancel training at the next step (Training tab)")
        self.cancel_shortcut.activated.connect(self.cancel)

        actions = QWidget()
        actions.setObjectName("trainingActions")
        row = QHBoxLayout(actions)
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(self.start_button, 1)
        row.addWidget(self.cancel_button)
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(actions)
        layout.addWidget(self.model_files)
        return column

    def _connect(self) -> None:
        self.state.model_changed.connect(self._on_model_changed)
        self.picker.choice_changed.connect(self._on_model_choice)
        self.settings_panel.data_summary.goto_dataset.connect(self._goto_dataset)
        self.model_files.busy_changed.connect(self._on_model_files_busy)
        self.model_files.log.connect(self.append_log)
        self.runs_view.log.connect(self.append_log)
        self.runs_view.run_loaded.connect(self._on_run_loaded)
        self._on_model_choice(self.picker.choice())

    # -- what the form holds ---------------------------------------------------------------------
    def current_config(self) -> dict:
        """The ``TrainConfig`` (as a dict) that Start would submit now."""
        return self.settings_panel.current_config()

    def save_settings(self) -> None:
        """Write the form to the ``training/*`` settings (``training/config``: the full config)."""
        self.settings_panel.save(self.settings)

    @Slot()
    def reset_defaults(self) -> None:
        self.settings_panel.reset_defaults()

    @Slot(str)
    def _on_model_choice(self, key: str) -> None:
        self.start_button.setText("Evaluate VADER" if key == "vader" else "Start")

    # -- actions ------------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """Start training with the form's settings on the workspace's data."""
        if self._train_job is not None or not self.start_button.isEnabled():
            return
        problem = self.settings_panel.problem()
        if problem:
            self._refuse(problem)
            return
        config = self.current_config()
        kind = model_kind(config["model"])
        try:
            TrainConfig.from_dict(config)
            engine = self.engine.job_params()
            prepare = self.state.workspace.training_data_task(kind)
            if prepare is None:
                data, notes = self.state.workspace.training_data(kind)
        except UserError as exc:
            self._refuse(str(exc))
            return
        self.save_settings()
        name, what = data_source(self.state.workspace)
        launch = {"config": config, "kind": kind, "engine": engine, "name": name, "what": what}
        launch["run"] = self._run_params(name)
        if prepare is None:
            self._launch(launch, data, notes)
            return
        # A big file: its training data is prepared off the GUI thread first. The task's
        # handle stands for the run meanwhile (Cancel, closing, is_training see it).
        task = self._train_job = self._tasks.start(prepare, "prepare training data")
        self._set_running(True)
        self.job_progress.start("Preparing the training data…")
        task.on_progress(self.job_progress.show_report)
        task.on_result(lambda value: self._prepared(task, launch, value))
        task.on_failed(lambda message, _details: self._not_prepared(task, message))
        task.on_cancelled(lambda: self._not_prepared(task, None))

    def _prepared(self, task: JobHandle, launch: dict, value: object) -> None:
        if self._train_job is not task:
            return
        if task.cancel_requested:
            self._not_prepared(task, None)
            return
        self._train_job = None
        data, notes = value  # type: ignore[misc]
        self._launch(launch, data, notes)

    def _not_prepared(self, task: JobHandle, message: str | None) -> None:
        if self._train_job is not task:
            return
        self._train_job = None
        self._set_running(False)
        if message is None:
            self.job_progress.finish("Cancelled while preparing the training data")
            self.append_log("Cancelled while preparing the training data: nothing was trained.")
        else:
            self.job_progress.finish("Could not start")
            self._refuse(message)

    def _launch(self, launch: dict, data: object, notes: list[str]) -> None:
        """Begin the run's panel and give the train job to the worker."""
        config, kind, engine = launch["config"], launch["kind"], launch["engine"]
        self._outcome = ""
        run = RunInfo(self.picker.description(), launch["name"], launch["what"], data.sizes())
        epochs = int(config.get("epochs") or 0) or None
        steps = None
        if kind in ("minilm", "transformer", "bilstm") and config.get("batch_size"):
            steps = math.ceil(len(data.train_texts) / int(config["batch_size"])) * (epochs or 1)
        for note in notes + ([self.engine.describe()] if engine else []):
            self.append_log(note)
        self.right_tabs.setCurrentWidget(self.run_panel)
        self.run_panel.begin(
            run,
            epochs=epochs if kind != "vader" else None,
            total_steps=steps,
            expected_loss=math.log(max(2, len(data.labels))),
        )
        job = self._train_job = self.state.service.submit(
            "train",
            {"config": config, "data": data.to_dict(), "run": launch["run"], **engine},
            after_paint=True,  # the run's panel is painted before the model loads
        )
        job.on_started(self._on_started).on_progress(self.job_progress.show_report)
        job.on_log(self.append_log).on_partial(self._on_partial)
        job.on_result(self._on_result).on_failed(self._on_failed)
        job.on_cancelled(self._on_cancelled).on_finished(self._on_finished)
        self._set_running(True)
        self.state.message("Training started")

    def _run_params(self, data_name: str) -> dict:
        """Where the run is kept and what its default name says about the data."""
        workspace = self.state.workspace
        if workspace.source == "project":
            data_path = str(workspace.session.path)
        else:
            data_path = str(getattr(getattr(workspace.dataset, "report", None), "path", "") or "")
        return {
            "place": str(runs_place(workspace)),
            "data": data_name,
            "data_path": data_path or None,
        }

    @Slot()
    def cancel(self) -> None:
        if self._train_job is not None and self.cancel_button.isEnabled():
            self._train_job.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling at the next step…")
            self.append_log("Cancel requested: stopping at the next step.")

    @Slot()
    def save_model(self) -> None:
        """Export model… (every run is kept anyway; this copies the model elsewhere)."""
        self.model_files.save_model()

    @Slot()
    def load_model(self) -> None:
        self.model_files.load_model()

    @Slot()
    def bring_forward(self) -> None:
        self.state.show_tab.emit(self.objectName())
        self.start_button.setFocus()

    @Slot()
    def _goto_dataset(self) -> None:
        self.state.show_tab.emit("datasetTab")

    def append_log(self, line: str) -> None:
        self.run_panel.append_log(line)

    def _refuse(self, message: str) -> None:
        self.append_log(message)
        show_error(self, "Cannot start training", message)

    # -- closing ---------------------------------------------------------------------------
    def is_training(self) -> bool:
        return self._train_job is not None

    def confirm_close(self) -> bool:
        """Ask before quitting while training runs. Every finished run is kept, so a trained
        model is lost only when its run could not be kept (``saved`` False: the runs folder
        could not be written)."""
        info = self.state.model_info
        if self._train_job is not None:
            text = "A model is still training. Quitting stops it and the model is lost."
        elif info and info.get("saved") is False:
            text = (
                f"{info.get('name') or 'The trained model'} could not be kept as a run and is "
                "not exported. Quit anyway and lose it?"
            )
        else:
            return True
        return dialogs.ask_quit(self, text)

    def shutdown(self) -> None:
        """Cancel this tab's jobs (the window then stops the worker thread)."""
        if self._train_job is not None:
            self._train_job.cancel()
        self._tasks.shutdown()
        self.model_files.cancel()
        self.engine.shutdown()
        self.loss_plot.finish()
        self.metrics_view.shutdown()
        try:
            self.save_settings()
        except RuntimeError:  # widgets already deleted during teardown
            pass

    # -- state -------------------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and not self.model_files.busy)
        self.cancel_button.setEnabled(running)
        self.settings_panel.set_busy(running)
        self.engine.set_busy(running)
        self.model_files.set_training(running)
        self.runs_view.set_training(running)

    @Slot(bool)
    def _on_model_files_busy(self, _busy: bool) -> None:
        self._set_running(self._train_job is not None)

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        self.run_panel.model_announced(info)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ParentChange and self.show_shortcut is None:
            window = self.window()
            if window is not self:
                # Ctrl+T anywhere in the window brings this tab forward, ready for
                # Ctrl+Enter. On the window, not on this tab: a hidden widget's
                # shortcuts never fire.
                self.show_shortcut = QShortcut(QKeySequence("Ctrl+T"), window)
                self.show_shortcut.setWhatsThis("Bring the Training tab forward, ready to start")
                self.show_shortcut.activated.connect(self.bring_forward)
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.settings_panel.set_device_info(self.state.device_info)

    # -- the training run's handle (GUI thread) -------------------------------------------
    def _on_started(self) -> None:
        self.job_progress.start("Preparing…")  # busy until the first progress report

    def _on_partial(self, kind: str, payload: object) -> None:
        if kind == "step" and isinstance(payload, list):
            self.loss_plot.add_steps(payload)
        elif kind == "epoch" and isinstance(payload, dict):
            self.loss_plot.add_epoch(payload)

    def _on_result(self, result: object) -> None:
        if not isinstance(result, dict):
            return
        self._outcome = "Cancelled" if result.get("cancelled") else "Finished"
        self.run_panel.show_result(result, self.state.model_info)
        info = result.get("model_info") or {}
        truncated = result.get("truncated")
        if isinstance(truncated, int):
            limit = info.get("max_length")
            self.append_log(
                f"{truncated:,} text{'' if truncated == 1 else 's'} longer than the max length"
                f"{f' ({limit} tokens)' if limit else ''} {'was' if truncated == 1 else 'were'} "
                "truncated."
            )
        run = result.get("run")
        if isinstance(run, dict):
            self.append_log(f"Kept as run {run.get('name')} ({run.get('id')}): see Runs.")
            self.runs_view.run_kept(run)
        elif result.get("run_error"):
            self.append_log(f"The run was not kept: {result['run_error']} Export the model.")
        accuracy = (result.get("metrics") or {}).get("accuracy")
        done = "Training cancelled" if result.get("cancelled") else "Training finished"
        if isinstance(accuracy, (int, float)):
            self.state.message(f"{done}: test accuracy {accuracy:.3f}")
        else:
            self.state.message(done)

    @Slot(dict)
    def _on_run_loaded(self, payload: dict) -> None:
        """A kept run's model is the current one now: show its results as they were."""
        run = payload.get("run") or {}
        self.run_panel.show_run(run, payload.get("model_info") or {}, self.state.model_info)
        self.right_tabs.setCurrentWidget(self.run_panel)

    def _on_failed(self, message: str, details: str) -> None:
        self._outcome = "Failed"
        self.append_log(f"Training failed: {message}")
        self.run_panel.clear(f"The run failed: {message}")
        show_error(self, "Training failed", message, details)

    def _on_cancelled(self) -> None:
        self._outcome = "Cancelled"
        self.append_log("Cancelled before the first result: the previous model is still in use.")
        self.run_panel.clear("The run was cancelled before it produced a model.")

    def _on_finished(self) -> None:
        job, self._train_job = self._train_job, None
        self.run_panel.end(self._outcome, job.elapsed() if job is not None else 0.0)
        self._set_running(False)
