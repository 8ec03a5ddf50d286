"""The test examples of a training run, as a table to sort, search and filter: clicking a
confusion-matrix cell filters it to that cell (true label, predicted label), most confident
first; the filters can then be changed freely (every mistake, low-confidence rows, a word).

Double-click or right-click a row to explain its text or copy it
(:class:`~desktop_app.ui.tables.row_actions.RowActions`, once the tab gives the app state).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.tables.controller import TableController
from desktop_app.ui.tables.filter_bar import TableFilterBar
from desktop_app.ui.widgets.prediction_table import CORRECT, INCORRECT

Index = QModelIndex | QPersistentModelIndex
HEADERS = ["Text", "True label", "Predicted", "Confidence"]
KEYS = ["text", "true", "pred", "confidence"]
HINT = "Click a cell of the confusion matrix to list its test examples."


class ExamplesModel(QAbstractTableModel):
    """The ``test_examples`` of a ``train`` result: text, true, pred, confidence."""

    def __init__(self, examples: Sequence[dict[str, Any]] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self.texts = [str(e.get("text", "")) for e in examples]
        self.true = [str(e.get("true", "")) for e in examples]
        self.pred = [str(e.get("pred", "")) for e in examples]
        self.confidence = [float(e.get("confidence") or 0.0) for e in examples]

    def columns(self) -> dict[str, Sequence[Any]]:
        return {
            "text": self.texts,
            "true": self.true,
            "pred": self.pred,
            "confidence": self.confidence,
            "correct": [CORRECT if t == p else INCORRECT for t, p in zip(self.true, self.pred)],  # noqa: B905
        }

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.texts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return " ".join(self.texts[row][:300].split())
            if col == 1:
                return self.true[row]
            if col == 2:
                return self.pred[row]
            return f"{self.confidence[row]:.1%}"
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return self.texts[row][:3000]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
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


class CellExamples(QWidget):
    """The examples table with its filter bar; :meth:`show_cell` filters it to one cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell_label = QLabel(HINT)
        self.cell_label.setObjectName("cellExamplesLabel")
        self.cell_label.setWordWrap(True)  # a long cell title must not widen the window
        self.bar = TableFilterBar("Search the test texts", two_rows=True)
        self.bar.setObjectName("examplesFilterBar")
        # Three short rows: the page shares the width with the confusion matrix.
        for combo in (
            self.bar.add_choice("true", "True"),
            self.bar.add_choice("pred", "Predicted"),
        ):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        self.bar.new_row()
        self.bar.add_choice("correct", "Result", "Show only correct or only mistaken rows")
        for spin in self.bar.add_range("confidence", "Confidence", 0.0, 1.0):
            spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        self.bar.search.setMinimumWidth(100)
        self.view = QTableView()
        self.view.setObjectName("cellExamplesTable")
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        vertical = self.view.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.source = ExamplesModel(parent=self)
        self.controller = TableController(self.view, self.bar, KEYS, "cellExamples")
        self.controller.set_source(self.source, self.source.columns())
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.actions: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.cell_label)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)

    def attach_actions(self, state: Any) -> None:
        """Explain / Copy text on the rows (the app's state carries the requests)."""
        from desktop_app.ui.tables.row_actions import RowActions

        self.actions = RowActions(self.view, state, self._text_of)

    def set_examples(self, examples: Sequence[dict[str, Any]], labels: Sequence[str]) -> None:
        """A run's test examples (every cell); the filters offer its classes."""
        old, self.source = self.source, ExamplesModel(examples, self)
        for key in ("true", "pred"):
            self.bar.set_choices(key, [str(x) for x in labels])
        self.bar.set_choices("correct", [CORRECT, INCORRECT])
        self.controller.set_source(self.source, self.source.columns(), keep_query=False)
        old.deleteLater()
        self.cell_label.setText(HINT if examples else "This run has no test examples.")

    def show_cell(self, true_label: str, pred_label: str) -> None:
        """Filter to the examples labelled ``true_label`` and predicted ``pred_label``, most
        confident first."""
        rows = sum(
            1
            for t, p in zip(self.source.true, self.source.pred)  # noqa: B905
            if t == true_label and p == pred_label
        )
        kind = "correct" if true_label == pred_label else "mistakes"
        self.cell_label.setText(
            f"True {true_label!r}, predicted {pred_label!r}: {rows} "
            f"{'example' if rows == 1 else 'examples'} ({kind}); change the filters to see others"
        )
        self.cell_label.setToolTip(
            f"The test texts labelled {true_label!r} that the model predicted as "
            f"{pred_label!r}, most confident first"
        )
        self.bar.blockSignals(True)
        self.bar.clear()
        self.bar.select("true", true_label)
        self.bar.select("pred", pred_label)
        self.bar.blockSignals(False)
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(KEYS.index("confidence"), Qt.SortOrder.DescendingOrder)
        header.blockSignals(False)
        self.controller.refresh()

    def clear(self) -> None:
        self.set_examples([], [])
        self.cell_label.setText(HINT)

    def shutdown(self) -> None:
        self.controller.shutdown()

    def _text_of(self, row: int) -> str:
        return self.source.texts[row]
