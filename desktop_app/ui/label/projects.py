"""Starting and opening projects from the Label tab: New project…, Open project…, and the
offer to start a project from a data file just loaded.

A project is created off the GUI thread (a background task), then opened like any other:
the tab hands the open store to the workspace (``workspace.open_project``), which makes it
the data every tab sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QFileDialog

from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.dialogs import show_error

DATA_FILTER = "Data files (*.csv *.tsv *.txt *.json *.jsonl *.xlsx *.parquet);;All files (*)"
PROJECT_FILTER = "Sentiment Studio projects (*.sstudio);;All files (*)"


class ProjectStarter(QObject):
    def __init__(self, tab: Any) -> None:
        super().__init__(tab)
        self.tab = tab  # the LabelTab: open_project(path), attach(store), offer_bar
        self.state = tab.state
        self._tasks = TaskRunner("labelTabTasks", self)
        self._create_task: JobHandle | None = None
        self._offer_dataset: Any = None  # the data file the offer bar is about

    # -- the offer ----------------------------------------------------------------------
    def dataset_loaded(self) -> None:
        """A data file was loaded (the Dataset tab): offer to start a project from it."""
        dataset = self.state.workspace.file_dataset
        if dataset is None:
            return
        self._offer_dataset = dataset
        source = getattr(getattr(dataset, "report", None), "path", "") or "the dataset"
        self.tab.offer_bar.offer(Path(str(source)).name)
        if self.tab.session is None:
            self.state.message(
                "Dataset loaded. Start a labelling project from it in the Label tab or with "
                "File > New project.",
                8000,
            )

    # -- new project ---------------------------------------------------------------------
    @Slot()
    def choose_new_project(self) -> None:
        """Ask for a file name and create a project from the loaded data (or ask for a file)."""
        dataset = self._offer_dataset or self.state.workspace.file_dataset
        start = str(self.state.settings.value("last_dir", str(Path.home())))
        if dataset is None:
            data_path, _ = QFileDialog.getOpenFileName(
                self.tab, "New project: choose the data to label", start, DATA_FILTER
            )
            if not data_path:
                return
            self.state.open_path_requested.emit(data_path)
            self.state.message("Loading the data; then press “Start a project from it…”", 8000)
            return
        source = getattr(getattr(dataset, "report", None), "path", "") or ""
        suggested = str(Path(start) / (Path(source).stem or "project")) + ".sstudio"
        path, _ = QFileDialog.getSaveFileName(
            self.tab, "New project", suggested, "Sentiment Studio projects (*.sstudio)"
        )
        if path:
            if not path.endswith(".sstudio"):
                path += ".sstudio"
            self.create_project(path, dataset, source=source)

    def create_project(self, path: str, data: Any, source: str | None = None) -> bool:
        """Create a project from a Dataset (or rows) off the GUI thread, then open it.

        Returns True when the creation started; the tab's ``project_changed`` follows.
        """
        from desktop_app.core.project.store import ProjectStore

        if self._create_task is not None:
            self.state.message("A project is being created already.", 4000)
            return False

        def create(ctx: Any) -> str:
            store = ProjectStore.create(path, data, source=source, overwrite=True, ctx=ctx)
            created = str(store.path)
            store.close()
            return created

        task = self._create_task = self._tasks.start(create, "create project")
        task.on_result(self._on_created).on_failed(self._on_create_failed)
        self.state.message(f"Creating the project {Path(path).name}…", 0)
        return True

    def _on_created(self, payload: object) -> None:
        self._create_task = None
        from desktop_app.core.errors import ProjectError
        from desktop_app.core.project.store import ProjectStore

        try:
            store = ProjectStore.open(str(payload))
        except ProjectError as exc:
            show_error(self.tab, "New project", str(exc))
            return
        self._offer_dataset = None
        self.tab.attach(store)
        self.state.message(f"Project {store.path.name} created: every label is saved as you go.")
        self.state.show_tab.emit("labelTab")

    def _on_create_failed(self, message: str, details: str) -> None:
        self._create_task = None
        self.state.message("", 1)
        show_error(self.tab, "New project", message, details)

    # -- open ---------------------------------------------------------------------------
    @Slot()
    def choose_open_project(self) -> None:
        start = str(self.state.settings.value("last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self.tab, "Open project", start, PROJECT_FILTER)
        if path and self.tab.open_project(path):
            self.state.show_tab.emit("labelTab")

    def shutdown(self) -> None:
        self._tasks.shutdown()
