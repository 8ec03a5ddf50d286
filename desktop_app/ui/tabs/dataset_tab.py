"""The Dataset tab: open a data file, check how it was read, pick columns, name labels, split.

Loading, re-picking columns and re-splitting run on a background :class:`TaskRunner` (not the
model worker) with a progress bar and a Cancel button; the GUI thread only swaps in the
prepared result (see :mod:`desktop_app.ui.dataset_jobs`). A cancelled or failed task leaves
the tab as it was.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs import Progress
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui import dataset_jobs
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dataset_jobs import PreparedDataset, SplitSettings
from desktop_app.ui.dataset_report import delimiter_name, summary_html
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.widgets.dataset_charts import DatasetCharts
from desktop_app.ui.widgets.dataset_table import DatasetTableModel
from desktop_app.ui.widgets.label_mapping import LabelMappingEditor
from desktop_app.ui.widgets.split_panel import SplitPanel
from desktop_app.ui.widgets.warning_banner import WarningBanner

ENCODINGS = ("utf-8", "utf-8-sig", "windows-1252", "latin-1", "utf-16", "cp1250", "shift_jis")
DELIMITERS = ((",", "comma ,"), ("\t", "tab"), (";", "semicolon ;"), ("|", "pipe |"))
NO_LABEL = "(no label column)"

log = logging.getLogger(__name__)


class DatasetTab(QWidget):
    TITLE = "Dataset"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("datasetTab")
        self.state = state
        self.runner = TaskRunner("datasetLoader", self)
        self.prepared: PreparedDataset | None = None
        self.path: str | None = None
        self._task: JobHandle | None = None
        self._loading_path: str | None = None
        self._loading_options: dict[str, Any] | None = None  # LoadOptions fields of a load
        # NLTK corpora for File > Open sample; None until the warm-up has looked for them.
        self.sample_corpora: list[str] | None = None
        self._content_laid_out = False  # see _chart_styles

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_empty_page())
        self.stack.addWidget(self._build_content_page())
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top_bar())
        layout.addWidget(self.stack, 1)
        self._set_busy(False)
        # Import matplotlib on the loader thread while the user looks at the fresh window,
        # not when the first file arrives (the import costs most of a second).
        QTimer.singleShot(0, self._warm_up)

    # -- construction -----------------------------------------------------------------
    def _build_top_bar(self) -> QHBoxLayout:
        self.open_button = QPushButton("Open…")
        self.open_button.setObjectName("openButton")
        self.open_button.setToolTip(
            "Open a data file (Ctrl+O); you can also drop one on the window"
        )
        self.open_button.clicked.connect(self._choose_file)
        self.file_label = QLabel("No data loaded")
        self.file_label.setObjectName("fileLabel")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setObjectName("loadProgress")
        self.progress.setMaximumWidth(260)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        bar = QHBoxLayout()
        bar.addWidget(self.open_button)
        bar.addWidget(self.file_label, 1)
        bar.addWidget(self.progress_label)
        bar.addWidget(self.progress)
        bar.addWidget(self.cancel_button)
        return bar

    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("datasetEmptyPage")
        hint = QLabel(
            "<h2>No data yet</h2>"
            "<p>Open a CSV, TSV, text, JSON, Excel or Parquet file with <b>Open…</b> or "
            "<b>File ▸ Open dataset</b> (Ctrl+O),<br>drop a file onto this window, or try "
            "<b>File ▸ Open sample</b>.</p>"
            "<p>Each row needs a text; a label column is optional (unlabelled rows can be "
            "labelled later).</p>"
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        open_button = QPushButton("Open a data file…")
        open_button.setObjectName("emptyOpenButton")
        open_button.clicked.connect(self._choose_file)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(hint)
        layout.addWidget(open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    def _build_content_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._build_options_row())

        self.table = QTableView()
        self.table.setObjectName("datasetTable")
        self.table.setModel(DatasetTableModel(parent=self))
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.row_count_label = QLabel()
        self.row_count_label.setObjectName("rowCountLabel")
        self.warning_banner = WarningBanner()
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.warning_banner)
        table_layout.addWidget(self.row_count_label)
        table_layout.addWidget(self.table, 1)

        self.charts = DatasetCharts()
        self.charts.setMinimumHeight(200)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(table_box)
        left.addWidget(self.charts)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)

        self.summary = QTextBrowser()
        self.summary.setObjectName("datasetSummary")
        self.summary.setOpenLinks(False)
        self.label_editor = LabelMappingEditor()
        self.label_editor.applied.connect(self._on_label_names)
        self.split_panel = SplitPanel()
        self.split_panel.split_requested.connect(self._on_split_requested)
        self.side = QTabWidget()
        self.side.setObjectName("datasetSidePanel")
        self.side.addTab(self.summary, "Summary")
        self.side.addTab(self.label_editor, "Label names")
        self.side.addTab(self.split_panel, "Split")
        self.warning_banner.details_requested.connect(self._show_summary)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 420])
        layout.addWidget(splitter, 1)
        return page

    def _build_options_row(self) -> QHBoxLayout:
        self.text_combo = self._combo("textColumnCombo", "The column that holds the texts")
        self.text_combo.activated.connect(self._on_columns_changed)
        self.label_combo = self._combo("labelColumnCombo", "The column that holds the labels")
        self.label_combo.activated.connect(self._on_columns_changed)
        self.encoding_combo = self._combo(
            "encodingCombo", "Character encoding of the file; pick one if accents look wrong"
        )
        self.encoding_combo.setEditable(True)
        self.encoding_combo.addItem("Auto", None)
        for name in ENCODINGS:
            self.encoding_combo.addItem(name, name)
        self.encoding_combo.activated.connect(self._on_read_options_changed)
        self.encoding_combo.lineEdit().editingFinished.connect(self._on_encoding_typed)
        self.delimiter_combo = self._combo("delimiterCombo", "The character between columns")
        self.delimiter_combo.addItem("Auto", None)
        for value, name in DELIMITERS:
            self.delimiter_combo.addItem(name, value)
        self.delimiter_combo.activated.connect(self._on_read_options_changed)
        self.header_combo = self._combo("headerCombo", "Whether the first row holds column names")
        for text, value in (("Auto", None), ("yes", True), ("no", False)):
            self.header_combo.addItem(text, value)
        self.header_combo.activated.connect(self._on_read_options_changed)
        self.sheet_combo = self._combo("sheetCombo", "The workbook sheet to read")
        self.sheet_combo.activated.connect(self._on_read_options_changed)
        row = QHBoxLayout()
        for text, combo in (
            ("Sheet:", self.sheet_combo),
            ("Text column:", self.text_combo),
            ("Label column:", self.label_combo),
            ("Encoding:", self.encoding_combo),
            ("Delimiter:", self.delimiter_combo),
            ("Header row:", self.header_combo),
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            row.addWidget(label)
            row.addWidget(combo)
            row.addSpacing(8)
            if combo is self.sheet_combo:
                self.sheet_label = label  # shown only for workbooks of several sheets
                label.hide()
                combo.hide()
        row.addStretch(1)
        return row

    @staticmethod
    def _combo(name: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMinimumContentsLength(8)
        return combo

    # -- public API -------------------------------------------------------------------
    def open_path(self, path: str) -> None:
        """Load ``path`` (a file, a folder or ``nltk:NAME``) with detected settings."""
        self._loading_path = path
        self._start_load(path, {}, f"Loading {_short(path)}…")

    def cancel(self) -> None:
        """Stop the running load; the tab keeps what it showed before."""
        if self._task is not None:
            self._task.cancel()
            self.progress_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def is_busy(self) -> bool:
        return self._task is not None

    def shutdown(self) -> None:
        """Called by the main window on close: stop and wait for the loader thread."""
        self.runner.shutdown()

    @Slot()
    def _warm_up(self) -> None:
        for fn in dataset_jobs.WARM_UPS:
            handle = self.runner.start(fn, name=fn.__name__, priority=0)
            handle.on_failed(functools.partial(self._warm_up_failed, fn.__name__))
        # File ▸ Open sample lists what this finds (None until then, [] if it fails).
        self.runner.start(dataset_jobs.find_corpora, name="find_corpora").on_result(
            self._on_corpora
        ).on_failed(self._no_corpora)

    def _warm_up_failed(self, name: str, message: str, details: str) -> None:
        # Not fatal: whatever it imports is imported again when needed.
        log.warning("warm-up %s failed: %s\n%s", name, message, details)

    def _on_corpora(self, names: object) -> None:
        self.sample_corpora = [str(name) for name in names] if isinstance(names, list) else []

    def _no_corpora(self, message: str, details: str) -> None:
        log.warning("looking for NLTK corpora failed: %s\n%s", message, details)
        self.sample_corpora = []

    # -- starting tasks -------------------------------------------------------------------
    def _start_load(self, path: str, options: dict[str, Any], message: str) -> None:
        self._loading_options = options
        split = self._split_settings()
        self._start(
            functools.partial(dataset_jobs.load, path, options, split, charts=self._chart_styles()),
            message,
        )

    def _start(self, fn: Any, message: str) -> None:
        if self._task is not None:
            self._task.cancel()  # the new request replaces the running one
        task = self.runner.start(fn, name="dataset", priority=1)
        task.on_progress(self._on_progress).on_result(self._on_result)
        task.on_failed(self._on_failed).on_cancelled(self._on_cancelled)
        task.on_finished(functools.partial(self._on_finished, task))
        self._task = task
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress_label.setText(message)
        self._set_busy(True)
        self.state.message(message, 0)

    def _chart_styles(self) -> tuple[Any, Any]:
        """Sizes and colours for the loader thread to draw the charts with."""
        if not self._content_laid_out and self.isVisible():
            # Widgets of a page never shown have no size yet. Showing the page for an instant
            # (nothing is painted in between) lays it out, so the charts are drawn at the size
            # they will be shown at, not drawn again on the GUI thread.
            current = self.stack.currentIndex()
            self.stack.setCurrentIndex(1)
            self.stack.setCurrentIndex(current)
            self._content_laid_out = True
        return self.charts.chart_styles()

    def _split_settings(self) -> SplitSettings:
        train, validation, test = self.split_panel.fractions()
        return SplitSettings(train, validation, test, self.split_panel.seed.value())

    @Slot()
    def _choose_file(self) -> None:
        window = self.window()
        choose = getattr(window, "choose_dataset", None)
        if choose is not None:
            choose()  # the main window remembers the folder and the recent files

    @Slot(int)
    def _on_columns_changed(self, _index: int = 0) -> None:
        if self.prepared is None:
            return
        text = self.text_combo.currentText()
        label = self.label_combo.currentData()
        fn = functools.partial(
            dataset_jobs.recolumn,
            self.prepared.dataset,
            text,
            label,
            None,
            self._split_settings(),
            charts=self._chart_styles(),
        )
        self._start(fn, f"Using column {text!r} for the texts…")

    @Slot(dict)
    def _on_label_names(self, names: dict) -> None:
        if self.prepared is None:
            return
        report = self.prepared.dataset.report
        fn = functools.partial(
            dataset_jobs.recolumn,
            self.prepared.dataset,
            report.text_column,
            report.label_column,
            dict(names),
            self._split_settings(),
            charts=self._chart_styles(),
        )
        self._start(fn, "Renaming labels…")

    @Slot(float, float, float, int)
    def _on_split_requested(self, train: float, validation: float, test: float, seed: int) -> None:
        if self.prepared is None:
            return
        fn = functools.partial(
            dataset_jobs.resplit,
            self.prepared.dataset,
            SplitSettings(train, validation, test, seed),
            charts=self._chart_styles(),
        )
        self._start(fn, "Splitting…")

    @Slot()
    def _on_encoding_typed(self) -> None:
        text = self.encoding_combo.currentText().strip()
        if self.prepared is None or not text or text == self.encoding_combo.itemText(0):
            return
        if text != (self.prepared.dataset.report.encoding or ""):
            self._on_read_options_changed()

    @Slot()
    def _show_summary(self) -> None:
        self.side.setCurrentWidget(self.summary)

    @Slot(int)
    def _on_read_options_changed(self, _index: int = 0) -> None:
        """Encoding, delimiter, header or sheet changed: read the file again with them."""
        if self.prepared is None or self.path is None:
            return
        report = self.prepared.dataset.report
        combo = self.encoding_combo
        typed = combo.currentText().strip()
        encoding = combo.currentData() if typed == combo.itemText(combo.currentIndex()) else typed
        options = {
            "encoding": encoding,
            "delimiter": self.delimiter_combo.currentData(),
            "has_header": self.header_combo.currentData(),
            "text_column": report.text_column,
            "label_column": report.label_column if report.label_column is not None else "",
            "sheet": self.sheet_combo.currentData() if self.sheet_combo.count() > 1 else None,
        }
        if (
            options["delimiter"] is not None
            or options["has_header"] is not None
            or options["sheet"] not in (None, report.sheet)
        ):
            # Other delimiters, header rows or sheets give other columns: guess them again.
            options["text_column"] = None
            options["label_column"] = None
        self._loading_path = self.path
        self._start_load(self.path, options, f"Reading {_short(self.path)} again…")

    # -- the load's handle (GUI thread) ----------------------------------------------------
    def _on_progress(self, report: Progress) -> None:
        if report.total > 0:
            self.progress.setRange(0, report.total)
            self.progress.setValue(min(report.done, report.total))
        if report.text:
            self.progress_label.setText(report.text)

    def _on_result(self, prepared: object) -> None:
        if not isinstance(prepared, PreparedDataset):
            return
        if self._loading_path is not None:
            self.path = self._loading_path
        if self._loading_options is not None:
            self._show_read_options(self._loading_options)
        self.show_prepared(prepared)
        self.state.set_dataset(prepared.dataset)
        self.state.message(f"{prepared.stats.rows:,} rows from {_short(self.path or '')}", 8000)

    def _on_failed(self, message: str, details: str) -> None:
        self.state.message("Could not load the data", 5000)
        show_error(self, "Dataset", message, details)

    def _on_cancelled(self) -> None:
        self.state.message(
            "Cancelled; the previous data is still loaded"
            if self.prepared is not None
            else "Cancelled",
            5000,
        )

    def _on_finished(self, task: JobHandle) -> None:
        if task is not self._task:
            return  # a load the user replaced with another
        self._task = None
        self._loading_path = None
        self._loading_options = None
        self._set_busy(False)
        self._sync_controls()

    # -- showing ------------------------------------------------------------------------
    def show_prepared(self, prepared: PreparedDataset) -> None:
        """Swap in a prepared dataset: O(1) table model, the charts' pixels, the summary."""
        self.prepared = prepared
        dataset, stats = prepared.dataset, prepared.stats
        old = self.table.model()
        self.table.setModel(
            DatasetTableModel(
                prepared.rows, prepared.texts, prepared.labels, prepared.splits, parent=self
            )
        )
        if old is not None:
            old.deleteLater()
        header = self.table.horizontalHeader()
        # Widths from font metrics, not ResizeToContents: that asks data() for a thousand rows.
        digits = len(f"{len(prepared.rows) or stats.rows}") + 1
        metrics = self.table.fontMetrics()
        for column, mode in enumerate(
            (QHeaderView.ResizeMode.Interactive, QHeaderView.ResizeMode.Stretch)
            + (QHeaderView.ResizeMode.Interactive,) * 2
        ):
            header.setSectionResizeMode(column, mode)
        header.resizeSection(0, metrics.horizontalAdvance("9" * digits) + 16)
        header.resizeSection(2, 110)
        header.resizeSection(3, 90)
        self.row_count_label.setText(self._rows_text(stats))
        self.warning_banner.show_warnings(dataset.report.warnings)
        self.summary.setHtml(summary_html(dataset, stats))
        self.label_editor.set_values(prepared.label_values, prepared.label_note)
        self.split_panel.show_counts(prepared.split_counts, prepared.unsplit, prepared.split_note)
        if prepared.charts:
            self.charts.show_charts(prepared.charts)  # drawn on the loader thread
        else:
            self.charts.show_data(
                dict(stats.labels),
                int(stats.unlabelled),
                stats.length_counts,
                stats.length_edges,
                _median(stats),
            )
        self.file_label.setText(_short(self.path or dataset.report.path))
        self.file_label.setToolTip(self.path or dataset.report.path)
        self._sync_controls()
        self.stack.setCurrentIndex(1)

    def _rows_text(self, stats: Any) -> str:
        classes = len(stats.labels)
        parts = [f"{int(stats.rows):,} rows", f"{classes} classes"]
        if stats.unlabelled:
            parts.append(f"{int(stats.unlabelled):,} unlabelled")
        return " · ".join(parts)

    def _sync_controls(self) -> None:
        """Show the columns and read options the current dataset was loaded with."""
        if self.prepared is None:
            return
        report = self.prepared.dataset.report
        for combo in (self.text_combo, self.label_combo):
            combo.blockSignals(True)
            combo.clear()
        for column in report.columns:
            self.text_combo.addItem(str(column), str(column))
        self.label_combo.addItem(NO_LABEL, "")
        for column in report.columns:
            self.label_combo.addItem(str(column), str(column))
        self.text_combo.setCurrentIndex(max(0, self.text_combo.findData(report.text_column)))
        self.label_combo.setCurrentIndex(
            max(0, self.label_combo.findData(report.label_column or ""))
        )
        for combo in (self.text_combo, self.label_combo):
            combo.blockSignals(False)
        self.encoding_combo.setItemText(0, f"Auto ({report.encoding or '—'})")
        self.delimiter_combo.setItemText(0, f"Auto ({delimiter_name(report.delimiter)})")
        header = {True: "yes", False: "no"}.get(report.has_header, "—")
        self.header_combo.setItemText(0, f"Auto ({header})")
        sheets = list(report.sheets or [])
        self.sheet_combo.clear()
        for name in sheets:
            self.sheet_combo.addItem(name, name)
        self.sheet_combo.setCurrentIndex(max(0, self.sheet_combo.findData(report.sheet)))
        for widget in (self.sheet_label, self.sheet_combo):
            widget.setVisible(len(sheets) > 1)

    def _show_read_options(self, options: dict[str, Any]) -> None:
        """Show the overrides a load used ("Auto" where it used detection)."""
        for combo, value in (
            (self.encoding_combo, options.get("encoding")),
            (self.delimiter_combo, options.get("delimiter")),
            (self.header_combo, options.get("has_header")),
        ):
            index = combo.findData(value) if value is not None else 0
            if index >= 0:
                combo.setCurrentIndex(index)
            elif combo.isEditable():
                combo.setEditText(str(value))

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        for widget in (
            self.text_combo,
            self.label_combo,
            self.encoding_combo,
            self.delimiter_combo,
            self.header_combo,
            self.sheet_combo,
            self.label_editor,
        ):
            widget.setEnabled(not busy)
        has_labels = self.prepared is not None and bool(self.prepared.dataset.labels)
        self.split_panel.set_available(has_labels and not busy)


def _short(path: str) -> str:
    if path.startswith("nltk:"):
        return f"NLTK corpus {path[5:]}"
    return os.path.basename(path.rstrip("/\\")) or path


def _median(stats: Any) -> float | None:
    percentiles = getattr(stats, "length_percentiles", None) or {}
    return float(percentiles["p50"]) if "p50" in percentiles else None
