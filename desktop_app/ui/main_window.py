"""The main window: assembles the tabs, menus and status bar. Nothing else lives here."""

from __future__ import annotations

import gc
import importlib
import logging
import os
import platform
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from desktop_app import APP_NAME, ORG_NAME, __version__
from desktop_app.ui import wheel_guard
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.gc_guard import GuiThreadGarbageCollector
from desktop_app.ui.widgets.recent_menu import RecentFilesMenu
from desktop_app.worker import ModelService

log = logging.getLogger(__name__)

# (module, class) of each tab, in order. Each is built as Tab(state).
TABS: list[tuple[str, str]] = [
    ("desktop_app.ui.tabs.dataset_tab", "DatasetTab"),
    ("desktop_app.ui.tabs.training_tab", "TrainingTab"),
    ("desktop_app.ui.tabs.predict_tab", "PredictTab"),
    ("desktop_app.ui.tabs.explain_tab", "ExplainTab"),
    ("desktop_app.ui.tabs.label_tab", "LabelTab"),
]

MAX_RECENT = 10
DATA_FILTER = (
    "Data files (*.csv *.tsv *.txt *.json *.jsonl *.xlsx *.parquet *.neg *.pos);;All files (*)"
)


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.settings = settings or QSettings(ORG_NAME, APP_NAME)
        # Before any background thread starts: garbage cycles holding Qt objects must be freed
        # on this thread (see gc_guard).
        self.gc_guard = GuiThreadGarbageCollector(self)
        self.service = ModelService(self)
        self.state = AppState(self.service, self.settings, self)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.tab_widgets: dict[str, QWidget] = {}
        for module_name, class_name in TABS:
            cls = getattr(importlib.import_module(module_name), class_name)
            tab = cls(self.state)
            self.tab_widgets[tab.objectName() or class_name] = tab
            self.tabs.addTab(tab, getattr(tab, "TITLE", class_name))

        # The wheel changes only spin and combo boxes the user clicked into (see wheel_guard);
        # boxes a tab adds later are guarded when it comes to the front.
        wheel_guard.guard(self.tabs)
        self.tabs.currentChanged.connect(self._guard_current_tab)
        self._build_status_bar()
        self._build_menus()
        from desktop_app.ui.project_menu import ProjectMenu  # New/Open/Save as project, title

        self.project_menu = ProjectMenu(self)
        self._connect_state()
        self._restore_geometry()

        # Import torch/transformers on the worker thread, after the window is up.
        self.service.submit("probe").on_result(self._on_probed).on_failed(self._on_probe_failed)

    # -- construction -------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.device_label = QLabel("Device: loading engine…")
        self.device_label.setObjectName("deviceLabel")
        self.device_label.setToolTip("Compute device used for training and prediction")
        self.model_label = QLabel("Model: —")
        self.model_label.setObjectName("modelLabel")
        self.worker_label = QLabel("Worker: idle")
        self.worker_label.setObjectName("workerLabel")
        from desktop_app.ui.inference_settings import PrecisionLabel

        self.precision_label = PrecisionLabel(self.state.inference, self.service, self)
        labels = (self.model_label, self.device_label, self.precision_label, self.worker_label)
        for label in labels:
            bar.addPermanentWidget(label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.file_menu = file_menu
        open_action = QAction("&Open dataset…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_dataset)
        file_menu.addAction(open_action)

        self.sample_menu = QMenu("Open &sample", self)
        self.sample_menu.setObjectName("sampleMenu")
        self.sample_menu.aboutToShow.connect(self._fill_sample_menu)
        file_menu.addMenu(self.sample_menu)

        self.recent_menu = RecentFilesMenu(
            "&Recent files",
            self.settings,
            "recent_files",
            empty_text="No recent files",
            max_count=MAX_RECENT,
            parent=self,
        )
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.opened.connect(self.open_path)
        file_menu.addMenu(self.recent_menu)

        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        view_menu.setObjectName("viewMenu")
        for index in range(self.tabs.count()):
            action = QAction(f"&{index + 1} {self.tabs.tabText(index)}", self)
            action.setObjectName(f"showTab{index + 1}")
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.setData(index)
            action.triggered.connect(self._show_tab_action)
            view_menu.addAction(action)

        from desktop_app.ui.inference_settings import InferenceMenu

        self.model_menu = InferenceMenu(self.state.inference, self)
        self.menuBar().addMenu(self.model_menu)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        guide = QAction("&First ten minutes", self)
        guide.setObjectName("guideAction")
        guide.triggered.connect(self.show_guide)
        help_menu.addAction(guide)
        shortcuts = QAction("&Keyboard shortcuts", self)
        shortcuts.setObjectName("shortcutsAction")
        shortcuts.setShortcut(QKeySequence("Ctrl+/"))
        shortcuts.triggered.connect(self.show_shortcuts)
        help_menu.addAction(shortcuts)
        help_menu.addSeparator()
        about = QAction(f"&About {APP_NAME}", self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    @Slot()
    def _show_tab_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.tabs.setCurrentIndex(int(action.data()))

    @Slot()
    def show_shortcuts(self) -> None:
        from desktop_app.ui.help import ShortcutsDialog

        ShortcutsDialog(self).open()

    @Slot()
    def show_guide(self) -> None:
        from desktop_app.ui.help import GuideDialog

        GuideDialog(self).open()

    def _connect_state(self) -> None:
        self.service.state_changed.connect(self._on_worker_state)
        self.state.status_message.connect(self._on_status_message)
        self.state.show_tab.connect(self.show_tab)
        self.state.open_path_requested.connect(self.open_path)
        self.state.model_changed.connect(self._on_model_changed)

    # -- opening files --------------------------------------------------------------
    @Slot()
    def choose_dataset(self) -> None:
        start = str(self.settings.value("last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", start, DATA_FILTER)
        if path:
            self.open_path(path)

    @Slot(str)
    def open_path(self, path: str) -> None:
        """Open a data file, folder or NLTK corpus (``nltk:NAME``) in the Dataset tab."""
        if path.endswith(".sstudio"):  # a project: the Label tab opens it
            self.project_menu.open_project(path)
            return
        if not path.startswith("nltk:") and not os.path.exists(path):
            show_error(self, "Open dataset", f"The file {path!r} does not exist.")
            return
        if not path.startswith("nltk:"):
            self.settings.setValue("last_dir", str(Path(path).parent))
        self.add_recent(path)
        tab = self.tab_widgets.get("datasetTab")
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
            tab.open_path(path)

    def add_recent(self, path: str) -> None:
        if not path.startswith("nltk:"):
            path = str(Path(path).resolve())
        self.recent_menu.add(path)

    def recent_files(self) -> list[str]:
        return self.recent_menu.paths()

    @Slot()
    def _fill_sample_menu(self) -> None:
        self.sample_menu.clear()
        # The Dataset tab looks for the corpora on its loader thread after start-up: importing
        # nltk takes seconds and would freeze the menu here.
        corpora = getattr(self.tab_widgets.get("datasetTab"), "sample_corpora", [])
        if corpora is None:
            action = self.sample_menu.addAction("Looking for NLTK corpora…")
            action.setEnabled(False)
            return
        if not corpora:
            action = self.sample_menu.addAction("No NLTK corpora found on the NLTK data path")
            action.setEnabled(False)
            return
        for name in corpora:
            action = self.sample_menu.addAction(name)
            action.setData(f"nltk:{name}")
            action.triggered.connect(self._open_sample)

    @Slot()
    def _open_sample(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.open_path(str(action.data()))

    # -- drag and drop ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.open_path(url.toLocalFile())
                return

    # -- status ---------------------------------------------------------------------
    @Slot(str)
    def _on_worker_state(self, text: str) -> None:
        self.worker_label.setText(f"Worker: {text}")

    def _on_probed(self, payload: object) -> None:
        if isinstance(payload, dict):
            # torch and transformers are imported now: keep their objects out of later full
            # collections, which run on this thread (gc_guard) and would otherwise stall it.
            gc.freeze()
            self.state.device_info = payload
            device = payload.get("device", "cpu")
            label = payload.get("name", device)
            self.device_label.setText(f"Device: {label}")
            self.device_label.setToolTip(
                f"Compute device: {device}; torch uses {payload.get('torch_threads')} CPU threads"
            )

    def _on_probe_failed(self, message: str, details: str) -> None:
        self.device_label.setText("Device: unavailable")
        show_error(
            self, "Compute engine", f"The compute engine could not start: {message}", details
        )

    @Slot(str, int)
    def _on_status_message(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        name = info.get("name") or "—"
        suffix = "" if info.get("saved", True) else " (not saved)"
        self.model_label.setText(f"Model: {name}{suffix}")

    @Slot(int)
    def _guard_current_tab(self, _index: int) -> None:
        current = self.tabs.currentWidget()
        if current is not None:
            wheel_guard.guard(current)

    @Slot(str)
    def show_tab(self, object_name: str) -> None:
        tab = self.tab_widgets.get(object_name)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)

    # -- about ----------------------------------------------------------------------
    def about_text(self) -> str:
        import sys

        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from desktop_app.paths import log_file

        versions = self.state.device_info.get("versions", {})
        device = self.state.device_info.get("name", "still loading")
        torch_version = versions.get("torch") or (
            getattr(sys.modules.get("torch"), "__version__", None) or "loading…"
        )
        transformers_version = versions.get("transformers") or "loading…"
        return (
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Label, train, predict and explain text sentiment.</p>"
            "<table>"
            f"<tr><td>Python</td><td>{platform.python_version()}</td></tr>"
            f"<tr><td>Qt / PySide6</td><td>{qVersion()} / {pyside_version}</td></tr>"
            f"<tr><td>torch</td><td>{torch_version}</td></tr>"
            f"<tr><td>transformers</td><td>{transformers_version}</td></tr>"
            f"<tr><td>Compute device</td><td>{device}</td></tr>"
            f"<tr><td>Log file</td><td>{log_file()}</td></tr>"
            "</table>"
        )

    @Slot()
    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setObjectName("aboutDialog")
        box.setWindowTitle(f"About {APP_NAME}")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(self.about_text())
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.open()

    # -- geometry and shutdown ---------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        for tab in self.tab_widgets.values():
            confirm = getattr(tab, "confirm_close", None)
            if confirm is not None and not confirm():
                event.ignore()
                return
        self.settings.setValue("geometry", self.saveGeometry())
        for tab in self.tab_widgets.values():
            shutdown = getattr(tab, "shutdown", None)
            if shutdown is not None:
                shutdown()
        self.service.shutdown()
        self.gc_guard.stop()
        event.accept()
        super().closeEvent(event)
