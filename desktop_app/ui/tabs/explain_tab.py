"""Explain tab: LIME word highlighting with stability over k runs, a deletion check, export.

The ``explain`` job runs in the model worker; this tab sends the parameters (the settings row,
``ui/explain/options.py``), follows the progress of the job it submitted, and shows the
explanation dict it gets back in ``ui/explain/result_panel.py`` (see
:mod:`desktop_app.core.explain.explainer` for its keys). The explanation remembers the model
that made it (``result["model"]``): when another model is announced it stays on screen, and
can still be exported, under a banner "from model X (no longer the current model)".
"""

from __future__ import annotations

import functools
import gc
import html
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.explain.options import ExplainOptions
from desktop_app.ui.explain.result_panel import ExplanationPanel
from desktop_app.ui.model_stamp import ModelStamp, model_name
from desktop_app.ui.widgets.job_progress import JobProgress
from desktop_app.ui.widgets.submit_text_edit import SubmitTextEdit

# LIME pulls in scikit-learn and SciPy: their first import holds the GIL for up to half a
# second (extension modules loading), which would freeze the window during the first
# explanation. It is done on a background thread this long after start instead.
WARM_UP_DELAY_MS = 2000


class ExplainTab(QWidget):
    TITLE = "Explain"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("explainTab")
        self.state = state
        self.service = state.service
        self.result: dict[str, Any] | None = None  # the explanation on screen
        self._job: JobHandle | None = None
        self._tasks = TaskRunner("explainTabTasks", self)
        self._shut_down = False
        self._build()
        self._connect()
        self._on_model_changed(state.model_info)
        QTimer.singleShot(WARM_UP_DELAY_MS, self, self._warm_up)

    # -- construction ---------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)

        self.model_label = QLabel()
        self.model_label.setObjectName("explainModelLabel")
        layout.addWidget(self.model_label)

        self.text_edit = SubmitTextEdit("Type or paste a text to explain, then press Ctrl+Enter")
        self.text_edit.setObjectName("explainText")
        self.text_edit.setMaximumHeight(90)
        layout.addWidget(self.text_edit)

        controls = QHBoxLayout()
        self.options = ExplainOptions()
        controls.addWidget(self.options)
        controls.addStretch(1)
        self.explain_button = QPushButton("Explain")
        self.explain_button.setObjectName("explainButton")
        self.explain_button.setToolTip("Explain the text (Ctrl+Enter)")
        self.explain_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("explainCancelButton")
        self.cancel_button.setEnabled(False)
        controls.addWidget(self.explain_button)
        controls.addWidget(self.cancel_button)
        layout.addLayout(controls)

        self.job_progress = JobProgress(
            bar_name="explainProgress", label_name="explainStatus", busy_text="Explaining…"
        )
        self.progress = self.job_progress.bar
        self.status_label = self.job_progress.label
        layout.addWidget(self.job_progress)

        self.panel = ExplanationPanel()
        layout.addWidget(self.panel, 1)

        export_row = QHBoxLayout()
        export_row.addStretch(1)
        self.export_html_button = QPushButton("Export HTML…")
        self.export_html_button.setObjectName("exportHtmlButton")
        self.export_html_button.setToolTip(
            "The highlighted text, the chart, the weights table and an audit record"
        )
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_csv_button.setObjectName("exportCsvButton")
        self.export_csv_button.setToolTip("One row per word with its weights, and the audit record")
        for button in (self.export_html_button, self.export_csv_button):
            button.setEnabled(False)
            export_row.addWidget(button)
        layout.addLayout(export_row)

    def _connect(self) -> None:
        self.text_edit.submitted.connect(self.start_explain)
        self.explain_button.clicked.connect(self.start_explain)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_html_button.clicked.connect(self._choose_html)
        self.export_csv_button.clicked.connect(self._choose_csv)
        self.state.model_changed.connect(self._on_model_changed)
        self.state.explain_requested.connect(self.explain_text)
        self.state.inference.changed.connect(self._on_reading_changed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        # Coming to the tab, the cursor goes to the text box (unless it is already in the tab).
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- public API -----------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """The ``explain`` job's parameters from the text box and the settings row."""
        return {
            "text": self.text_edit.toPlainText(),
            **self.options.values(),
            **self.state.inference.job_params(),  # how long texts are read (Model menu)
        }

    @Slot(str)
    def explain_text(self, text: str) -> None:
        """Put ``text`` in the box and explain it (the Predict tab's "Explain this")."""
        self.text_edit.setPlainText(text)
        self.start_explain()

    @Slot()
    def start_explain(self) -> None:
        params = self.params()
        if not params["text"].strip():
            self.status_label.setText("Type a text to explain first.")
            self.text_edit.setFocus()
            return
        if self._job is not None:
            self._job.cancel()  # the newer request wins
        self._start_preload()
        # Long-lived objects (torch, transformers, scikit-learn, the model) number in the
        # hundreds of thousands; a full cyclic-GC pass over them, triggered by LIME's garbage on
        # the worker thread, holds the GIL for 0.1-1.5 s and freezes the window. Freezing the
        # heap as it is now (O(1)) exempts them from collection; new garbage is still collected.
        gc.freeze()
        job = self._job = self.service.submit("explain", params)
        reading = self.state.inference.job_params()
        job.on_started(self._on_started).on_progress(self.job_progress.show_report)
        job.on_result(functools.partial(self._on_result, reading)).on_failed(self._on_failed)
        job.on_cancelled(self._on_cancelled).on_finished(functools.partial(self._on_finished, job))
        self.explain_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        running = self.service.running_job()
        if running is not None and running[0] != job.id:
            self.job_progress.start(f"Waiting for the worker (busy with {running[1]})…")
        else:
            self.job_progress.start("Starting…")

    @Slot()
    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.status_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def is_running(self) -> bool:
        return self._job is not None

    def show_result(self, result: dict[str, Any]) -> None:
        """Show an explanation dict; one of an earlier model is marked as such."""
        self.result = result
        self.panel.show_result(result)
        self._mark_if_stale(self.state.model_info)
        label = str(result.get("label", ""))
        level = result.get("level", "word")
        what = {"word": "words", "sentence": "sentences", "chunk": "chunks"}.get(level, level)
        predicted = result.get("predicted", label)
        self.status_label.setText(
            f"Explained '{label}' (predicted: {predicted}) by {what}, "
            f"{result.get('runs', '?')} runs × {result.get('num_samples', '?')} samples."
        )
        for button in (self.export_html_button, self.export_csv_button):
            button.setEnabled(True)

    def export_html(self, path: str) -> None:
        """Write the current explanation as HTML (off the GUI thread)."""
        self._export("html", path)

    def export_csv(self, path: str) -> None:
        """Write the current explanation's word weights as CSV (off the GUI thread)."""
        self._export("csv", path)

    def shutdown(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self._shut_down = True
        self.panel.shutdown()
        self._tasks.shutdown()

    # -- model ----------------------------------------------------------------------
    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        self.model_label.setText(f"Model: <b>{html.escape(model_name(info))}</b>")
        labels = [str(x) for x in info.get("labels") or []]
        if labels:
            self.options.set_classes(labels)
        self._mark_if_stale(info)

    @Slot(dict)
    def _on_reading_changed(self, _values: dict) -> None:
        self._mark_if_stale(self.state.model_info)

    def _mark_if_stale(self, info: dict) -> None:
        if self.result is None:
            return
        stamp = ModelStamp.of_result(self.result)
        stale_reading = self.state.inference.stale_text(self.result.get("reading"))
        if not stamp.is_current(info):
            self.panel.mark_stale(
                f"{stamp.stale_text(start=True)}. Press Explain to explain the text with the "
                "current model."
            )
        elif stale_reading:
            self.panel.mark_stale(f"{stale_reading}. Press Explain to explain it so.")
        else:
            self.panel.mark_stale("")

    # -- the explanation's handle (GUI thread) --------------------------------------------
    def _on_started(self) -> None:
        self.job_progress.job_started("Explaining…")

    def _on_result(self, reading: dict, payload: object) -> None:
        if isinstance(payload, dict):
            payload["reading"] = reading  # how the text was read: marked once that changes
            self.show_result(payload)

    def _on_failed(self, message: str, details: str) -> None:
        self.status_label.setText("The explanation failed.")
        show_error(self, "Explain", message, details)

    def _on_cancelled(self) -> None:
        self.status_label.setText("Cancelled.")

    def _on_finished(self, job: JobHandle) -> None:
        if job is self._job:
            self._job = None
            self._idle()

    def _idle(self) -> None:
        self.explain_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.job_progress.finish()

    # -- matplotlib preload and export (background tasks) ---------------------------------
    @Slot()
    def _warm_up(self) -> None:
        if not self._shut_down and "lime.lime_text" not in sys.modules:
            # gc.freeze(): the libraries just imported (see start_explain).
            self._tasks.start(_warm_up_task, "import LIME").on_result(_freeze_heap)

    def _start_preload(self) -> None:
        # The chart's first matplotlib import happens while the worker explains.
        if "matplotlib.backends.backend_agg" not in sys.modules:
            self.panel.preload()

    def _export(self, kind: str, path: str) -> None:
        if self.result is None:
            return
        result = self.result
        task = self._tasks.start(_ExportTask(kind, result, path), f"export {kind}")
        task.on_result(self._on_exported).on_failed(self._on_export_failed)
        self.status_label.setText(f"Exporting to {path}…")

    @Slot()
    def _choose_html(self) -> None:
        path = self._save_path("Export explanation as HTML", "HTML (*.html)", ".html")
        if path:
            self.export_html(path)

    @Slot()
    def _choose_csv(self) -> None:
        path = self._save_path("Export word weights as CSV", "CSV (*.csv)", ".csv")
        if path:
            self.export_csv(path)

    def _save_path(self, title: str, file_filter: str, suffix: str) -> str:
        start = str(self.state.settings.value("export_dir", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(
            self, title, str(Path(start) / f"explanation{suffix}"), file_filter
        )
        if path and not path.lower().endswith(suffix):
            path += suffix
        if path:
            self.state.settings.setValue("export_dir", str(Path(path).parent))
        return path

    def _on_exported(self, path: object) -> None:
        self.status_label.setText(f"Exported to {path}.")
        self.state.message(f"Explanation exported to {path}")

    def _on_export_failed(self, message: str, details: str) -> None:
        self.status_label.setText("The export failed.")
        show_error(self, "Export", message, details)


def _freeze_heap(_result: object) -> None:
    gc.freeze()


def _warm_up_task(ctx: Any) -> None:
    from desktop_app.core.imports import heavy_imports
    from desktop_app.ui.chart_images import preload_matplotlib

    with heavy_imports():
        import lime.lime_text  # noqa: F401 - imports scikit-learn and SciPy
    preload_matplotlib()


class _ExportTask:
    """Writes one export on the background thread; returns the path written."""

    def __init__(self, kind: str, result: dict[str, Any], path: str) -> None:
        self.kind, self.result, self.path = kind, result, path

    def __call__(self, ctx: Any) -> str:
        from desktop_app.core.explain.export import write_csv, write_html

        if self.kind == "html":
            return write_html(self.result, self.path)
        return write_csv(self.result, self.path)
