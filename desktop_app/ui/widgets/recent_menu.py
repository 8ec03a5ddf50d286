"""A "Recent …" menu over a list of paths kept in QSettings (recent files, recent projects)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget


class RecentFilesMenu(QMenu):
    """Lists the paths stored under ``key`` (newest first), filled each time it opens.

    Choosing one emits ``opened(path)``; "Clear list" empties it. Callers normalise a path
    (resolve it, or not for ``nltk:`` names) before :meth:`add`.
    """

    opened = Signal(str)

    def __init__(
        self,
        title: str,
        settings: QSettings,
        key: str,
        *,
        empty_text: str,
        max_count: int = 10,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.settings = settings
        self.key = key
        self.empty_text = empty_text
        self.max_count = max_count
        self.aboutToShow.connect(self._fill)

    def paths(self) -> list[str]:
        """The stored paths, newest first."""
        value = self.settings.value(self.key, [])
        if isinstance(value, str):  # QSettings (INI) gives a one-item list back as a string
            value = [value]
        return [str(v) for v in (value or [])]

    def add(self, path: str) -> None:
        """Put ``path`` first (once), keeping at most ``max_count``."""
        items = [p for p in self.paths() if p != path]
        self.settings.setValue(self.key, [path, *items][: self.max_count])

    @Slot()
    def clear_paths(self) -> None:
        self.settings.setValue(self.key, [])

    @Slot()
    def _fill(self) -> None:
        self.clear()
        items = self.paths()
        if not items:
            self.addAction(self.empty_text).setEnabled(False)
            return
        for index, path in enumerate(items, start=1):
            action = self.addAction(f"&{index % 10} {path}")
            action.setData(path)
            action.triggered.connect(self._on_triggered)
        self.addSeparator()
        self.addAction("Clear list").triggered.connect(self.clear_paths)

    @Slot()
    def _on_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.opened.emit(str(action.data()))
