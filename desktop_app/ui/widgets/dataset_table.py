"""A virtual table over a dataset's columns that stays smooth at a million rows.

The columns come as sequences with O(1) indexing (numpy arrays, or the views of
:mod:`desktop_app.ui.lazy_columns`), prepared off the GUI thread, so ``data()`` is a constant
amount of work per cell: never ``DataFrame.iloc`` per cell, never a conversion of a whole column.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

DISPLAY_CHARS = 400  # a cell shows this much of a long text; the tooltip shows more
TOOLTIP_CHARS = 3000

Index = QModelIndex | QPersistentModelIndex


class DatasetTableModel(QAbstractTableModel):
    """Columns: row in the file, text, label, split. Read-only."""

    HEADERS = ("Row", "Text", "Label", "Split")

    def __init__(
        self,
        rows: Any = None,
        texts: Any = None,
        labels: Any = None,
        splits: Any = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
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
        if role == Qt.ItemDataRole.DisplayRole:
            row, col = index.row(), index.column()
            if col == 0:
                return str(int(self._rows[row]) + 1) if len(self._rows) else str(row + 1)
            if col == 1:
                text = self._texts[row]
                if not isinstance(text, str):
                    text = "" if text is None else str(text)
                if len(text) > DISPLAY_CHARS:
                    text = text[:DISPLAY_CHARS] + "…"
                # One line per row: a newline inside a text would be cut at the row height.
                return text.replace("\r", " ").replace("\n", " ")
            if col == 2:
                label = self._labels[row]
                return "" if label is None or label != label else str(label)  # None/NaN
            return str(self._splits[row] or "") if len(self._splits) else ""
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            text = str(self._texts[index.row()])
            return text if len(text) <= TOOLTIP_CHARS else text[:TOOLTIP_CHARS] + "…"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None
