"""Editor for the label mapping: each raw value in the label column -> a class name."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

HINT = (
    "Double-click a class name to rename it. Rows with the same class name are merged "
    "into one class; an empty name makes the rows unlabelled."
)


class LabelMappingEditor(QWidget):
    """A two-column table (value in the file, class name) with Apply and Reset buttons.

    ``applied`` carries ``{raw value: class name}`` for every row whose name the user set.
    """

    applied = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("labelMappingTable")
        self.table.setHorizontalHeaderLabels(["Value in file", "Rows", "Class name"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.apply_button = QPushButton("Apply names")
        self.apply_button.setObjectName("applyLabelNames")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self._apply)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Undo the edits not applied yet")
        self.reset_button.setEnabled(False)
        self.reset_button.clicked.connect(self._reset)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._values: list[tuple[str, int, str]] = []
        self.table.itemChanged.connect(self._on_item_changed)

    def set_values(self, values: list[tuple[str, int, str]], note: str = "") -> None:
        """Show ``(raw value, rows, class name)`` triples; ``note`` replaces the hint if given."""
        self._values = list(values)
        self._fill()
        self.hint.setText(note or HINT)

    def mapping(self) -> dict[str, str]:
        """The mapping as edited now: raw value -> class name."""
        out: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            raw = self.table.item(row, 0)
            name = self.table.item(row, 2)
            if raw is not None and name is not None:
                out[str(raw.data(Qt.ItemDataRole.UserRole))] = name.text().strip()
        return out

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._values))
        for row, (raw, count, name) in enumerate(self._values):
            raw_item = QTableWidgetItem(raw if raw != "" else "(empty)")
            raw_item.setData(Qt.ItemDataRole.UserRole, raw)
            raw_item.setFlags(raw_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            count_item = QTableWidgetItem(f"{count:,}")
            count_item.setFlags(count_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            count_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 0, raw_item)
            self.table.setItem(row, 1, count_item)
            self.table.setItem(row, 2, QTableWidgetItem(name))
        self.table.blockSignals(False)
        self.apply_button.setEnabled(False)
        self.reset_button.setEnabled(False)

    @Slot(QTableWidgetItem)
    def _on_item_changed(self, _item: QTableWidgetItem) -> None:
        changed = self.mapping() != {raw: name for raw, _count, name in self._values}
        self.apply_button.setEnabled(changed)
        self.reset_button.setEnabled(changed)

    @Slot()
    def _apply(self) -> None:
        self.applied.emit(self.mapping())

    @Slot()
    def _reset(self) -> None:
        self._fill()
