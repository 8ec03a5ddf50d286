"""File-menu items for projects: New project, Open project, Save as, Recent projects, Close.

Kept out of ``main_window.py`` (which only assembles): the main window creates one
``ProjectMenu(window)``; it adds its actions at the top of the File menu, follows the
Label tab's ``project_changed`` signal to show the project in the title bar and keeps the
recent-projects list in QSettings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from desktop_app import APP_NAME
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.widgets.recent_menu import RecentFilesMenu

RECENT_KEY = "recent_projects"
MAX_RECENT = 10
PROJECT_FILTER = "Sentiment Studio projects (*.sstudio);;All files (*)"


class ProjectMenu(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.settings = window.settings
        self.tab = window.tab_widgets.get("labelTab")
        menu: QMenu = window.file_menu
        first = menu.actions()[0] if menu.actions() else None

        self.new_action = QAction("&New project…", window)
        self.new_action.setObjectName("newProjectAction")
        self.new_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_action.setToolTip("Start a labelling project from the current dataset")
        self.new_action.triggered.connect(self.new_project)
        self.open_action = QAction("Open &project…", window)
        self.open_action.setObjectName("openProjectAction")
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_action.triggered.connect(self.choose_project)
        self.save_as_action = QAction("Save project &as…", window)
        self.save_as_action.setObjectName("saveProjectAsAction")
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as_action.triggered.connect(self.save_as)
        self.close_action = QAction("&Close project", window)
        self.close_action.setObjectName("closeProjectAction")
        self.close_action.triggered.connect(self.close_project)
        self.recent_menu = RecentFilesMenu(
            "Recent pro&jects",
            self.settings,
            RECENT_KEY,
            empty_text="No recent projects",
            max_count=MAX_RECENT,
            parent=window,
        )
        self.recent_menu.setObjectName("recentProjectsMenu")
        self.recent_menu.opened.connect(self.open_project)

        for action in (self.new_action, self.open_action, self.save_as_action):
            menu.insertAction(first, action)
        menu.insertMenu(first, self.recent_menu)
        menu.insertAction(first, self.close_action)
        menu.insertSeparator(first)
        if self.tab is not None:
            self.tab.project_changed.connect(self._on_project_changed)
            self.tab.banner.save_copy_requested.connect(self.save_as)
        self._on_project_changed("")

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def new_project(self) -> None:
        if self.tab is not None:
            self.window.show_tab("labelTab")
            self.tab.choose_new_project()

    @Slot()
    def choose_project(self) -> None:
        start = str(self.settings.value("last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", start, PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path: str) -> bool:
        if self.tab is None:
            return False
        if not Path(path).exists():
            show_error(self.window, "Open project", f"The project {path} does not exist.")
            return False
        if self.tab.open_project(path):
            self.settings.setValue("last_dir", str(Path(path).parent))
            self.window.show_tab("labelTab")
            return True
        return False

    @Slot()
    def save_as(self) -> None:
        if self.tab is None or not self.tab.project_path:
            return
        from desktop_app.core.project.access import folder_problem

        current = Path(self.tab.project_path)
        suggested = current.with_name(current.stem + " copy.sstudio")
        if folder_problem(suggested):  # a read-only folder: suggest one the user can write
            suggested = (
                Path(str(self.settings.value("last_dir", str(Path.home())))) / suggested.name
            )
            if folder_problem(suggested):
                suggested = Path.home() / suggested.name
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save project as", str(suggested), PROJECT_FILTER
        )
        if path:
            if not path.endswith(".sstudio"):
                path += ".sstudio"
            self.tab.save_project_as(path)

    @Slot()
    def close_project(self) -> None:
        if self.tab is not None:
            self.tab.close_project()

    # -- title and recent list -------------------------------------------------------------
    @Slot(str)
    def _on_project_changed(self, path: str) -> None:
        has_project = bool(path)
        self.save_as_action.setEnabled(has_project)
        self.close_action.setEnabled(has_project)
        if has_project:
            store = self.tab.store if self.tab is not None else None
            read_only = " (read-only)" if store is not None and store.read_only else ""
            self.window.setWindowTitle(f"{Path(path).name}{read_only} — {APP_NAME}")
            self.window.setWindowFilePath(path)
            self.add_recent(path)
        else:
            self.window.setWindowTitle(APP_NAME)

    def recent(self) -> list[str]:
        return self.recent_menu.paths()

    def add_recent(self, path: str) -> None:
        self.recent_menu.add(str(Path(path).resolve()))
