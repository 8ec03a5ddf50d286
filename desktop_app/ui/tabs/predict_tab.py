"""Predict tab: one text at a time (label, a bar per class, history) and whole files in batch.

Predictions run in the model worker (jobs ``predict`` and ``predict_batch``); loading the
batch file and writing the export run on a background :class:`TaskRunner`. The tab keeps
the ids of the jobs and tasks it started and ignores every other signal.
"""

from __future__ import annotations

import functools
import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs import JobContext, Progress
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.widgets.job_progress import JobProgress
from desktop_app.ui.widgets.prediction_table import PredictionTableModel
from desktop_app.ui.widgets.probability_bars import ProbabilityBars
from desktop_app.ui.widgets.submit_text_edit import SubmitTextEdit

HISTORY_SIZE = 20
NO_LABEL = "(no label column)"
EXPORT_FORMATS = (("CSV", "csv"), ("XLSX", "xlsx"), ("JSONL", "jsonl"))
DATA_FILTER = (
    "Data files (*.csv *.tsv *.txt *.json *.jsonl *.xlsx *.parquet *.neg *.pos);;All files (*)"
)
DEFAULT_MODEL = "VADER (built-in lexicon, until a model is trained or loaded)"


@dataclass
class BatchData:
    """A file read for batch prediction: the dataset and its texts / true labels as lists."""

    dataset: Any  # desktop_app.core.data.dataset.Dataset
    source: str
    texts: list[str]
    labels: list[str | None] | None  # None when no label column is picked


# -- background tasks (TaskRunner thread; no Qt) -------------------------------------------
def _batch_data(dataset: Any, source: str) -> BatchData:
    frame = dataset.frame
    texts = frame["text"].astype(str).tolist()
    labels = None
    if dataset.report.label_column:
        labels = [None if v is None or v != v else str(v) for v in frame["label"].tolist()]
        if all(v is None for v in labels):
            labels = None
    return BatchData(dataset, source, texts, labels)


def load_batch_file(path: str, ctx: JobContext) -> BatchData:
    """Read ``path`` with the Dataset tab's loader (encoding, delimiter, columns detected)."""
    from desktop_app.core.data.dataset import load_dataset

    dataset = load_dataset(path, None, ctx=ctx)
    ctx.check_cancelled()
    return _batch_data(dataset, path)


def recolumn_batch(
    data: BatchData, text_column: str, label_column: str, ctx: JobContext
) -> BatchData:
    dataset = data.dataset.with_columns(text_column, label_column or "")
    ctx.check_cancelled()
    return _batch_data(dataset, data.source)


def from_dataset(dataset: Any, ctx: JobContext) -> BatchData:
    return _batch_data(dataset, "the Dataset tab")


def export_results(
    texts: list[str],
    result: dict,
    true_labels: list | None,
    path: str,
    fmt: str,
    protect: bool,
    ctx: JobContext,
) -> dict:
    from desktop_app.core.data.export import write_table
    from desktop_app.core.predict.batch import results_rows

    rows = results_rows(texts, result, true_labels)
    ctx.check_cancelled()
    return write_table(rows, path, protect_formulas=protect, format=fmt)


class PredictTab(QWidget):
    TITLE = "Predict"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("predictTab")
        self.state = state
        self.service = state.service
        self._predict_job: JobHandle | None = None
        self._batch_job: JobHandle | None = None
        self._batch_texts: list[str] = []
        self._batch_labels: list | None = None
        self.batch_data: BatchData | None = None
        self.batch_result: dict | None = None
        self.last_export: dict | None = None
        self._tasks = TaskRunner("predictTabTasks", self)
        self._load_task: JobHandle | None = None
        self._export_task: JobHandle | None = None
        self._build()
        self._connect()
        self._on_model_changed(state.model_info)
        self._on_dataset_changed(state.dataset)

    # -- construction ---------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.model_label = QLabel()
        self.model_label.setObjectName("predictModelLabel")
        layout.addWidget(self.model_label)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("predictSplitter")
        splitter.addWidget(self._build_single())
        splitter.addWidget(self._build_batch())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)

    def _build_single(self) -> QWidget:
        group = QGroupBox("One text")
        row = QHBoxLayout(group)

        left = QVBoxLayout()
        self.text_edit = SubmitTextEdit("Type or paste a review, then press Ctrl+Enter")
        self.text_edit.setObjectName("predictText")
        left.addWidget(self.text_edit, 1)
        buttons = QHBoxLayout()
        self.predict_button = QPushButton("Predict")
        self.predict_button.setObjectName("predictButton")
        self.predict_button.setToolTip("Predict the text's sentiment (Ctrl+Enter)")
        self.explain_button = QPushButton("Explain this…")
        self.explain_button.setObjectName("explainThisButton")
        self.explain_button.setToolTip(
            "Open the text in the Explain tab and explain it with LIME (Ctrl+E)"
        )
        explain_shortcut = QShortcut(QKeySequence("Ctrl+E"), group)
        explain_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        explain_shortcut.activated.connect(self.explain_current)
        buttons.addWidget(self.predict_button)
        buttons.addWidget(self.explain_button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        row.addLayout(left, 3)

        middle = QVBoxLayout()
        self.result_label = QLabel("—")
        self.result_label.setObjectName("predictResultLabel")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setWordWrap(True)
        middle.addWidget(self.result_label)
        self.prob_bars = ProbabilityBars()
        self.prob_bars.setObjectName("predictProbabilities")
        middle.addWidget(self.prob_bars)
        self.truncated_label = QLabel()
        self.truncated_label.setObjectName("predictTruncatedLabel")
        self.truncated_label.setWordWrap(True)
        self.truncated_label.setVisible(False)
        middle.addWidget(self.truncated_label)
        middle.addStretch(1)
        row.addLayout(middle, 2)

        right = QVBoxLayout()
        right.addWidget(QLabel("Recent predictions (click to restore):"))
        self.history = QListWidget()
        self.history.setObjectName("predictHistory")
        self.history.setToolTip("Your last predictions; click one to bring it back")
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setTextElideMode(Qt.TextElideMode.ElideRight)
        right.addWidget(self.history, 1)
        row.addLayout(right, 2)
        return group

    def _build_batch(self) -> QWidget:
        group = QGroupBox("A whole file")
        layout = QVBoxLayout(group)

        top = QHBoxLayout()
        self.open_button = QPushButton("Open file…")
        self.open_button.setObjectName("batchOpenButton")
        self.open_button.setToolTip("Read a CSV, TSV, XLSX, JSON(L), Parquet or text file")
        self.use_dataset_button = QPushButton("Use Dataset tab data")
        self.use_dataset_button.setObjectName("batchUseDatasetButton")
        self.use_dataset_button.setToolTip("Predict the rows of the data open in the Dataset tab")
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

        self.table = QTableView()
        self.table.setObjectName("batchTable")
        self.table.setModel(PredictionTableModel())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        layout.addWidget(self.table, 1)

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
        self.protect_check.setToolTip(
            "Cells starting with =, +, - or @ get a leading ' so a spreadsheet shows them as "
            "text instead of running them. This changes such texts (for example '@user …'). "
            "JSONL is always written exactly."
        )
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("batchExportButton")
        self.export_button.setEnabled(False)
        bottom.addWidget(QLabel("Export as:"))
        bottom.addWidget(self.format_combo)
        bottom.addWidget(self.protect_check)
        bottom.addWidget(self.export_button)
        layout.addLayout(bottom)
        return group

    def _connect(self) -> None:
        self.text_edit.submitted.connect(self.predict)
        self.predict_button.clicked.connect(self.predict)
        self.explain_button.clicked.connect(self.explain_current)
        self.history.itemClicked.connect(self._restore_history)
        self.open_button.clicked.connect(self._choose_file)
        self.use_dataset_button.clicked.connect(self.use_dataset)
        self.text_combo.activated.connect(self._on_columns_changed)
        self.label_combo.activated.connect(self._on_columns_changed)
        self.batch_button.clicked.connect(self.predict_file)
        self.batch_cancel_button.clicked.connect(self.cancel_batch)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.export_button.clicked.connect(self._choose_export)
        self.state.model_changed.connect(self._on_model_changed)
        self.state.dataset_changed.connect(self._on_dataset_changed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        # Coming to the tab, the cursor goes to the text box (unless it is already in the tab).
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- one text -------------------------------------------------------------------
    @Slot()
    def predict(self) -> None:
        """Predict the text in the box (Ctrl+Enter)."""
        text = self.text_edit.toPlainText()
        if not text.strip():
            self.result_label.setText("Type a text first.")
            return
        if self._predict_job is not None:
            self._predict_job.cancel()
        job = self._predict_job = self.service.submit("predict", {"texts": [text]})
        job.on_result(functools.partial(self._on_predicted, text))
        job.on_failed(self._on_predict_failed)
        job.on_finished(functools.partial(self._on_predict_finished, job))
        self.predict_button.setEnabled(False)
        running = self.service.running_job()
        busy = f" (waiting: the worker is busy with {running[1]})" if running else ""
        self.result_label.setText(f"Predicting…{busy}")

    @Slot()
    def explain_current(self) -> None:
        """Send the text to the Explain tab and explain it there."""
        text = self.text_edit.toPlainText()
        if not text.strip():
            self.result_label.setText("Type a text first.")
            return
        self.state.show_tab.emit("explainTab")
        self.state.explain_requested.emit(text)

    def show_prediction(self, text: str, result: dict, row: int = 0) -> None:
        labels = [str(x) for x in result.get("labels", [])]
        probs = [float(p) for p in result["probabilities"][row]]
        predicted = str(result["predicted"][row])
        confidence = max(probs) if probs else 0.0
        self.result_label.setText(
            f"<span style='font-size:x-large; font-weight:bold'>{html.escape(predicted)}</span>"
            f"&nbsp; {confidence:.1%} confident"
        )
        self.prob_bars.set_probabilities(labels, probs, marked=predicted)
        truncated = bool((result.get("truncated") or [False])[row])
        limit = self.state.model_info.get("max_length")
        self.truncated_label.setText(
            "⚠ This text is longer than the model reads"
            + (f" ({limit} tokens)" if limit else "")
            + ": only its beginning was used."
        )
        self.truncated_label.setVisible(truncated)

    def prediction(self) -> str:
        """The label shown for the last prediction ("" before the first)."""
        bars = self.prob_bars.bars()
        return max(bars, key=bars.get) if bars else ""

    def _add_history(self, text: str, result: dict) -> None:
        predicted = str(result["predicted"][0])
        confidence = max(float(p) for p in result["probabilities"][0])
        short = " ".join(text.split())
        short = short if len(short) <= 60 else short[:59] + "…"
        item = QListWidgetItem(f"{predicted} {confidence:.1%} · {short}")
        item.setData(Qt.ItemDataRole.UserRole, (text, result))
        item.setToolTip(text[:1000])
        self.history.insertItem(0, item)
        while self.history.count() > HISTORY_SIZE:
            self.history.takeItem(self.history.count() - 1)

    @Slot(QListWidgetItem)
    def _restore_history(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            text, result = data
            self.text_edit.setPlainText(text)
            self.show_prediction(text, result)

    # -- batch: loading -----------------------------------------------------------------
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
        if self.state.dataset is not None:
            self._start_load(
                functools.partial(from_dataset, self.state.dataset),
                "Taking the Dataset tab's rows…",
            )

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
        name = data.source if data.source.startswith(("nltk:", "the ")) else Path(data.source).name
        labelled = sum(1 for v in data.labels or [] if v is not None)
        self.file_label.setText(
            f"{name}: {len(data.texts):,} texts"
            + (f", {labelled:,} with a label" if data.labels else "")
        )
        self.file_label.setToolTip(data.source)
        self.batch_button.setEnabled(bool(data.texts))
        self.batch_status.setText("Ready: press Predict file.")

    # -- batch: predicting ------------------------------------------------------------------
    @Slot()
    def predict_file(self) -> None:
        """Predict every row of the loaded file with the current model."""
        if self.batch_data is None or not self.batch_data.texts:
            return
        if self._batch_job is not None:
            return
        self._batch_texts = list(self.batch_data.texts)
        self._batch_labels = (
            list(self.batch_data.labels) if self.batch_data.labels is not None else None
        )
        params: dict[str, Any] = {"texts": self._batch_texts}
        if self._batch_labels is not None:
            params["true_labels"] = self._batch_labels
        job = self._batch_job = self.service.submit("predict_batch", params)
        job.on_started(self._on_batch_started).on_progress(self.batch_job_progress.show_report)
        job.on_result(self._on_batch_result).on_failed(self._on_batch_failed)
        job.on_cancelled(self._on_batch_cancelled).on_finished(self._on_batch_finished)
        self.batch_button.setEnabled(False)
        self.batch_cancel_button.setEnabled(True)
        self.export_button.setEnabled(False)
        running = self.service.running_job()
        self.batch_job_progress.start(
            f"Waiting for the worker (busy with {running[1]})…" if running else "Starting…",
            total=len(self._batch_texts),
        )

    @Slot()
    def cancel_batch(self) -> None:
        if self._batch_job is not None:
            self._batch_job.cancel()
            self.batch_status.setText("Cancelling…")
        elif self._load_task is not None:
            self._load_task.cancel()
            self.batch_status.setText("Cancelling…")
        self.batch_cancel_button.setEnabled(False)

    def _show_batch_result(self, result: dict) -> None:
        self.batch_result = result
        model = PredictionTableModel(self._batch_texts, result, self._batch_labels, self.table)
        old = self.table.model()
        self.table.setModel(model)
        if old is not None:
            old.deleteLater()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for col in range(1, model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.resizeColumnToContents(col)  # looks at the first rows only
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the text gets the rest
        n = len(result.get("predicted", []))
        parts = [f"{n:,} texts predicted"]
        seconds = result.get("seconds")
        if seconds:
            parts.append(f"in {float(seconds):.1f} s")
        text = " ".join(parts) + "."
        accuracy = result.get("accuracy")
        if accuracy is not None:
            labelled = int(result.get("labelled") or 0)
            right = sum(1 for c in result.get("correct") or [] if c)
            text += (
                f" <b>Accuracy {float(accuracy):.1%}</b> ({right:,} of {labelled:,} labelled rows)."
            )
        truncated = sum(1 for t in result.get("truncated") or [] if t)
        if truncated:
            text += f" {truncated:,} texts were longer than the model reads and were truncated."
        for warning in result.get("warnings") or []:
            text += f"<br>⚠ {html.escape(str(warning))}"
        if result.get("warnings") and self.batch_data is not None:
            text += (
                "<br>To rename the file's label values: open it in the Dataset tab, set the "
                "class names there, then press <i>Use Dataset tab data</i> here."
            )
        self.summary_label.setText(text)
        self.export_button.setEnabled(n > 0)

    # -- batch: export ------------------------------------------------------------------
    @Slot(int)
    def _on_format_changed(self, _index: int) -> None:
        exact = self.format_combo.currentData() == "jsonl"
        self.protect_check.setEnabled(not exact)
        self.protect_check.setToolTip(
            "JSONL is always written exactly."
            if exact
            else "Cells starting with =, +, - or @ get a leading ' so a spreadsheet shows them "
            "as text instead of running them. This changes such texts (for example '@user …')."
        )

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
        fn = functools.partial(
            export_results,
            list(self._batch_texts),
            self.batch_result,
            self._batch_labels,
            path,
            fmt,
            protect,
        )
        task = self._export_task = self._tasks.start(fn, "export predictions")
        task.on_result(self._on_exported).on_failed(self._on_export_failed)
        task.on_finished(self._on_export_finished)
        self.export_button.setEnabled(False)
        self.batch_status.setText(f"Writing {Path(path).name}…")

    # -- shutdown ---------------------------------------------------------------------
    def shutdown(self) -> None:
        for job in (self._predict_job, self._batch_job):
            if job is not None:
                job.cancel()
        self._tasks.shutdown()

    # -- model and dataset ------------------------------------------------------------------
    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        name = html.escape(str(info.get("name") or DEFAULT_MODEL))
        labels = ", ".join(str(x) for x in info.get("labels") or [])
        limit = info.get("max_length")
        extra = []
        if labels:
            extra.append(f"classes: {html.escape(labels)}")
        if limit:
            extra.append(f"reads up to {limit} tokens; longer texts are truncated")
        self.model_label.setText(
            f"Model: <b>{name}</b>" + (f" &nbsp;({'; '.join(extra)})" if extra else "")
        )

    @Slot(object)
    def _on_dataset_changed(self, dataset: object) -> None:
        self.use_dataset_button.setEnabled(dataset is not None)

    # -- one text: the job's handle (GUI thread) ------------------------------------------
    def _on_predicted(self, text: str, payload: object) -> None:
        if isinstance(payload, dict) and payload.get("predicted"):
            self.show_prediction(text, payload)
            self._add_history(text, payload)

    def _on_predict_failed(self, message: str, details: str) -> None:
        self.result_label.setText("The prediction failed.")
        show_error(self, "Predict", message, details)

    def _on_predict_finished(self, job: JobHandle) -> None:
        if job is self._predict_job:
            self._predict_job = None
            self.predict_button.setEnabled(True)

    # -- a file: the job's handle (GUI thread) ----------------------------------------------
    def _on_batch_started(self) -> None:
        self.batch_job_progress.job_started("Predicting…")

    def _on_batch_result(self, payload: object) -> None:
        if isinstance(payload, dict):
            self._show_batch_result(payload)
            self.batch_status.setText("Done.")

    def _on_batch_failed(self, message: str, details: str) -> None:
        self.batch_status.setText("The batch prediction failed.")
        show_error(self, "Predict file", message, details)

    def _on_batch_cancelled(self) -> None:
        self.batch_status.setText("Cancelled: the table shows the previous results.")

    def _on_batch_finished(self) -> None:
        self._batch_job = None
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
        if self._batch_job is None:  # Predict file may already have been pressed
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
