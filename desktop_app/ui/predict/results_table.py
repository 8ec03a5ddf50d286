"""The Predict tab's results table with its filter bar: sort by any column (click its header),
search the texts, filter by predicted label, true label, correct/incorrect and a confidence
range; double-click or right-click a row to explain it, relabel it (rows of an open project)
or copy its text.

The same pieces as the Dataset table (:mod:`desktop_app.ui.tables`): the rows to show are
computed off the GUI thread, so a million predictions sort without freezing the window.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

from PySide6.QtWidgets import QHeaderView, QTableView, QVBoxLayout, QWidget

from desktop_app.ui.app_state import AppState
from desktop_app.ui.tables.controller import TableController
from desktop_app.ui.tables.filter_bar import TableFilterBar
from desktop_app.ui.tables.row_actions import RowActions
from desktop_app.ui.widgets.prediction_table import CORRECT, INCORRECT, PredictionTableModel


class PredictionResultsTable(QWidget):
    """The results of a file prediction, sortable and filterable; :attr:`view` is the table."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictResults")
        self.bar = TableFilterBar("Search the texts", two_rows=True)
        self.bar.setObjectName("predictFilterBar")
        self.bar.add_choice("predicted", "Predicted")
        self.bar.add_choice("true_label", "True label")
        self.bar.add_choice("correct", "Result", "Show only correct or only incorrect predictions")
        self.bar.add_range("confidence", "Confidence", 0.0, 1.0)
        self.view = QTableView()
        self.view.setObjectName("batchTable")
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.source = PredictionTableModel(parent=self)
        self.controller = TableController(
            self.view, self.bar, self.source.keys, "predictTable", search_keys=("text",)
        )
        self.controller.set_source(self.source, self.source.columns())
        self.row_ids: Sequence[int] | None = None  # project row ids of the rows, if any
        self.actions = RowActions(self.view, state, self._text_of, self._row_id_of)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        self._offer_choices()

    def show_results(
        self, model: PredictionTableModel, row_ids: Sequence[int] | None = None
    ) -> None:
        """Show ``model``; ``row_ids``: the project row of each result (Relabel), or None.

        Search and filters stay (the same file predicted again reads the same way); a
        filter value the new results lack goes back to All.
        """
        old, self.source = self.source, model
        # A million results are a million small lists (the probabilities): a full cyclic-GC
        # pass over them, set off by the sort's garbage on its thread, holds the GIL for
        # hundreds of ms and freezes the window. Freezing the heap as it is now (O(1), as the
        # Explain tab does) exempts them; they are still freed by reference counting.
        gc.freeze()
        self.row_ids = row_ids if row_ids is not None and len(row_ids) == model.rowCount() else None
        self.controller.keys = list(model.keys)
        self._offer_choices()
        self.controller.set_source(model, model.columns())
        if old is not model:
            old.deleteLater()
        header = self.view.horizontalHeader()
        # Widths from font metrics, not ResizeToContents: that asks data() for every row.
        metrics = self.view.fontMetrics()
        for column in range(1, model.columnCount()):
            title = str(model.headers[column])
            width = max(metrics.horizontalAdvance(title), metrics.horizontalAdvance("incorrect"))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width + 36)  # + the sort arrow
        if model.columnCount():
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the text: the rest

    def _offer_choices(self) -> None:
        model = self.source
        self.bar.set_choices("predicted", list(model.labels))
        known = model.true_labels is not None
        values = sorted({t for t in model.true_labels or [] if t}) if known else []
        self.bar.set_choices("true_label", values)
        self.bar.set_choices("correct", [CORRECT, INCORRECT] if known else [])
        for key in ("true_label", "correct"):
            self.bar.combos[key].setEnabled(known)

    def _text_of(self, row: int) -> str:
        return self.source.text(row)

    def _row_id_of(self, row: int) -> int | None:
        return int(self.row_ids[row]) if self.row_ids is not None else None

    def shutdown(self) -> None:
        self.controller.shutdown()
