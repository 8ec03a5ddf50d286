"""The Dataset tab while a project is open: it follows the workspace, label by label.

A mixin of :class:`~desktop_app.ui.tabs.dataset_tab.DatasetTab` (it uses the tab's widgets and
its loader). The workspace announces every change once (``workspace.changed``):

* ``project`` / ``classes`` / ``rows`` -- the tab shows ``workspace.dataset`` again: the store
  is read on the GUI thread (it lives there), statistics, table columns and charts are prepared
  on the loader thread;
* ``dataset`` -- a file loaded elsewhere (not by this tab) is prepared and shown;
* ``labels`` (a label, an undo, an import) -- the changed rows' label and split are read from
  the store and written into the table's columns and the split counts
  (:class:`~desktop_app.ui.dataset_project.ProjectRows`): O(changed rows), so labelling a
  million-row project never re-renders the table. Statistics and charts follow once labelling
  pauses for ``RESTAT_DELAY_MS``, computed on the loader thread.

While the tab is hidden it only notes what changed, and catches up when it is shown.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from PySide6.QtGui import QShowEvent

from desktop_app.ui import dataset_jobs, dataset_project
from desktop_app.ui.dataset_project import ProjectRows
from desktop_app.ui.dataset_report import summary_html

RESTAT_DELAY_MS = 1500  # statistics and charts follow labels once labelling pauses this long
REBUILD_ABOVE = 20_000  # more changed rows than this are shown by building the view again


class ProjectFollower:
    """The project half of the Dataset tab (see the module docstring)."""

    project: ProjectRows | None
    _project_stale: bool
    _file_stale: bool
    _pending_rows: set[int]
    _restat_due: bool

    def _on_workspace_changed(self, change: dict) -> None:
        what, source = change.get("what"), change.get("source")
        if what == "labels" and self.project is not None:
            self._pending_rows.update(int(i) for i in change.get("row_ids", ()))
            if len(self._pending_rows) > REBUILD_ABOVE:
                self._project_stale = True  # an import of many labels: show it all again
        elif what in ("project", "classes", "rows") and source == "project":
            self._project_stale = True
        elif what == "project":  # closed: back to the file, if one is loaded
            self._leave_project()
            return
        elif what == "dataset" and source == "file":
            shown = self.file_prepared.dataset if self.file_prepared is not None else None
            if self.workspace.dataset is shown:
                return  # the file this tab loaded
            self._file_stale = True  # a data set another part of the app loaded
        else:
            return
        self._catch_up()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._catch_up()

    def _catch_up(self) -> None:
        """Show what changed in the project, if the tab is visible and not loading."""
        if not self.isVisible() or self._task is not None:
            return
        if self._file_stale and self.workspace.source == "file":
            self._show_file()
        elif self._project_stale:
            self._show_project()
        elif self._pending_rows and self.project is not None:
            self._apply_labels()
        elif self._restat_due:
            self._restat_timer.start()

    def _show_project(self) -> None:
        session = self.workspace.session
        self._project_stale = False
        if session is None:
            return
        # workspace.dataset reads the store, which lives on this thread; the statistics,
        # table columns and charts are prepared on the loader thread.
        dataset = self.workspace.dataset
        self._pending_rows.clear()  # the dataset has every label up to now
        fn = functools.partial(
            dataset_project.prepare_project, dataset, session.ids, charts=self._chart_styles()
        )
        self._start(fn, f"Showing the project {short_name(str(session.path))}…", self._on_project)

    def _show_file(self) -> None:
        self._file_stale = False
        dataset = self.workspace.dataset
        fn = functools.partial(dataset_jobs.prepare_view, dataset, charts=self._chart_styles())
        self._start(fn, f"Showing {short_name(dataset.report.path)}…", self._on_file)

    def _on_file(self, prepared: object) -> None:
        if isinstance(prepared, dataset_jobs.PreparedDataset):
            self.path = prepared.dataset.report.path
            self.file_prepared = prepared
            if self.workspace.source == "file":
                self.show_prepared(prepared)
                self.state.message(f"{prepared.stats.rows:,} rows from {short_name(self.path)}")

    def _on_project(self, rows: object) -> None:
        session = self.workspace.session
        if isinstance(rows, ProjectRows) and session is not None:
            self.show_prepared(rows.prepared, rows)
            self.state.message(f"{len(rows):,} rows of {short_name(str(session.path))}", 8000)

    def _apply_labels(self) -> None:
        """Write the current label and split of the changed rows into the table (O(rows))."""
        session, project = self.workspace.session, self.project
        ids, self._pending_rows = sorted(self._pending_rows), set()
        if session is None or project is None:
            return
        changed = project.apply(session.store.rows(ids))
        if changed:
            self.table_panel.labels_changed(changed)
        self._show_counts()
        self._restat_timer.start()  # statistics and charts, once labelling pauses

    def _restat(self) -> None:
        project, prepared = self.project, self.prepared
        if project is None or prepared is None or self._task is not None:
            return
        if not self.isVisible():
            self._restat_due = True  # when the tab is shown again
            return
        self._restat_due = False
        fn = functools.partial(
            dataset_jobs.restat,
            prepared.dataset.frame["text"],
            *project.snapshot(),
            charts=self._chart_styles(),
        )
        task = self.runner.start(fn, name="restat", priority=0)
        task.on_result(functools.partial(self._on_restat, project))

    def _on_restat(self, project: ProjectRows, result: object) -> None:
        if project is not self.project or self.prepared is None:
            return  # another view meanwhile
        stats, charts = result  # type: ignore[misc]
        self.prepared.stats = stats
        self.prepared.split_counts, self.prepared.unsplit = dataset_jobs.split_table(stats)
        self.summary.setHtml(summary_html(self.prepared.dataset, stats))
        if charts:
            self.charts.show_charts(charts)
        self._show_counts()

    def _leave_project(self) -> None:
        self._project_stale = False
        self._pending_rows.clear()
        if self.project is None:
            return
        self._restat_timer.stop()
        self.project = None
        file = self.file_prepared
        if file is not None and self.workspace.dataset is file.dataset:
            self.show_prepared(file)
            return
        self.prepared = None
        self.stack.setCurrentIndex(0)
        self.file_label.setText("No data loaded")
        self.file_label.setToolTip("")
        self._show_mode()


def project_counts(counts: dict[str, Any]) -> str:
    per_class = ", ".join(f"{name} {n:,}" for name, n in counts["per_class"].items())
    labelled = f"{counts['labelled']:,} labelled" + (f" ({per_class})" if per_class else "")
    return " · ".join(
        [f"{counts['total']:,} rows", labelled, f"{counts['unlabelled']:,} unlabelled"]
    )


def short_name(path: str) -> str:
    """A file's name, or "NLTK corpus NAME" for ``nltk:NAME``."""
    if path.startswith("nltk:"):
        return f"NLTK corpus {path[5:]}"
    return os.path.basename(path.rstrip("/\\")) or path
