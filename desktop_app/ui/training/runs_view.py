"""The Runs view: every training run kept with its metrics; load one, compare two.

Runs live in a *place* (``desktop_app.core.runs.registry``): an open project's
``<name>.models`` folder, else the user's runs folder. The view follows the workspace: it
lists the open project's runs, else the user's. Rename (F2 or a click on a selected name),
pin (the check box), delete (asks) write to the registry at once. Load (or a double click)
runs the worker's ``load_run`` job, so the run's model becomes the current one; the view then
emits ``run_loaded(payload)`` and the Training tab shows the run's results as they were.
Compare shows :class:`~desktop_app.ui.training.run_compare.ComparePanel` below the list.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import UserError
from desktop_app.job_handle import JobHandle
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.training import dialogs
from desktop_app.ui.training.run_compare import ComparePanel
from desktop_app.ui.training.runs_model import NAME, RunsTableModel


def runs_place(workspace: Any) -> Path:
    """Where the runs of what Start trains on are kept: the open project's place, else the
    user's runs folder."""
    from desktop_app.core.runs.registry import default_runs_folder, project_runs_folder

    session = getattr(workspace, "session", None)
    if workspace.source == "project" and session is not None:
        return project_runs_folder(session.path)
    return default_runs_folder()


class RunsView(QWidget):
    """Emits ``run_loaded(payload)`` with the ``load_run`` job's result and ``log(line)``."""

    run_loaded = Signal(dict)
    log = Signal(str)

    def __init__(self, state: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runsView")
        self.state = state
        self.registry: Any = None
        self._load_job: JobHandle | None = None
        self._training = False

        self.model = RunsTableModel(self)
        self.model.problem.connect(self._on_problem)
        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Double click loads; F2 or a click on a selected name renames.
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.load_button = self._button("Load", "loadRunButton", self.load_selected)
        self.load_button.setToolTip("Make the selected run's model the current one (double click)")
        self.compare_button = self._button("Compare", "compareRunsButton", self.compare_selected)
        self.compare_button.setToolTip("Compare the two selected runs (older = A, newer = B)")
        self.pin_button = self._button("Pin", "pinRunButton", self.toggle_pin)
        self.pin_button.setToolTip("A pinned run is never removed to make room for new ones")
        self.delete_button = self._button("Delete…", "deleteRunButton", self.delete_selected)
        self.refresh_button = self._button("Refresh", "refreshRunsButton", self.refresh)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.load_button, self.compare_button, self.pin_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.refresh_button)

        self.place_label = QLabel()
        self.place_label.setObjectName("runsPlaceLabel")
        self.place_label.setWordWrap(True)
        self.place_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.place_label)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)

        self.compare_panel = ComparePanel()
        self.compare_panel.hide()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.compare_panel)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        state.workspace.changed.connect(self._on_workspace_changed)
        self._update_buttons()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # -- the list -----------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """List the place's runs again (keeping the selection by id)."""
        from desktop_app.core.runs.registry import RunRegistry, format_bytes

        selected = {r.id for r in self.selected()}
        self.registry = RunRegistry(runs_place(self.state.workspace))
        records = self.registry.runs()
        self.model.set_runs(self.registry, records)
        selection = self.table.selectionModel()
        for run_id in selected:
            row = self.model.row_of(run_id)
            if row >= 0:
                selection.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        pinned = sum(r.pinned for r in records)
        size = format_bytes(self.registry.disk_usage()) if records else "nothing"
        whose = "this project's runs" if self.state.workspace.source == "project" else "runs"
        self.place_label.setText(
            f"{len(records)} {whose} ({pinned} pinned) take {size} in "
            f"<code>{html.escape(str(self.registry.folder))}</code>; the newest "
            f"{self.registry.keep} unpinned are kept."
            if records
            else f"No {whose} yet in <code>{html.escape(str(self.registry.folder))}</code>: "
            "every training run is kept here with its metrics."
        )
        self._update_buttons()

    def selected(self) -> list[Any]:
        """The selected runs, oldest first (so a comparison's A is the older run)."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        records = [self.model.record(row) for row in rows if row < len(self.model.records)]
        return sorted(records, key=lambda r: (r.created_ts, r.id))

    def select_ids(self, ids: list[str]) -> None:
        """Select the runs with these ids (and nothing else)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        for run_id in ids:
            row = self.model.row_of(run_id)
            if row >= 0:
                selection.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def set_training(self, training: bool) -> None:
        """No loading while a run trains (the worker would queue it behind the run)."""
        self._training = training
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        records = self.selected()
        free = not self._training and self._load_job is None
        self.load_button.setEnabled(free and len(records) == 1)
        self.compare_button.setEnabled(len(records) == 2)
        self.pin_button.setEnabled(bool(records))
        self.pin_button.setText("Unpin" if records and all(r.pinned for r in records) else "Pin")
        self.delete_button.setEnabled(bool(records) and self._load_job is None)

    # -- actions ------------------------------------------------------------------------------
    @Slot(QModelIndex)
    def _on_double_click(self, index: QModelIndex) -> None:
        if index.isValid():
            self.select_ids([self.model.record(index.row()).id])
            self.load_selected()

    @Slot()
    def load_selected(self) -> None:
        records = self.selected()
        if len(records) != 1 or not self.load_button.isEnabled():
            return
        record = records[0]
        self.log.emit(f"Loading run {record.name} ({record.id})…")
        job = self._load_job = self.state.service.submit(
            "load_run", {"id": record.id, "place": str(self.registry.folder)}
        )
        job.on_log(self.log.emit).on_result(self._on_loaded)
        job.on_failed(self._on_load_failed).on_finished(self._on_load_finished)
        self._update_buttons()

    def is_loading(self) -> bool:
        return self._load_job is not None

    def _on_loaded(self, payload: object) -> None:
        if isinstance(payload, dict):
            run = payload.get("run") or {}
            self.log.emit(f"Loaded run {run.get('name')} ({run.get('id')}).")
            self.state.message(f"Model loaded from run {run.get('name')}")
            self.run_loaded.emit(payload)

    def _on_load_failed(self, message: str, details: str) -> None:
        self.log.emit(f"Loading the run failed: {message}")
        show_error(self, "Loading the run failed", message, details)

    def _on_load_finished(self) -> None:
        self._load_job = None
        self._update_buttons()

    @Slot()
    def compare_selected(self) -> None:
        from desktop_app.core.runs.compare import compare_runs

        records = self.selected()
        if len(records) != 2:
            return
        a, b = records
        comparison = compare_runs(self.registry, a, b)
        self.compare_panel.show()  # first: the panel shares its width by its shown size
        self.compare_panel.show_comparison(comparison, a, b)

    @Slot()
    def toggle_pin(self) -> None:
        records = self.selected()
        pin = not all(r.pinned for r in records)
        for record in records:
            self.model.setData(
                self.model.index(self.model.row_of(record.id), 6),
                (Qt.CheckState.Checked if pin else Qt.CheckState.Unchecked).value,
                Qt.ItemDataRole.CheckStateRole,
            )
        self._update_buttons()

    @Slot()
    def delete_selected(self) -> None:
        records = self.selected()
        if not records:
            return
        names = ", ".join(f"{r.name} ({r.id})" for r in records[:5])
        more = f" and {len(records) - 5} more" if len(records) > 5 else ""
        what = "this run" if len(records) == 1 else f"these {len(records)} runs"
        if not dialogs.ask_delete_runs(
            self, f"Delete {what} and its model files? {names}{more}. This cannot be undone."
        ):
            return
        current = (self.state.model_info or {}).get("folder")
        for record in records:
            try:
                self.registry.delete(record.id)
            except UserError as exc:
                self._on_problem(str(exc))
                break
            self.log.emit(f"Deleted run {record.name} ({record.id}).")
            if current and Path(str(current)).parent == record.folder:
                self.log.emit(
                    "The current model came from that run: it stays loaded until changed."
                )
        self.compare_panel.hide()
        self.refresh()

    @Slot(str)
    def _on_problem(self, message: str) -> None:
        show_error(self, "Runs", message)
        self.refresh()

    # -- following the data -------------------------------------------------------------------
    @Slot(dict)
    def _on_workspace_changed(self, change: dict) -> None:
        if change.get("what") in ("project", "dataset") and self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        # Listed again each time it is shown: runs arrive from elsewhere too (the Label tab's
        # retraining, the command line), and a place holds a few dozen small JSON files.
        self.refresh()

    def run_kept(self, summary: dict) -> None:
        """A training run was just kept: list it now if shown (else when next shown)."""
        if self.isVisible():
            self.refresh()
