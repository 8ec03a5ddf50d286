"""What a user can do with a table row: Explain it, Relabel it, copy its text.

Double-click a row to explain its text (the Explain tab comes to the front and runs); the
context menu (right-click, or the menu key) offers Explain, Relabel -- with a project open,
the Label tab shows that row -- and Copy text (also Ctrl+C, for every selected row).
The table says how to get a row's text and project row id; this module does the rest through
:class:`~desktop_app.ui.app_state.AppState`'s signals, so tables need not know the other tabs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractProxyModel, QModelIndex, QObject, QPoint, Qt, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QTableView

from desktop_app.ui.app_state import AppState

TextOf = Callable[[int], str]  # source row -> the row's full text
RowIdOf = Callable[[int], "int | None"]  # source row -> project row id, None without a project


class RowActions(QObject):
    """Explain / Relabel / Copy text for the rows of ``view`` (see the module docstring)."""

    def __init__(
        self,
        view: QTableView,
        state: AppState,
        text_of: TextOf,
        row_id_of: RowIdOf | None = None,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.state = state
        self.text_of = text_of
        self.row_id_of = row_id_of
        self.menu: QMenu | None = None  # the context menu last shown
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_menu_requested)
        view.doubleClicked.connect(self._on_double_clicked)
        copy = QAction("Copy text", view)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selected)
        view.addAction(copy)

    # -- rows -------------------------------------------------------------------------------
    def source_row(self, index: QModelIndex) -> int:
        """The source model's row behind a view index (-1 for none)."""
        if not index.isValid():
            return -1
        model = self.view.model()
        if isinstance(model, QAbstractProxyModel):
            index = model.mapToSource(index)
        return index.row() if index.isValid() else -1

    def row_id(self, source_row: int) -> int | None:
        return self.row_id_of(source_row) if self.row_id_of is not None else None

    # -- the actions ------------------------------------------------------------------------
    def explain(self, source_row: int) -> None:
        """Send the row's text to the Explain tab, bring it to the front and explain."""
        text = self.text_of(source_row)
        if not text.strip():
            self.state.message("This row has no text to explain.", 5000)
            return
        self.state.show_tab.emit("explainTab")
        self.state.explain_requested.emit(text)

    def relabel(self, source_row: int) -> None:
        """Ask the Label tab to show the row (with a project open)."""
        row_id = self.row_id(source_row)
        if row_id is None:
            self.state.message("Open a project to relabel rows (File ▸ Open project).", 5000)
            return
        self.state.show_tab.emit("labelTab")
        self.state.relabel_requested.emit(int(row_id))

    def copy(self, source_rows: list[int]) -> None:
        """The rows' full texts, one per line, to the clipboard."""
        texts = [self.text_of(row) for row in source_rows]
        QGuiApplication.clipboard().setText("\n".join(texts))
        if len(texts) > 1:
            self.state.message(f"Copied {len(texts):,} texts", 3000)

    @Slot()
    def copy_selected(self) -> None:
        selection = self.view.selectionModel()
        indexes = selection.selectedRows() if selection is not None else []
        if not indexes and self.view.currentIndex().isValid():
            indexes = [self.view.currentIndex()]
        rows = sorted({r for r in (self.source_row(i) for i in indexes) if r >= 0})
        if rows:
            self.copy(rows)

    # -- menu and double-click ---------------------------------------------------------------
    def menu_for(self, index: QModelIndex) -> QMenu | None:
        """The context menu for the row at ``index`` (None off the rows)."""
        row = self.source_row(index)
        if row < 0:
            return None
        menu = QMenu(self.view)
        menu.setObjectName("rowMenu")
        explain = menu.addAction("Explain")
        explain.setObjectName("explainRowAction")
        explain.setToolTip("Explain this text in the Explain tab (double-click does the same)")
        menu.setDefaultAction(explain)
        explain.triggered.connect(lambda: self.explain(row))
        relabel = menu.addAction("Relabel…")
        relabel.setObjectName("relabelRowAction")
        has_id = self.row_id(row) is not None
        relabel.setEnabled(has_id)
        relabel.setToolTip(
            "Show this row in the Label tab" if has_id else "Relabelling needs an open project"
        )
        relabel.triggered.connect(lambda: self.relabel(row))
        menu.addSeparator()
        copy = menu.addAction("Copy text")
        copy.setObjectName("copyRowAction")
        copy.triggered.connect(lambda: self.copy([row]))
        menu.setToolTipsVisible(True)
        return menu

    @Slot(QPoint)
    def _on_menu_requested(self, pos: QPoint) -> None:
        menu = self.menu_for(self.view.indexAt(pos))
        if menu is None:
            return
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        row = self.source_row(index)
        if row >= 0:
            self.explain(row)
