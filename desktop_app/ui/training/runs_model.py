"""The runs of one place as a Qt table model: name (editable), kind, created, data, figures,
pinned (a check box).

The registry (``desktop_app.core.runs.registry``) owns the runs; this model holds the records
it last listed and writes a rename or a pin straight back to it (one small JSON file each), so
the list and the folder never disagree. ``problem(message)`` reports a write that failed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop_app.core.errors import UserError

COLUMNS = ["Name", "Kind", "Created", "Data", "Accuracy", "Macro-F1", "Pinned"]
NAME, KIND, CREATED, DATA, ACCURACY, MACRO_F1, PINNED = range(len(COLUMNS))

Index = QModelIndex | QPersistentModelIndex


def figure_text(metrics: dict[str, Any], key: str) -> str:
    """``0.750 (0.51–0.90, n = 16)``: the figure with its interval (below 1,000 rows)."""
    from desktop_app.core.training.metrics import format_figure

    value = metrics.get(key)
    if not isinstance(value, (int, float)):
        return "–"
    ci = metrics.get(f"{key}_ci")
    n = metrics.get("n")
    return format_figure(float(value), ci or None, int(n) if ci and n else None)


class RunsTableModel(QAbstractTableModel):
    problem = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.registry: Any = None
        self.records: list[Any] = []

    # -- contents -------------------------------------------------------------------------
    def set_runs(self, registry: Any, records: list[Any]) -> None:
        self.beginResetModel()
        self.registry = registry
        self.records = list(records)
        self.endResetModel()

    def record(self, row: int) -> Any:
        return self.records[row]

    def row_of(self, run_id: str) -> int:
        return next((i for i, r in enumerate(self.records) if r.id == run_id), -1)

    # -- QAbstractTableModel --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.column() == NAME:
            return base | Qt.ItemFlag.ItemIsEditable
        if index.column() == PINNED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.records[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(record, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == PINNED:
            return Qt.CheckState.Checked if record.pinned else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == NAME:
                return f"{record.name} ({record.id})\n{record.folder}\nF2 renames it."
            if column == PINNED:
                return "A pinned run is never removed to make room for new ones."
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (ACCURACY, MACRO_F1):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, record: Any, column: int) -> str:
        info = record.info
        if column == NAME:
            return record.name
        if column == KIND:
            return str(info.get("kind") or "")
        if column == CREATED:
            return str(info.get("created") or "")[:16].replace("T", " ")
        if column == DATA:
            return str(info.get("data") or "")
        if column == ACCURACY:
            return figure_text(record.metrics, "accuracy")
        if column == MACRO_F1:
            return figure_text(record.metrics, "macro_f1")
        return ""

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or self.registry is None:
            return False
        record = self.records[index.row()]
        try:
            if index.column() == NAME and role == Qt.ItemDataRole.EditRole:
                if " ".join(str(value).split()) == record.name:
                    return False
                updated = self.registry.rename(record.id, str(value))
            elif index.column() == PINNED and role == Qt.ItemDataRole.CheckStateRole:
                checked = Qt.CheckState(value) == Qt.CheckState.Checked
                updated = self.registry.pin(record.id, checked)
            else:
                return False
        except UserError as exc:
            self.problem.emit(str(exc))
            return False
        self.records[index.row()] = updated
        row_start, row_end = self.index(index.row(), 0), self.index(index.row(), PINNED)
        self.dataChanged.emit(row_start, row_end)
        return True
