"""The file panel's Ray runs: "Run on: Ray cluster…" predicts the opened file on Ray Data
(``core.scale.predict.predict_files``) and writes Parquet; the panel shows its first rows and
the output path.

The Ray driver runs in a child process (``core.scale.detached``: Ray's connection holds the
GIL, which would freeze the window), supervised from this module's own :class:`TaskRunner`
thread, never the GUI thread or the model worker (which stays free for single predictions).
A run holds Ray for its own length: a local instance is started and stopped by the child, and
Cancel stops the pipeline and every worker (``predict_files`` raises ``Cancelled`` after
leaving its Ray session).

The workers load the model from its folder (shipped through Ray's object store), so the
current model must have been saved or loaded from a folder (VADER needs none).
"""

from __future__ import annotations

import functools
import html
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import UserError
from desktop_app.core.jobs import JobContext
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.model_stamp import ModelStamp, model_name
from desktop_app.ui.widgets.engine_box import EngineBox

if TYPE_CHECKING:
    from desktop_app.ui.predict.file_panel import FilePredictPanel

NOT_A_FILE = (
    "A Ray run reads the file itself: open a file with Open file… (the Dataset tab's rows, "
    "a project and NLTK corpora are predicted on this computer)."
)
NOT_SAVED = (
    "Ray workers load the model from its folder: save it first (Training tab, Save model…), "
    "or load a saved model."
)


def predict_on_ray(
    model_spec: str,
    data: str,
    out: str,
    settings: dict[str, Any],
    text_column: str | None,
    label_column: str,
    predict_options: dict[str, Any],
    ctx: JobContext,
) -> dict[str, Any]:
    """The Ray run (background thread): ``predict_files``' summary, plain data. The driver
    runs in a child process: connecting to Ray would hold this process's GIL (the window's)
    for about a second, and Ray's driver threads keep taking it."""
    from desktop_app.core.scale.cluster import RaySettings
    from desktop_app.core.scale.detached import run_detached

    kwargs = {
        "model_spec": model_spec,
        "data": data,
        "out": out,
        "settings": RaySettings.from_dict(settings),
        "text_column": text_column,
        "label_column": label_column,
        "predict_options": predict_options,
    }
    return run_detached("desktop_app.core.scale.predict:predict_files", kwargs, ctx)


def default_output(source: str) -> str:
    """``/data/reviews.csv`` -> ``/data/reviews.predictions.parquet``."""
    path = Path(source)
    return str(path.with_name(f"{path.stem}.predictions.parquet"))


def model_spec(info: dict[str, Any]) -> str:
    """What the workers load: ``vader`` or the current model's folder (UserError if unsaved)."""
    if info.get("kind") == "vader":
        return "vader"
    folder = info.get("folder")
    if not folder or info.get("saved") is False or not os.path.isdir(str(folder)):
        raise UserError(NOT_SAVED)
    return str(folder)


def cell_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "" if value is None else str(value)


class RayResultView(QWidget):
    """What a Ray run wrote: the output path and figures, and its first rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rayResult")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary_label = QLabel("Ray runs write every row to a Parquet file.")
        self.summary_label.setObjectName("rayResultSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary_label)
        self.table = QTableView()
        self.table.setObjectName("rayPreviewTable")
        self.table.setModel(QStandardItemModel(self.table))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        layout.addWidget(self.table, 1)

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        model = QStandardItemModel(self.table)
        columns = list(rows[0]) if rows else []
        model.setHorizontalHeaderLabels(columns)
        for row in rows:
            model.appendRow([QStandardItem(cell_text(row.get(c))) for c in columns])
        old = self.table.model()
        self.table.setModel(model)
        if old is not None:
            old.deleteLater()
        if "text" in columns:
            self.table.setColumnWidth(columns.index("text"), 360)

    def clear(self, text: str) -> None:
        self.show_rows([])
        self.summary_label.setText(text)


class RayFileRun(QObject):
    """The panel's Ray part: the engine box, the output path, the run and its result."""

    def __init__(self, panel: FilePredictPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.state = panel.state
        self.job: JobHandle | None = None
        self.summary: dict[str, Any] | None = None
        self.stamp = ModelStamp()
        self._tasks = TaskRunner("predictRayTasks", self)
        self.box = EngineBox(self.state.settings, "predict", panel)
        self.out_edit = QLineEdit()
        self.out_edit.setObjectName("rayOutPath")
        self.out_edit.setPlaceholderText("next to the file: NAME.predictions.parquet")
        self.out_edit.setToolTip(
            "The Parquet file the run writes (every row: source_row, text, predicted, "
            "confidence, p_<label>, …)"
        )
        browse = QPushButton("Browse…")
        browse.setObjectName("rayOutBrowse")
        browse.clicked.connect(self._choose_output)
        row = QHBoxLayout()
        row.addWidget(self.out_edit, 1)
        row.addWidget(browse)
        self.box.add_row("Output:", row)
        self.result_view = RayResultView(panel)
        self.box.changed.connect(self._on_engine_changed)
        self.state.model_changed.connect(self._on_model_changed)
        self._on_engine_changed()

    # -- the engine -----------------------------------------------------------------------
    def active(self) -> bool:
        """Whether Predict file goes to Ray."""
        return self.box.uses_ray()

    @property
    def busy(self) -> bool:
        return self.job is not None

    @Slot()
    def _on_engine_changed(self) -> None:
        ray = self.active()
        self.result_view.setVisible(ray)
        results = getattr(self.panel, "results", None)  # the local table (built after us)
        if results is not None:
            results.setVisible(not ray)

    @Slot()
    def _choose_output(self) -> None:
        start = self.output_path() or str(Path.home())
        path, _ = QFileDialog.getSaveFileName(
            self.panel, "Write the predictions to", start, "Parquet (*.parquet)"
        )
        if path:
            self.out_edit.setText(path if path.endswith(".parquet") else f"{path}.parquet")

    def output_path(self) -> str:
        text = self.out_edit.text().strip()
        data = self.panel.batch_data
        if text or data is None or not os.path.isfile(data.source):
            return os.path.expanduser(text)
        return default_output(data.source)

    # -- a run ----------------------------------------------------------------------------
    def start(self) -> None:
        """Predict the panel's file on Ray with the current model."""
        panel = self.panel
        data = panel.batch_data
        if self.job is not None or data is None:
            return
        try:
            if not os.path.isfile(data.source):
                raise UserError(NOT_A_FILE)
            spec = model_spec(self.state.model_info)
            settings = self.box.ray_settings().checked()
        except UserError as exc:
            panel.batch_status.setText(str(exc))
            show_error(panel, "Predict file on Ray", str(exc))
            return
        out = self.output_path()
        fn = functools.partial(
            predict_on_ray,
            spec,
            data.source,
            out,
            settings.to_dict(),
            panel.text_combo.currentText() or None,
            str(panel.label_combo.currentData() or ""),
            # How long texts are read; Ray workers predict in fp32 whatever the Model menu's
            # precision says (as `predict --engine ray` does).
            {"long_text": self.state.inference.long_text},
        )
        self.stamp = ModelStamp.of_info(self.state.model_info)
        job = self.job = self._tasks.start(fn, "ray predict")
        job.on_progress(panel.batch_job_progress.show_report).on_result(self._on_result)
        job.on_failed(self._on_failed).on_cancelled(self._on_cancelled)
        job.on_finished(self._on_finished)
        self.box.set_busy(True)
        panel.batch_button.setEnabled(False)
        panel.batch_cancel_button.setEnabled(True)
        panel.batch_job_progress.start(f"Starting {self.box.where()}…")
        self.result_view.summary_label.setText(
            f"Predicting {html.escape(Path(data.source).name)} on {self.box.where()}; "
            f"writing {html.escape(out)}…"
        )

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.panel.batch_status.setText("Cancelling: stopping the Ray workers…")

    def shutdown(self) -> None:
        self._tasks.shutdown(timeout_ms=60000)
        self.box.shutdown()

    # -- the run's handle (GUI thread) ----------------------------------------------------
    def _on_result(self, payload: object) -> None:
        if not isinstance(payload, dict):
            return
        self.summary = payload
        self.result_view.show_rows(list(payload.get("preview") or []))
        self.result_view.summary_label.setText(self._summary_text(payload))
        self.panel.batch_status.setText("Done.")

    def _summary_text(self, summary: dict[str, Any]) -> str:
        output = summary.get("output") or {}
        speed = summary.get("rows_per_second") or 0.0
        workers = int(summary.get("workers") or 1)
        text = (
            f"Wrote {int(summary.get('rows') or 0):,} rows to "
            f"<b>{html.escape(str(output.get('path')))}</b> (Parquet) with "
            f"{html.escape(self.stamp.name)} on {workers} Ray worker{'' if workers == 1 else 's'}"
            f" in {float(summary.get('seconds') or 0):.1f} s ({speed:,.0f} rows/s)."
        )
        accuracy = summary.get("accuracy")
        if accuracy is not None:
            text += (
                f" <b>Accuracy {float(accuracy):.1%}</b> on "
                f"{int(summary.get('labelled') or 0):,} labelled rows."
            )
        skipped = ", ".join(f"{n:,} {why}" for why, n in (summary.get("skipped") or {}).items())
        if skipped:
            text += f" Left out: {html.escape(skipped)}."
        for line in list(summary.get("notes") or []) + list(summary.get("warnings") or []):
            text += f"<br>⚠ {html.escape(str(line))}"
        shown = len(summary.get("preview") or [])
        if shown:
            text += f"<br>The first {shown:,} rows:"
        return text

    def _on_failed(self, message: str, details: str) -> None:
        self.panel.batch_status.setText("The Ray run failed.")
        self.result_view.summary_label.setText(html.escape(message))
        show_error(self.panel, "Predict file on Ray", message, details)

    def _on_cancelled(self) -> None:
        self.panel.batch_status.setText("Cancelled: the Ray workers were stopped.")
        self.result_view.summary_label.setText("Cancelled: no output was written.")

    def _on_finished(self) -> None:
        self.job = None
        panel = self.panel
        self.box.set_busy(False)
        panel.batch_job_progress.finish()
        panel.batch_cancel_button.setEnabled(False)
        panel.batch_button.setEnabled(panel.batch_data is not None and bool(panel.batch_data.texts))

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        """The Parquet file stays; its summary says which model wrote it."""
        if self.summary is None or self.stamp.is_current(info):
            return
        self.result_view.summary_label.setText(
            self._summary_text(self.summary)
            + f"<br>⚠ {html.escape(self.stamp.stale_text(start=True))}; the current model is "
            f"{html.escape(model_name(info))}."
        )
