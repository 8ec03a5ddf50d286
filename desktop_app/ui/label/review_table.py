"""The Label tab's review list as a table to sort, search and filter: suspicious labels
(the label, what the model says, its confidence) and duplicate texts with conflicting
labels. Double-click (or Enter on) a row to open it on the card; right-click to copy its
text. Sorting and filtering use the Dataset table's pieces (:mod:`desktop_app.ui.tables`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView, QVBoxLayout, QWidget

from desktop_app.ui.tables.controller import TableController
from desktop_app.ui.tables.filter_bar import TableFilterBar

Index = QModelIndex | QPersistentModelIndex
RowName = Callable[[int], int]  # row id -> the row number the user knows
# The text second: in the narrow side panel the row, its text and its label show first.
HEADERS = ["Row", "Text", "Label", "Model says", "Confidence", "Kind"]
KEYS = ["row", "text", "label", "predicted", "confidence", "kind"]
TEXT_WIDTH = 170
SUSPICIOUS, DUPLICATE = "suspicious", "duplicate"


class ReviewModel(QAbstractTableModel):
    """One row per finding: row number, kind, label(s), model's label, confidence, text."""

    def __init__(
        self,
        suspicious: Sequence[dict] = (),
        duplicates: Sequence[dict] = (),
        row_name: RowName | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        name = row_name or (lambda row_id: row_id)
        self.ids: list[int] = []
        self.rows: list[int] = []
        self.kinds: list[str] = []
        self.labels: list[str] = []
        self.predicted: list[str] = []
        self.confidence: list[float | None] = []
        self.texts: list[str] = []
        for item in suspicious:
            self._add(
                int(item["row_id"]),
                name(int(item["row_id"])),
                SUSPICIOUS,
                str(item["label"]),
                str(item["predicted"]),
                float(item["confidence"]),
                str(item["text"]),
            )
        for dup in duplicates:
            labels = ", ".join(f"{k} ×{v}" for k, v in dup["labels"].items())
            first = int(dup["rows"][0]["row_id"])
            self._add(first, name(first), DUPLICATE, labels, "", None, str(dup["text"]))

    def _add(self, *values: Any) -> None:
        for column, value in zip(
            (self.ids, self.rows, self.kinds, self.labels, self.predicted, self.confidence),
            values[:6],
            strict=True,
        ):
            column.append(value)
        self.texts.append(values[6])

    def columns(self) -> dict[str, Sequence[Any]]:
        return {
            "row": self.rows,
            "kind": self.kinds,
            "label": self.labels,
            "predicted": self.predicted,
            "confidence": self.confidence,
            "text": self.texts,
        }

    def describe(self, row: int) -> str:
        """The finding in a sentence (tooltips, tests)."""
        if self.kinds[row] == DUPLICATE:
            return f"Duplicate with conflicting labels ({self.labels[row]}): {self.texts[row]}"
        return (
            f"Row {self.rows[row]}: labelled {self.labels[row]}, the model says "
            f"{self.predicted[row]} ({100 * (self.confidence[row] or 0):.0f}%) — {self.texts[row]}"
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(self.rows[row])
            if col == 1:
                return " ".join(self.texts[row][:300].split())
            if col == 4:
                value = self.confidence[row]
                return "" if value is None else f"{value:.0%}"
            return {2: self.labels, 3: self.predicted, 5: self.kinds}[col][row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.describe(row)[:3000]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None


class _ReviewView(QTableView):
    """Enter opens the current row, like a double-click."""

    activated_row = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class ReviewTable(QWidget):
    """The findings with a search box and Kind / Label filters; ``row_activated(row_id)``."""

    row_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = TableFilterBar("Search the texts", two_rows=True)
        self.bar.setObjectName("reviewFilterBar")
        self.bar.search.setMinimumWidth(100)
        self.bar.add_choice("kind", "Show", "Suspicious labels or conflicting duplicates")
        self.bar.add_choice("label", "Label")
        self.view = _ReviewView()
        self.view.setObjectName("reviewList")
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.source = ReviewModel(parent=self)
        self.controller = TableController(self.view, self.bar, KEYS, "reviewList")
        self.controller.set_source(self.source, self.source.columns())
        header = self.view.horizontalHeader()
        for column in range(len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, TEXT_WIDTH)
        header.setStretchLastSection(True)
        self.view.doubleClicked.connect(self._on_activated)
        self.view.activated_row.connect(self._on_activated)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_menu)
        self.menu: QMenu | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)

    def show_rows(self, suspicious: list[dict], duplicates: list[dict], row_name: RowName) -> None:
        old, self.source = self.source, ReviewModel(suspicious, duplicates, row_name, self)
        kinds = [k for k in (SUSPICIOUS, DUPLICATE) if k in self.source.kinds]
        self.bar.set_choices("kind", kinds)
        self.bar.set_choices("label", sorted({x for x in self.source.labels if x}))
        self.controller.set_source(self.source, self.source.columns())
        old.deleteLater()

    def clear(self) -> None:
        self.show_rows([], [], lambda row_id: row_id)

    def count(self) -> int:
        """Findings in all (shown or filtered out)."""
        return self.source.rowCount()

    def shown_texts(self) -> list[str]:
        """Each shown finding in a sentence, in the table's order."""
        proxy = self.view.model()
        return [
            self.source.describe(self.controller.source_row(r)) for r in range(proxy.rowCount())
        ]

    def row_id(self, view_row: int) -> int:
        return self.source.ids[self.controller.source_row(view_row)]

    def shutdown(self) -> None:
        self.controller.shutdown()

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.row_activated.emit(self.row_id(index.row()))

    @Slot(QPoint)
    def _on_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        row = self.controller.source_row(index.row())
        menu = QMenu(self.view)
        menu.setObjectName("reviewRowMenu")
        menu.addAction("Open on the card", lambda: self._on_activated(index))
        menu.addAction(
            "Copy text", lambda: QGuiApplication.clipboard().setText(self.source.texts[row])
        )
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))
