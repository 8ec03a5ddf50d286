"""The Dataset tab's table: a virtual model that stays smooth at a million rows, and the
panel around it (search, filters, sorting, row actions).

The columns come as sequences with O(1) indexing (numpy arrays, or the views of
:mod:`desktop_app.ui.lazy_columns`), prepared off the GUI thread, so ``data()`` is a constant
amount of work per cell: never ``DataFrame.iloc`` per cell, never a conversion of a whole column.
Sorting and filtering go through :mod:`desktop_app.ui.tables` (computed off the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QTableView, QVBoxLayout, QWidget

from desktop_app.ui.app_state import AppState
from desktop_app.ui.tables.controller import TableController
from desktop_app.ui.tables.filter_bar import TableFilterBar
from desktop_app.ui.tables.query import EMPTY
from desktop_app.ui.tables.row_actions import RowActions

DISPLAY_CHARS = 400  # a cell shows this much of a long text; the tooltip shows more
TOOLTIP_CHARS = 3000

Index = QModelIndex | QPersistentModelIndex


class DatasetTableModel(QAbstractTableModel):
    """Columns: row in the file (or the project's row id), text, label, split. Read-only.

    ``rows`` holds 0-based rows of the file, shown from 1; a project's row ids are shown as
    they are (``row_offset=0``).
    """

    HEADERS = ("Row", "Text", "Label", "Split")
    KEYS = ("row", "text", "label", "split")  # what the table controller sorts and filters by
    LABEL_COLUMN, SPLIT_COLUMN = 2, 3

    def __init__(
        self,
        rows: Any = None,
        texts: Any = None,
        labels: Any = None,
        splits: Any = None,
        parent: Any = None,
        row_offset: int = 1,
    ) -> None:
        super().__init__(parent)
        self.row_offset = row_offset
        self._rows = rows if rows is not None else ()
        self._texts = texts if texts is not None else ()
        self._labels = labels if labels is not None else ()
        self._splits = splits if splits is not None else ()
        self._count = len(self._texts)

    # -- Qt model API ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return self.cell(index.row(), index.column(), role)

    def cell(self, row: int, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """``data()`` without a model index (the sorting proxy calls it directly)."""
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                if len(self._rows):
                    return str(int(self._rows[row]) + self.row_offset)
                return str(row + 1)
            if col == 1:
                text = self.text(row)
                if len(text) > DISPLAY_CHARS:
                    text = text[:DISPLAY_CHARS] + "…"
                # One line per row: a newline inside a text would be cut at the row height.
                return text.replace("\r", " ").replace("\n", " ")
            if col == 2:
                label = self._labels[row]
                return "" if label is None or label != label else str(label)  # None/NaN
            return str(self._splits[row] or "") if len(self._splits) else ""
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            text = self.text(row)
            return text if len(text) <= TOOLTIP_CHARS else text[:TOOLTIP_CHARS] + "…"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def text(self, row: int) -> str:
        """The full text of ``row`` (cells show a shortened one)."""
        text = self._texts[row]
        return text if isinstance(text, str) else "" if text is None else str(text)

    def columns(self) -> dict[str, Any]:
        """The columns by key, for sorting and filtering (a missing one sorts by position)."""
        out = {"text": self._texts, "label": self._labels}
        if len(self._rows):
            out["row"] = self._rows
        if len(self._splits):
            out["split"] = self._splits
        return out

    def rows_changed(
        self, rows: list[int], first: int = LABEL_COLUMN, last: int = SPLIT_COLUMN
    ) -> None:
        """Repaint the cells ``first..last`` of ``rows`` after their values changed in place."""
        if not rows:
            return
        if len(rows) > 64:
            low, high = min(rows), max(rows)
            self.dataChanged.emit(self.index(low, first), self.index(high, last))
            return
        for row in rows:
            self.dataChanged.emit(self.index(row, first), self.index(row, last))

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None


class DatasetTablePanel(QWidget):
    """The table with its filter bar: sort by a column header, search the texts, filter by
    label and split; double-click or right-click a row to explain, relabel or copy it."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = TableFilterBar("Search the texts")
        self.bar.add_choice("label", "Label")
        self.bar.add_choice("split", "Split")
        self.view = QTableView()
        self.view.setObjectName("datasetTable")
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        vertical = self.view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.controller = TableController(
            self.view, self.bar, DatasetTableModel.KEYS, "datasetTable", search_keys=("text",)
        )
        self.source = DatasetTableModel(parent=self)
        self.controller.set_source(self.source, self.source.columns())
        self.row_id_of: Callable[[int], int | None] | None = None  # set for a project
        self.actions = RowActions(self.view, state, self._text_of, self._row_id_of)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)

    def show_data(
        self,
        model: DatasetTableModel,
        row_id_of: Callable[[int], int | None] | None = None,
        keep_query: bool = False,
    ) -> None:
        """Show ``model`` (a new data set: ``keep_query=False`` clears search and filters)."""
        old, self.source = self.source, model
        self.row_id_of = row_id_of
        self._offer_choices()
        self.controller.set_source(model, model.columns(), keep_query=keep_query)
        if old is not model:
            old.deleteLater()
        header = self.view.horizontalHeader()
        # Widths from font metrics, not ResizeToContents: that asks data() for a thousand rows.
        digits = len(f"{model.rowCount()}") + 1
        metrics = self.view.fontMetrics()
        for column, mode in enumerate(
            (QHeaderView.ResizeMode.Interactive, QHeaderView.ResizeMode.Stretch)
            + (QHeaderView.ResizeMode.Interactive,) * 2
        ):
            header.setSectionResizeMode(column, mode)
        header.resizeSection(0, metrics.horizontalAdvance("9" * digits) + 28)  # + sort arrow
        header.resizeSection(2, 110)
        header.resizeSection(3, 90)

    def labels_changed(self, rows: list[int]) -> None:
        """The labels (and splits) of source ``rows`` were edited in place: repaint them,
        and sort or filter again if the table is sorted or filtered by label or split."""
        self.source.rows_changed(rows)
        self._offer_choices()
        self.controller.values_changed(("label", "split"))

    def _offer_choices(self) -> None:
        columns = self.source.columns()
        for key, empty in (("label", "(unlabelled)"), ("split", "(none)")):
            column = columns.get(key)
            values = [str(c) for c in getattr(column, "categories", []) if str(c) != EMPTY]
            self.bar.set_choices(key, [*values, EMPTY] if column is not None else [], empty)

    def _text_of(self, row: int) -> str:
        return self.source.text(row)

    def _row_id_of(self, row: int) -> int | None:
        return self.row_id_of(row) if self.row_id_of is not None else None
