"""The Predict tab's "A whole file" panel: read a file (or take the workspace's rows), predict
every row in the model worker, show the table and the accuracy, export it.

Reading the file and writing the export run on a background :class:`TaskRunner`; the
``predict_batch`` job in the model worker. The table and its summary remember the model that
made them (``result["model"]``) and are cleared when another model is announced: a
probability column or an accuracy of the old model would read as the new one's. The rows
stay loaded, so *Predict file* predicts them again with the new model.
"""

from __future__ import annotations

import functools
import html
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from desktop_app.core.jobs import Progress
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.model_stamp import ModelStamp, model_name
from desktop_app.ui.predict.batch_tasks import (
    BatchData,
    export_results,
    from_workspace,
    load_batch_file,
    recolumn_batch,
)
from desktop_app.ui.predict.ray_run import RayFileRun
from desktop_app.ui.predict.results_table import PredictionResultsTable
from desktop_app.ui.predict.scored import score_html
from desktop_app.ui.widgets.job_progress import JobProgress
from desktop_app.ui.widgets.prediction_table import PredictionTableModel

NO_LABEL = "(no label column)"
EXPORT_FORMATS = (("CSV", "csv"), ("XLSX", "xlsx"), ("JSONL", "jsonl"))
DATA_FILTER = (
    "Data files (*.csv *.tsv *.txt *.json *.jsonl *.xlsx *.parquet *.neg *.pos);;All files (*)"
)
PROTECT_TIP = (
    "Cells starting with =, +, - or @ get a leading ' so a spreadsheet shows them as "
    "text instead of running them. This changes such texts (for example '@user …')."
)
# What the workspace's rows are called, by workspace.source.
WORKSPACE_SOURCES = {"file": "the Dataset tab", "project": "the project"}


class FilePredictPanel(QGroupBox):
    def __init__(self, state: AppState) -> None:
        super().__init__("A whole file")
        self.setObjectName("predictFilePanel")
        self.state = state
        self.service = state.service
        self.workspace = state.workspace
        self._job: JobHandle | None = None
        self._texts: list[str] = []  # what the table shows (the rows of the last prediction)
        self._labels: list | None = None
        self.batch_data: BatchData | None = None
        self._result_data: BatchData | None = None  # the rows the table's results are of
        self.batch_result: dict | None = None
        self.last_export: dict | None = None
        self._tasks = TaskRunner("predictFileTasks", self)
        self._load_task: JobHandle | None = None
        self._export_task: JobHandle | None = None
        self._build()
        self._connect()
        self._on_workspace_changed({})

    # -- construction ---------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.open_button = QPushButton("Open file…")
        self.open_button.setObjectName("batchOpenButton")
        self.open_button.setToolTip("Read a CSV, TSV, XLSX, JSON(L), Parquet or text file")
        self.use_dataset_button = QPushButton("Use Dataset tab data")
        self.use_dataset_button.setObjectName("batchUseDatasetButton")
        self.file_label = QLabel("No file.")
        self.file_label.setObjectName("batchFileLabel")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_combo = QComboBox()
        self.text_combo.setObjectName("batchTextColumn")
        self.text_combo.setToolTip("The column that holds the texts")
        self.label_combo = QComboBox()
        self.label_combo.setObjectName("batchLabelColumn")
        self.label_combo.setToolTip(
            "The column with the true labels (optional): adds correct/incorrect and the accuracy"
        )
        for combo in (self.text_combo, self.label_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumContentsLength(8)
            combo.setEnabled(False)
        self.batch_button = QPushButton("Predict file")
        self.batch_button.setObjectName("batchPredictButton")
        self.batch_button.setEnabled(False)
        self.batch_cancel_button = QPushButton("Cancel")
        self.batch_cancel_button.setObjectName("batchCancelButton")
        self.batch_cancel_button.setEnabled(False)
        top.addWidget(self.open_button)
        top.addWidget(self.use_dataset_button)
        top.addWidget(self.file_label, 1)
        for text, combo in (("Text column:", self.text_combo), ("Label column:", self.label_combo)):
            label = QLabel(text)
            label.setBuddy(combo)
            top.addWidget(label)
            top.addWidget(combo)
        top.addWidget(self.batch_button)
        top.addWidget(self.batch_cancel_button)
        layout.addLayout(top)
        self.ray_run = RayFileRun(self)  # "Run on: This computer / Ray cluster…"
        layout.addWidget(self.ray_run.box)

        self.batch_job_progress = JobProgress(
            busy_text="Predicting…",
            bar_name="batchProgress",
            label_name="batchStatus",
            text="Open a file (CSV, TSV, XLSX, JSON lines, Parquet, text) to predict every row.",
        )
        self.batch_progress = self.batch_job_progress.bar
        self.batch_status = self.batch_job_progress.label
        self.batch_status.setWordWrap(True)
        layout.addWidget(self.batch_job_progress)

        self.results = PredictionResultsTable(self.state)
        self.table = self.results.view
        layout.addWidget(self.results, 1)
        layout.addWidget(self.ray_run.result_view, 1)
        self.ray_run._on_engine_changed()  # one of the two result views shows

        bottom = QHBoxLayout()
        self.summary_label = QLabel()
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setObjectName("batchSummary")
        self.summary_label.setWordWrap(True)
        bottom.addWidget(self.summary_label, 1)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("exportFormat")
        for text, value in EXPORT_FORMATS:
            self.format_combo.addItem(text, value)
        self.protect_check = QCheckBox("Protect against spreadsheet formulas")
        self.protect_check.setObjectName("protectFormulas")
        self.protect_check.setChecked(True)
        self.protect_check.setToolTip(PROTECT_TIP + " JSONL is always written exactly.")
        self.keep_columns_check = QCheckBox("With the file's other columns")
        self.keep_columns_check.setObjectName("exportFileColumns")
        self.keep_columns_check.setChecked(True)
        self.keep_columns_check.setToolTip(
            "Write the file's other columns (IDs, dates, ...) next to the predictions, as "
            "read; a name the results use too gets an orig_ prefix"
        )
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("batchExportButton")
        self.export_button.setEnabled(False)
        bottom.addWidget(QLabel("Export as:"))
        bottom.addWidget(self.format_combo)
        bottom.addWidget(self.keep_columns_check)
        bottom.addWidget(self.protect_check)
        bottom.addWidget(self.export_button)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        self.open_button.clicked.connect(self._choose_file)
        self.use_dataset_button.clicked.connect(self.use_dataset)
        self.text_combo.activated.connect(self._on_columns_changed)
        self.label_combo.activated.connect(self._on_columns_changed)
        self.batch_button.clicked.connect(self.predict_file)
        self.batch_cancel_button.clicked.connect(self.cancel_batch)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.export_button.clicked.connect(self._choose_export)
        self.workspace.changed.connect(self._on_workspace_changed)
        self.state.inference.changed.connect(self._on_reading_changed)

    def shutdown(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self.ray_run.shutdown()
        self._tasks.shutdown()
        self.results.shutdown()

    # -- loading --------------------------------------------------------------------------
    @Slot()
    def _choose_file(self) -> None:
        start = str(self.state.settings.value("last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Predict a file", start, DATA_FILTER)
        if path:
            self.state.settings.setValue("last_dir", str(Path(path).parent))
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Read ``path`` in the background; the columns are then offered for batch prediction."""
        self._start_load(functools.partial(load_batch_file, path), f"Reading {Path(path).name}…")

    @Slot()
    def use_dataset(self) -> None:
        """Take the workspace's rows as they are now (an open project: its current labels)."""
        dataset = self.workspace.dataset
        if dataset is None:
            return
        source = WORKSPACE_SOURCES.get(self.workspace.source, "the Dataset tab")
        session = self.workspace.session
        ids = list(session.ids) if session is not None else None  # for Relabel
        fn = functools.partial(from_workspace, dataset, source, self.workspace.version, ids)
        self._start_load(fn, f"Taking {source}'s rows…")

    @Slot(int)
    def _on_columns_changed(self, _index: int = 0) -> None:
        if self.batch_data is None:
            return
        fn = functools.partial(
            recolumn_batch,
            self.batch_data,
            self.text_combo.currentText(),
            self.label_combo.currentData() or "",
        )
        self._start_load(fn, "Reading the columns…")

    def _start_load(self, fn: Any, message: str) -> None:
        if self._load_task is not None:
            self._load_task.cancel()
        task = self._load_task = self._tasks.start(fn, "batch load")
        task.on_progress(self._on_load_progress).on_result(self._on_loaded)
        task.on_failed(self._on_load_failed).on_cancelled(self._on_load_cancelled)
        task.on_finished(functools.partial(self._on_load_finished, task))
        # Not batch_job_progress.start: a batch job may still be running and keeps its clock.
        self.batch_status.setText(message)
        self.batch_progress.setRange(0, 0)
        self.batch_progress.setVisible(True)
        self.batch_cancel_button.setEnabled(True)
        self.batch_button.setEnabled(False)

    def _show_batch_data(self, data: BatchData) -> None:
        self.batch_data = data
        report = data.dataset.report
        columns = [str(c) for c in report.columns]
        self.text_combo.clear()
        self.text_combo.addItems(columns)
        self.text_combo.setCurrentIndex(max(0, self.text_combo.findText(report.text_column)))
        self.label_combo.clear()
        self.label_combo.addItem(NO_LABEL, "")
        for column in columns:
            self.label_combo.addItem(column, column)
        self.label_combo.setCurrentIndex(
            max(0, self.label_combo.findData(report.label_column or ""))
        )
        # A folder or an NLTK corpus has no columns to pick.
        self.text_combo.setEnabled(len(columns) > 1)
        self.label_combo.setEnabled(len(columns) > 1)
        self.file_label.setToolTip(data.source)
        self._show_file_label(self._changed_since(data))
        self.batch_button.setEnabled(bool(data.texts))
        self.batch_status.setText("Ready: press Predict file.")

    def _show_file_label(self, changed_since: bool = False) -> None:
        data = self.batch_data
        if data is None:
            return
        name = data.source if data.source.startswith(("nltk:", "the ")) else Path(data.source).name
        labelled = sum(1 for v in data.labels or [] if v is not None)
        text = f"{name}: {len(data.texts):,} texts" + (
            f", {labelled:,} with a label" if data.labels else ""
        )
        if changed_since:
            text += " (changed since: press Use Dataset tab data for the current rows)"
        self.file_label.setText(text)

    # -- predicting -----------------------------------------------------------------------
    @Slot()
    def predict_file(self) -> None:
        """Predict every row of the loaded file with the current model."""
        if self.batch_data is None or not self.batch_data.texts or self._job is not None:
            return
        if self.ray_run.active():
            self.ray_run.start()
            return
        texts = list(self.batch_data.texts)
        labels = list(self.batch_data.labels) if self.batch_data.labels is not None else None
        reading = self.state.inference.job_params()  # Model menu: how long texts are read
        params: dict[str, Any] = {"texts": texts, **reading}
        if labels is not None:
            params["true_labels"] = labels
        if self.batch_data.source_rows is not None:
            params["source_rows"] = list(self.batch_data.source_rows)  # for the export
        data = self.batch_data
        job = self._job = self.service.submit("predict_batch", params)
        job.on_started(self._on_batch_started).on_progress(self.batch_job_progress.show_report)
        job.on_result(functools.partial(self._on_batch_result, data, reading))
        job.on_failed(self._on_batch_failed).on_cancelled(self._on_batch_cancelled)
        job.on_finished(self._on_batch_finished)
        self.batch_button.setEnabled(False)
        self.batch_cancel_button.setEnabled(True)
        self.export_button.setEnabled(False)
        running = self.service.running_job()
        self.batch_job_progress.start(
            f"Waiting for the worker (busy with {running[1]})…" if running else "Starting…",
            total=len(texts),
        )

    @Slot()
    def cancel_batch(self) -> None:
        if self.ray_run.busy:
            self.ray_run.cancel()
        elif self._job is not None:
            self._job.cancel()
            self.batch_status.setText("Cancelling…")
        elif self._load_task is not None:
            self._load_task.cancel()
            self.batch_status.setText("Cancelling…")
        self.batch_cancel_button.setEnabled(False)

    def _show_batch_result(self, data: BatchData, result: dict) -> None:
        texts, labels = data.texts, data.labels
        self.batch_result, self._texts, self._labels = result, texts, labels
        self._result_data = data
        self.results.show_results(PredictionTableModel(texts, result, labels), data.row_ids)
        self._show_summary()

    def _show_summary(self) -> None:
        result = self.batch_result
        if result is None:
            return
        stamp = ModelStamp.of_result(result)
        n = len(result.get("predicted", []))
        text = f"{n:,} texts predicted with {html.escape(stamp.name)}"
        seconds = result.get("seconds")
        if seconds:
            text += f" in {float(seconds):.1f} s"
        text += "."
        accuracy = result.get("accuracy")
        if result.get("score"):
            text += " " + score_html(result["score"])
        elif accuracy is not None:
            labelled = int(result.get("labelled") or 0)
            right = sum(1 for c in result.get("correct") or [] if c)
            text += (
                f" <b>Accuracy {float(accuracy):.1%}</b> ({right:,} of {labelled:,} labelled rows)."
            )
        truncated = sum(1 for t in result.get("truncated") or [] if t)
        if truncated:
            text += f" {truncated:,} texts were longer than the model reads and were truncated."
        chunked = sum(1 for c in result.get("chunks") or [] if int(c) > 1)
        if chunked:
            text += f" {chunked:,} long texts were read whole, in overlapping windows."
        stale = self.state.inference.stale_text(result.get("reading"))
        if stale:
            text += f"<br>⚠ {html.escape(stale)}: press <i>Predict file</i> to predict again."
        for warning in result.get("warnings") or []:
            text += f"<br>⚠ {html.escape(str(warning))}"
        if result.get("warnings") and self.batch_data is not None:
            text += (
                "<br>To rename the file's label values: open it in the Dataset tab, set the "
                "class names there, then press <i>Use Dataset tab data</i> here."
            )
        self.summary_label.setText(text)
        self.export_button.setEnabled(n > 0)

    @Slot(dict)
    def _on_reading_changed(self, _values: dict) -> None:
        """Model ▸ Long texts changed: the summary says the table was read another way."""
        self._show_summary()

    def set_model(self, info: dict[str, Any]) -> None:
        """A model was announced: the results of another model are cleared."""
        if self.batch_result is None:
            return
        stamp = ModelStamp.of_result(self.batch_result)
        if stamp.is_current(info):
            return  # the same model (perhaps just saved)
        self._clear_results()
        self.summary_label.setText(
            f"Another model is now current (<b>{html.escape(model_name(info))}</b>): the "
            f"predictions of {html.escape(stamp.name)} were cleared. Press <i>Predict file</i> "
            "to predict the rows with the current model."
        )
        if self._job is None and self._load_task is None:
            self.batch_status.setText("Ready: press Predict file.")

    def _clear_results(self) -> None:
        self.batch_result, self._texts, self._labels = None, [], None
        self._result_data = None
        self.results.show_results(PredictionTableModel())
        self.export_button.setEnabled(False)

    # -- export ---------------------------------------------------------------------------
    @Slot(int)
    def _on_format_changed(self, _index: int) -> None:
        exact = self.format_combo.currentData() == "jsonl"
        self.protect_check.setEnabled(not exact)
        self.protect_check.setToolTip("JSONL is always written exactly." if exact else PROTECT_TIP)

    @Slot()
    def _choose_export(self) -> None:
        fmt = self.format_combo.currentData()
        start = str(self.state.settings.value("export_dir", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export predictions",
            os.path.join(start, f"predictions.{fmt}"),
            f"{self.format_combo.currentText()} (*.{fmt})",
        )
        if path:
            if not path.lower().endswith(f".{fmt}"):
                path += f".{fmt}"
            self.state.settings.setValue("export_dir", str(Path(path).parent))
            self.export_results(path)

    def export_results(self, path: str) -> None:
        """Write the results table to ``path`` in the chosen format (background thread)."""
        if self.batch_result is None:
            return
        fmt = str(self.format_combo.currentData())
        protect = fmt != "jsonl" and self.protect_check.isChecked()
        data = self._result_data
        fn = functools.partial(
            export_results,
            list(self._texts),
            self.batch_result,
            self._labels,
            path,
            fmt,
            protect,
            dataset=data.dataset if data is not None else None,
            keep_columns=self.keep_columns_check.isChecked(),
        )
        task = self._export_task = self._tasks.start(fn, "export predictions")
        task.on_result(self._on_exported).on_failed(self._on_export_failed)
        task.on_finished(self._on_export_finished)
        self.export_button.setEnabled(False)
        self.batch_status.setText(f"Writing {Path(path).name}…")

    # -- the workspace --------------------------------------------------------------------
    @Slot(dict)
    def _on_workspace_changed(self, change: dict) -> None:
        source = self.workspace.source  # cheap: the rows are read only when the button is pressed
        self.use_dataset_button.setEnabled(bool(source))
        self.use_dataset_button.setToolTip(
            "Predict the open project's rows (with their current labels)"
            if source == "project"
            else "Predict the rows of the data open in the Dataset tab"
            if source
            else "Load a file in the Dataset tab or open a project first"
        )
        if self.batch_data is not None and self._changed_since(self.batch_data):
            self._show_file_label(changed_since=True)

    def _changed_since(self, data: BatchData) -> bool:
        """Whether ``data`` came from the workspace and the workspace changed since."""
        return data.version is not None and data.version != self.workspace.version

    # -- a file: the job's handle (GUI thread) ----------------------------------------------
    def _on_batch_started(self) -> None:
        self.batch_job_progress.job_started("Predicting…")

    def _on_batch_result(self, data: BatchData, reading: dict, payload: object) -> None:
        if not isinstance(payload, dict):
            return
        if not ModelStamp.of_result(payload).is_current(self.state.model_info):
            self.batch_status.setText("The model changed meanwhile: press Predict file again.")
            return
        payload["reading"] = reading  # how the texts were read: marked once that changes
        self._show_batch_result(data, payload)
        self.batch_status.setText("Done.")

    def _on_batch_failed(self, message: str, details: str) -> None:
        self.batch_status.setText("The batch prediction failed.")
        show_error(self, "Predict file", message, details)

    def _on_batch_cancelled(self) -> None:
        self.batch_status.setText("Cancelled: the table shows the previous results.")

    def _on_batch_finished(self) -> None:
        self._job = None
        self._batch_idle()

    def _batch_idle(self) -> None:
        self.batch_job_progress.finish()
        self.batch_cancel_button.setEnabled(False)
        self.batch_button.setEnabled(self.batch_data is not None and bool(self.batch_data.texts))
        self.export_button.setEnabled(self.batch_result is not None)

    # -- reading a file and exporting (background tasks' handles) ---------------------------
    def _on_load_progress(self, report: Progress) -> None:
        if report.total > 0:
            self.batch_progress.setRange(0, report.total)
            self.batch_progress.setValue(min(report.done, report.total))
        if report.text:
            self.batch_status.setText(report.text)

    def _on_loaded(self, payload: object) -> None:
        if isinstance(payload, BatchData):
            self._show_batch_data(payload)

    def _on_load_failed(self, message: str, details: str) -> None:
        self.batch_status.setText("The file could not be read.")
        show_error(self, "Predict file", message, details)

    def _on_load_cancelled(self) -> None:
        self.batch_status.setText("Cancelled.")

    def _on_load_finished(self, task: JobHandle) -> None:
        if task is not self._load_task:
            return  # replaced by a newer load
        self._load_task = None
        if self._job is None:  # Predict file may already have been pressed
            self._batch_idle()

    def _on_exported(self, payload: object) -> None:
        if not isinstance(payload, dict):
            return
        self.last_export = payload
        text = f"Wrote {payload.get('rows', 0):,} rows to {payload.get('path')}"
        if payload.get("protected"):
            text += f" ({payload.get('neutralised_cells', 0):,} cells protected against formulas)"
        self.batch_status.setText(text + ".")
        self.state.message(text)

    def _on_export_failed(self, message: str, details: str) -> None:
        self.batch_status.setText("The export failed.")
        show_error(self, "Export predictions", message, details)

    def _on_export_finished(self) -> None:
        self._export_task = None
        self.export_button.setEnabled(self.batch_result is not None)
