"""Explain tab: LIME word highlighting with stability over k runs, a deletion check, export.

The ``explain`` job runs in the model worker; this tab only sends the parameters, follows
the progress of the job it submitted, and shows the explanation dict it gets back (see
:mod:`desktop_app.core.explain.explainer` for its keys).
"""

from __future__ import annotations

import functools
import gc
import html
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QIntValidator, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.widgets.highlighted_text import HighlightedTextView, legend_html
from desktop_app.ui.widgets.job_progress import JobProgress
from desktop_app.ui.widgets.probability_bars import ProbabilityBars
from desktop_app.ui.widgets.submit_text_edit import SubmitTextEdit
from desktop_app.ui.widgets.word_chart import WordWeightChart

SAMPLE_PRESETS = (500, 1000, 2000, 5000)
DEFAULT_SAMPLES = 1000
DEFAULT_FEATURES = 10
DEFAULT_RUNS = 3
PREDICTED = "Predicted class"
# LIME pulls in scikit-learn and SciPy: their first import holds the GIL for up to half a
# second (extension modules loading), which would freeze the window during the first
# explanation. It is done on a background thread this long after start instead.
WARM_UP_DELAY_MS = 2000
STABILITY_HEADERS = ("Word", "Mean weight", "SD", "Sign agreement", "Stable")


class _SortableItem(QTableWidgetItem):
    """Sorts by the number in UserRole when there is one (weights, sd, agreement)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        # Not super().__lt__: PySide dispatches it back to this override.
        return self.text().casefold() < other.text().casefold()


class ExplainTab(QWidget):
    TITLE = "Explain"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("explainTab")
        self.state = state
        self.service = state.service
        self.result: dict[str, Any] | None = None
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
        self.samples_combo = QComboBox()
        self.samples_combo.setObjectName("samplesCombo")
        self.samples_combo.setEditable(True)
        self.samples_combo.setValidator(QIntValidator(50, 100_000, self))
        for preset in SAMPLE_PRESETS:
            self.samples_combo.addItem(str(preset))
        self.samples_combo.setCurrentText(str(DEFAULT_SAMPLES))
        self.samples_combo.setToolTip(
            "Perturbed texts LIME draws per run: more samples, steadier weights, slower"
        )
        self.features_spin = QSpinBox()
        self.features_spin.setObjectName("featuresSpin")
        self.features_spin.setRange(0, 100)
        self.features_spin.setSpecialValueText("all")
        self.features_spin.setValue(DEFAULT_FEATURES)
        self.features_spin.setToolTip(
            "How many words LIME may give a weight to (all: every word is coloured)"
        )
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("classCombo")
        self.class_combo.setToolTip("The class whose probability the weights explain")
        self.class_combo.addItem(PREDICTED)
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setToolTip("Seed of the first run; run i uses seed + i")
        self.runs_spin = QSpinBox()
        self.runs_spin.setObjectName("runsSpin")
        self.runs_spin.setRange(1, 20)
        self.runs_spin.setValue(DEFAULT_RUNS)
        self.runs_spin.setToolTip(
            "Independent LIME runs (different seeds): their agreement shows how stable each word is"
        )
        for text, widget in (
            ("Samples", self.samples_combo),
            ("Features", self.features_spin),
            ("Class", self.class_combo),
            ("Seed", self.seed_spin),
            ("Runs", self.runs_spin),
        ):
            label = QLabel(f"{text}:")
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
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

        self.notes_label = QLabel()
        self.notes_label.setObjectName("explainNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setVisible(False)
        self.notes_label.setStyleSheet(
            "QLabel { background: #fff4d6; color: #3d2a00; border: 1px solid #e0c060;"
            " padding: 4px; border-radius: 3px; }"
        )
        layout.addWidget(self.notes_label)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("explainSplitter")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.view = HighlightedTextView()
        self.view.setObjectName("explanationView")
        self.view.clear_explanation("The explained text appears here, its words coloured.")
        left_layout.addWidget(self.view, 3)
        self.legend = QLabel()
        self.legend.setObjectName("explainLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        left_layout.addWidget(self.legend)

        summary = QGroupBox("Prediction and faithfulness")
        form = QFormLayout(summary)
        self.prob_bars = ProbabilityBars()
        self.prob_bars.setObjectName("explainProbabilities")
        form.addRow("Probabilities:", self.prob_bars)
        self.deletion_label = QLabel("—")
        self.deletion_label.setObjectName("deletionCheckLabel")
        self.deletion_label.setWordWrap(True)
        self.deletion_label.setToolTip(
            "Deletion check: remove the words that support the class most and see how much its "
            "probability drops, next to the drop for the same number of random words."
        )
        form.addRow("Deletion check:", self.deletion_label)
        self.timings_label = QLabel("—")
        self.timings_label.setObjectName("timingsLabel")
        self.timings_label.setWordWrap(True)
        form.addRow("Time:", self.timings_label)
        left_layout.addWidget(summary, 0)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.chart = WordWeightChart()
        self.chart.setObjectName("wordChart")
        right_layout.addWidget(self.chart, 3)
        self.stability_table = QTableWidget(0, len(STABILITY_HEADERS))
        self.stability_table.setObjectName("stabilityTable")
        self.stability_table.setHorizontalHeaderLabels(STABILITY_HEADERS)
        self.stability_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stability_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.stability_table.verticalHeader().setVisible(False)
        header = self.stability_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(STABILITY_HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        right_layout.addWidget(self.stability_table, 2)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

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
        self.view.word_clicked.connect(self._select_feature)
        self.state.model_changed.connect(self._on_model_changed)
        self.state.explain_requested.connect(self.explain_text)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        # Coming to the tab, the cursor goes to the text box (unless it is already in the tab).
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- public API -----------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """The ``explain`` job's parameters from the controls."""
        try:
            samples = int(self.samples_combo.currentText())
        except ValueError:
            samples = DEFAULT_SAMPLES
        params: dict[str, Any] = {
            "text": self.text_edit.toPlainText(),
            "num_samples": max(50, samples),
            "num_features": self.features_spin.value() or None,
            "seed": self.seed_spin.value(),
            "runs": self.runs_spin.value(),
        }
        if self.class_combo.currentIndex() > 0:
            params["label"] = self.class_combo.currentText()
        return params

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
        job.on_started(self._on_started).on_progress(self.job_progress.show_report)
        job.on_result(self._on_result).on_failed(self._on_failed)
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
        self.chart.shutdown()
        self._tasks.shutdown()

    # -- model ----------------------------------------------------------------------
    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        name = info.get("name") or "VADER (built-in lexicon, until a model is trained or loaded)"
        self.model_label.setText(f"Model: <b>{html.escape(str(name))}</b>")
        labels = [str(x) for x in info.get("labels") or []]
        if labels:
            self._set_classes(labels)

    def _set_classes(self, labels: list[str]) -> None:
        current = [self.class_combo.itemText(i) for i in range(1, self.class_combo.count())]
        if current == labels:
            return
        chosen = self.class_combo.currentText()
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItem(PREDICTED)
        self.class_combo.addItems(labels)
        index = self.class_combo.findText(chosen)
        self.class_combo.setCurrentIndex(max(0, index))
        self.class_combo.blockSignals(False)

    # -- the explanation's handle (GUI thread) --------------------------------------------
    def _on_started(self) -> None:
        self.job_progress.job_started("Explaining…")

    def _on_result(self, payload: object) -> None:
        if isinstance(payload, dict):
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

    # -- showing a result -------------------------------------------------------------
    def show_result(self, result: dict[str, Any]) -> None:
        """Show an explanation dict (``desktop_app.core.explain.explainer``)."""
        self.result = result
        label = str(result.get("label", ""))
        labels = [str(x) for x in result.get("labels", [])]
        if labels:
            self._set_classes(labels)
        self.view.show_explanation(result)
        self.legend.setText(legend_html(label))
        probabilities = result.get("probabilities") or {}
        self.prob_bars.set_probabilities(
            labels, [float(probabilities.get(x, 0.0)) for x in labels], marked=label
        )
        self._fill_stability(result.get("words", []))
        unit = {"sentence": "Sentence", "chunk": "Chunk"}.get(result.get("level", "word"), "Word")
        self.stability_table.horizontalHeaderItem(0).setText(unit)
        self.deletion_label.setText(self._deletion_text(result))
        self.timings_label.setText(self._timings_text(result.get("timings") or {}))
        notes = [str(n) for n in result.get("notes") or []]
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        level = result.get("level", "word")
        what = {"word": "words", "sentence": "sentences", "chunk": "chunks"}.get(level, level)
        predicted = result.get("predicted", label)
        self.status_label.setText(
            f"Explained '{label}' (predicted: {predicted}) by {what}, "
            f"{result.get('runs', '?')} runs × {result.get('num_samples', '?')} samples."
        )
        for button in (self.export_html_button, self.export_csv_button):
            button.setEnabled(True)
        # Drawn off the GUI thread.
        self.chart.show_words(result.get("words", []), label, str(result.get("level", "word")))

    def _fill_stability(self, words: list[dict[str, Any]]) -> None:
        table = self.stability_table
        table.setSortingEnabled(False)
        table.setRowCount(len(words))
        for row, word in enumerate(words):
            name = _SortableItem(str(word.get("word", "")))
            name.setData(Qt.ItemDataRole.UserRole + 1, word.get("feature"))
            mean = float(word.get("mean_weight", 0.0))
            sd = float(word.get("sd", 0.0))
            agreement = float(word.get("sign_agreement", 1.0))
            unstable = bool(word.get("unstable"))
            items = [
                name,
                _SortableItem(f"{mean:+.4f}"),
                _SortableItem(f"{sd:.4f}"),
                _SortableItem(f"{agreement:.0%}"),
                _SortableItem("unstable" if unstable else "stable"),
            ]
            for item, value in zip(items[1:4], (mean, sd, agreement), strict=True):
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if unstable:
                items[4].setToolTip("The sign flips between runs or the sd exceeds the mean")
                font = items[0].font()
                font.setItalic(True)
                items[0].setFont(font)
                items[4].setForeground(Qt.GlobalColor.darkYellow)
            for col, item in enumerate(items):
                table.setItem(row, col, item)
        # Rows stay strongest first until the user clicks a column header.
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)

    @Slot(int)
    def _select_feature(self, feature: int) -> None:
        for row in range(self.stability_table.rowCount()):
            item = self.stability_table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole + 1) == feature:
                self.stability_table.selectRow(row)
                self.stability_table.scrollToItem(item)
                return

    @staticmethod
    def _deletion_text(result: dict[str, Any]) -> str:
        check = result.get("deletion_check") or {}
        label = result.get("label", "")
        k = int(check.get("k") or 0)
        if k == 0 or check.get("top_k_drop") is None:
            return f"No word supports '{label}', so there is nothing to remove."
        top = ", ".join(str(w) for w in check.get("top_words", [])[:k])
        top_drop = float(check["top_k_drop"])
        text = f"Removing the top {k} ({top}) changes P({label}) by {-top_drop:+.3f}"
        if check.get("random_drop") is not None:
            text += (
                f"; {k} random words: {-float(check['random_drop']):+.3f}"
                f" ± {float(check.get('random_drop_sd') or 0.0):.3f}"
                f" (mean of {check.get('random_draws', '?')} draws)."
            )
            faithful = check.get("faithful")
            if faithful is True:
                text += " The top words matter more than random ones: the explanation is faithful."
            elif faithful is False:
                text += " The top words matter no more than random ones: treat it with caution."
        return text

    @staticmethod
    def _timings_text(timings: dict[str, Any]) -> str:
        if not timings:
            return "—"
        parts = [f"{float(timings.get('total_s', 0.0)):.2f} s in all"]
        if "model_s" in timings:
            parts.append(f"model {float(timings['model_s']):.2f} s")
        if "lime_s" in timings:
            parts.append(f"LIME {float(timings['lime_s']):.2f} s")
        if "deletion_s" in timings:
            parts.append(f"deletion check {float(timings['deletion_s']):.2f} s")
        text = ", ".join(parts)
        if "requested_texts" in timings:
            text += (
                f". {int(timings['requested_texts']):,} perturbed texts, "
                f"{int(timings.get('distinct_texts', 0)):,} distinct, "
                f"{int(timings.get('model_texts', 0)):,} run through the model."
            )
        return text

    # -- matplotlib preload and export (background tasks) ---------------------------------
    @Slot()
    def _warm_up(self) -> None:
        if not self._shut_down and "lime.lime_text" not in sys.modules:
            # gc.freeze(): the libraries just imported (see start_explain).
            self._tasks.start(_warm_up_task, "import LIME").on_result(_freeze_heap)

    def _start_preload(self) -> None:
        # The chart's first matplotlib import happens while the worker explains.
        if "matplotlib.backends.backend_agg" not in sys.modules:
            self.chart.preload()

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
    import lime.lime_text  # noqa: F401 - imports scikit-learn and SciPy
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


class _ExportTask:
    """Writes one export on the background thread; returns the path written."""

    def __init__(self, kind: str, result: dict[str, Any], path: str) -> None:
        self.kind, self.result, self.path = kind, result, path

    def __call__(self, ctx: Any) -> str:
        from desktop_app.core.explain.export import write_csv, write_html

        if self.kind == "html":
            return write_html(self.result, self.path)
        return write_csv(self.result, self.path)
