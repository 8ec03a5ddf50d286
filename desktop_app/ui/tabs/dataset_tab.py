"""The Dataset tab: open a data file, check how it was read, pick columns, name labels, split;
with a project open, the project's rows and their current labels.

Loading, re-picking columns and re-splitting run on a background :class:`TaskRunner` (not the
model worker) with a progress bar and a Cancel button; the GUI thread only swaps in the
prepared result (see :mod:`desktop_app.ui.dataset_jobs`). A cancelled or failed task leaves
the tab as it was. A loaded file goes to the workspace (``state.workspace.set_dataset``), the
one owner of the data the tabs work on.

While a project is open (``workspace.source == "project"``) the tab shows
``workspace.dataset`` and follows the workspace's announcements: a label or an undo updates
the label and split of the changed rows and the counts (:mod:`desktop_app.ui.dataset_project`),
never the whole table; while the tab is hidden it only notes what changed and catches up when
it is shown. The file options (columns, encoding, split) are disabled then: the project's rows
and splits are fixed.
"""

from __future__ import annotations

import functools
import html
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
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
from desktop_app.ui.dataset_follow import (
    RESTAT_DELAY_MS,
    ProjectFollower,
    project_counts,
    short_name,
)
from desktop_app.ui.dataset_jobs import PreparedDataset, SplitSettings
from desktop_app.ui.dataset_project import ProjectRows
from desktop_app.ui.dataset_report import summary_html
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.widgets.dataset_charts import DatasetCharts
from desktop_app.ui.widgets.dataset_table import DatasetTableModel, DatasetTablePanel
from desktop_app.ui.widgets.label_mapping import LabelMappingEditor
from desktop_app.ui.widgets.read_options import ReadOptionsBar
from desktop_app.ui.widgets.split_panel import SplitPanel
from desktop_app.ui.widgets.warning_banner import WarningBanner

log = logging.getLogger(__name__)


class DatasetTab(ProjectFollower, QWidget):
    TITLE = "Dataset"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("datasetTab")
        self.state = state
        self.workspace = state.workspace
        self.runner = TaskRunner("datasetLoader", self)
        self.prepared: PreparedDataset | None = None  # what the tab shows
        self.file_prepared: PreparedDataset | None = None  # the loaded file, also in a project
        self.project: ProjectRows | None = None  # the open project's rows, while shown
        self.path: str | None = None
        self._task: JobHandle | None = None
        self._loading_path: str | None = None
        self._loading_options: dict[str, Any] | None = None  # LoadOptions fields of a load
        self._opening = False  # the running load opens a file anew (not a re-read)
        self._project_stale = False  # the project must be shown (again) from the workspace
        self._file_stale = False  # the workspace holds a file this tab has not shown
        self._pending_rows: set[int] = set()  # project rows whose labels changed, not shown yet
        self._restat_due = False  # statistics and charts lag behind the labels
        # NLTK corpora for File > Open sample; None until the warm-up has looked for them.
        self.sample_corpora: list[str] | None = None
        self._content_laid_out = False  # see _chart_styles
        self._restat_timer = QTimer(self)
        self._restat_timer.setSingleShot(True)
        self._restat_timer.setInterval(RESTAT_DELAY_MS)
        self._restat_timer.timeout.connect(self._restat)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_empty_page())
        self.stack.addWidget(self._build_content_page())
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top_bar())
        layout.addWidget(self.stack, 1)
        self._set_busy(False)
        self.workspace.changed.connect(self._on_workspace_changed)
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
        self.project_note = QLabel()
        self.project_note.setObjectName("projectNote")
        self.project_note.setWordWrap(True)
        self.project_note.hide()
        layout.addWidget(self.project_note)
        self.options = ReadOptionsBar()
        self.options.columns_changed.connect(self._on_columns_changed)
        self.options.read_again.connect(self._on_read_options_changed)
        self.options.problem.connect(self._on_option_problem)
        layout.addWidget(self.options)

        self.table_panel = DatasetTablePanel(self.state)
        self.table = self.table_panel.view
        self.row_count_label = QLabel()
        self.row_count_label.setObjectName("rowCountLabel")
        self.warning_banner = WarningBanner()
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.warning_banner)
        table_layout.addWidget(self.row_count_label)
        table_layout.addWidget(self.table_panel, 1)

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

    # -- public API -------------------------------------------------------------------
    def open_path(self, path: str) -> None:
        """Load ``path`` (a file, a folder or ``nltk:NAME``) with detected settings."""
        self._loading_path = path
        self._opening = True
        self._start_load(path, {}, f"Loading {short_name(path)}…")

    def cancel(self) -> None:
        """Stop the running load; the tab keeps what it showed before."""
        if self._task is not None:
            self._task.cancel()
            self.progress_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def is_busy(self) -> bool:
        return self._task is not None or self.table_panel.controller.is_busy()

    def shutdown(self) -> None:
        """Called by the main window on close: stop and wait for the background threads."""
        self._restat_timer.stop()
        self.table_panel.controller.shutdown()
        self.runner.shutdown()

    @Slot()
    def _warm_up(self) -> None:
        if self.runner.is_shut_down:  # the window closed before its first event loop turn
            return
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

    def _start(self, fn: Any, message: str, on_result: Any = None) -> None:
        if self._task is not None:
            self._task.cancel()  # the new request replaces the running one
        task = self.runner.start(fn, name="dataset", priority=1)
        task.on_progress(self._on_progress).on_result(on_result or self._on_result)
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

    @Slot()
    def _on_columns_changed(self) -> None:
        if self.prepared is None or self.project is not None:
            return
        text = self.options.text_column()
        fn = functools.partial(
            dataset_jobs.recolumn,
            self.prepared.dataset,
            text,
            self.options.label_column(),
            None,
            self._split_settings(),
            charts=self._chart_styles(),
        )
        self._start(fn, f"Using column {text!r} for the texts…")

    @Slot(dict)
    def _on_label_names(self, names: dict) -> None:
        if self.prepared is None or self.project is not None:
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
        if self.prepared is None or self.project is not None:
            return
        fn = functools.partial(
            dataset_jobs.resplit,
            self.prepared.dataset,
            SplitSettings(train, validation, test, seed),
            charts=self._chart_styles(),
        )
        self._start(fn, "Splitting…")

    @Slot()
    def _show_summary(self) -> None:
        self.side.setCurrentWidget(self.summary)

    @Slot()
    def _on_read_options_changed(self) -> None:
        """Encoding, delimiter, header or sheet changed: read the file again with them."""
        if self.prepared is None or self.path is None or self.project is not None:
            return
        options = self.options.read_options(self.prepared.dataset.report)
        self._loading_path = self.path
        self._start_load(self.path, options, f"Reading {short_name(self.path)} again…")

    @Slot(str)
    def _on_option_problem(self, message: str) -> None:
        self.state.message(message, 8000)

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
        self.file_prepared = prepared
        if self.workspace.source == "project":
            # The project stays what every tab works on; the file waits until it is closed.
            self.workspace.set_dataset(prepared.dataset)
            self.state.message(
                f"{prepared.stats.rows:,} rows read from {short_name(self.path or '')}; the tabs "
                "show the open project until you close it (File ▸ Close project).",
                10000,
            )
            return
        if self._loading_options is not None:
            self.options.show_overrides(self._loading_options)
        self.show_prepared(prepared)
        self.workspace.set_dataset(prepared.dataset)
        self.state.message(f"{prepared.stats.rows:,} rows from {short_name(self.path or '')}", 8000)

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
        self._opening = False
        self._set_busy(False)
        if self.prepared is not None:
            self.options.show_report(self.prepared.dataset.report)
        self._catch_up()

    # -- showing ------------------------------------------------------------------------
    def show_prepared(self, prepared: PreparedDataset, project: ProjectRows | None = None) -> None:
        """Swap in a prepared dataset: O(1) table model, the charts' pixels, the summary."""
        # Search, filters and sort stay for the same data read again (other columns, names,
        # split, encoding); a file opened anew or another data set starts without them.
        same_data = (
            self.prepared is not None
            and not self._opening
            and (project is not None) == (self.project is not None)
            and self.prepared.dataset.report.path == prepared.dataset.report.path
        )
        self.prepared, self.project = prepared, project
        dataset, stats = prepared.dataset, prepared.stats
        self.table_panel.show_data(
            DatasetTableModel(
                prepared.rows,
                prepared.texts,
                prepared.labels,
                prepared.splits,
                parent=self,
                row_offset=0 if project is not None else 1,
            ),
            row_id_of=project.row_id if project is not None else None,
            keep_query=same_data,
        )
        self.warning_banner.show_warnings(dataset.report.warnings)
        self.summary.setHtml(summary_html(dataset, stats))
        self.label_editor.set_values(prepared.label_values, prepared.label_note)
        self._show_counts()
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
        source = dataset.report.path if project is not None else self.path or dataset.report.path
        self.file_label.setText(
            f"Project {short_name(source)}" if project is not None else short_name(source)
        )
        self.file_label.setToolTip(source)
        self.options.show_report(dataset.report)
        self._show_mode()
        self.stack.setCurrentIndex(1)

    def _show_counts(self) -> None:
        prepared = self.prepared
        if prepared is None:
            return
        session = self.workspace.session
        if self.project is not None and session is not None:
            self.row_count_label.setText(project_counts(session.counts()))
        else:
            self.row_count_label.setText(_rows_text(prepared.stats))
        self.split_panel.show_counts(prepared.split_counts, prepared.unsplit, prepared.split_note)

    def _show_mode(self) -> None:
        """File options are for files: disabled, with the reason, while a project is shown."""
        in_project = self.project is not None
        self.project_note.setVisible(in_project)
        if in_project:
            self.project_note.setText(
                f"Showing the project <b>{html.escape(short_name(self.file_label.toolTip()))}</b>: "
                "its rows with their current labels, updated as you label. The file options "
                "are off: a project keeps the rows and columns it was made from, and puts each "
                "labelled row in a split by a hash of its id. Close the project "
                "(File ▸ Close project) to work on a file."
            )
        self._set_busy(self._task is not None)

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        editable = not busy and self.project is None
        for widget in (*self.options.combos(), self.label_editor):
            widget.setEnabled(editable)
        has_labels = self.prepared is not None and bool(self.prepared.dataset.labels)
        self.split_panel.set_available(has_labels and editable)
        tip = "A project's rows and splits are fixed" if self.project is not None else ""
        for widget in (self.options, self.label_editor, self.split_panel):
            widget.setToolTip(tip)


def _rows_text(stats: Any) -> str:
    classes = len(stats.labels)
    parts = [f"{int(stats.rows):,} rows", f"{classes} classes"]
    if stats.unlabelled:
        parts.append(f"{int(stats.unlabelled):,} unlabelled")
    return " · ".join(parts)


def _median(stats: Any) -> float | None:
    percentiles = getattr(stats, "length_percentiles", None) or {}
    return float(percentiles["p50"]) if "p50" in percentiles else None
