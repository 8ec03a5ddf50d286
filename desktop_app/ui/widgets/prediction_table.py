"""The batch-prediction results table: text, predicted label, a probability per class,
when the file has labels the true label and whether the prediction is correct, and how many
chunks (windows) the model read a long text in.

Plain lists from the ``predict_batch`` job; ``data()`` is a list lookup per cell, so a table
of a million rows scrolls smoothly. :meth:`PredictionTableModel.columns` gives the same
values as lazy sequences for sorting and filtering off the GUI thread
(:mod:`desktop_app.ui.tables`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, overload

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

DISPLAY_CHARS = 300
TOOLTIP_CHARS = 3000
CORRECT = "correct"
INCORRECT = "incorrect"

Index = QModelIndex | QPersistentModelIndex


class RowValues(Sequence):
    """A read-only column whose cell ``i`` is ``cell(i)``: nothing is copied on the GUI
    thread; the table query reads it (in slices) on its own thread."""

    def __init__(self, n: int, cell: Callable[[int], Any]) -> None:
        self._n = n
        self._cell = cell

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> list[Any]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self._cell(j) for j in range(*i.indices(self._n))]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return self._cell(i % self._n)


class PredictionTableModel(QAbstractTableModel):
    def __init__(
        self,
        texts: Sequence[str] = (),
        result: dict[str, Any] | None = None,
        true_labels: Sequence[Any] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        result = result or {}
        self.texts = list(texts)
        self.labels = [str(x) for x in result.get("labels", [])]
        self.predicted = [str(x) for x in result.get("predicted", [])]
        self.probabilities = result.get("probabilities", [])
        self.truncated = list(result.get("truncated", []) or [False] * len(self.texts))
        self.chunks = list(result.get("chunks", []) or [1] * len(self.texts))
        self.true_labels = (
            None
            if true_labels is None
            else ["" if t is None or t != t else str(t) for t in true_labels]  # None/NaN -> ""
        )
        self._correct = result.get("correct") if true_labels is not None else None
        self.any_truncated = any(self.truncated)
        # The leakage guard per row: "train" / "validation" / "" (the model never saw it).
        self.seen = result.get("seen")
        self.headers = ["Text", "Predicted"] + [f"P({label})" for label in self.labels]
        self.keys: list[str | None] = ["text", "predicted"] + [f"p_{x}" for x in self.labels]
        if self.true_labels is not None:
            self.headers += ["True label", "Correct"]
            self.keys += ["true_label", "correct"]
        if self.seen is not None:
            self.headers.append("Seen")
            self.keys.append("seen")
        self.headers.append("Chunks")
        self.keys.append("chunks")

    def columns(self) -> dict[str, Sequence[Any]]:
        """The values to sort and filter by, per key (see :attr:`keys`), plus ``confidence``
        (the predicted class's probability)."""
        n = len(self.predicted)
        probs = self.probabilities
        out: dict[str, Sequence[Any]] = {
            "text": self.texts,
            "predicted": self.predicted,
            "confidence": RowValues(n, lambda i: float(max(probs[i]))),
            "chunks": self.chunks,
        }
        for k, label in enumerate(self.labels):
            out[f"p_{label}"] = RowValues(n, lambda i, k=k: float(probs[i][k]))
        if self.true_labels is not None:
            out["true_label"] = self.true_labels
            out["correct"] = RowValues(n, self.correct)
        if self.seen is not None:
            out["seen"] = self.seen
        return out

    def text(self, row: int) -> str:
        return str(self.texts[row])

    def correct(self, row: int) -> str:
        """``"correct"``, ``"incorrect"`` or ``""`` (no usable true label)."""
        if self.true_labels is None:
            return ""
        if self._correct is not None:
            value = self._correct[row]
            return "" if value is None else CORRECT if value else INCORRECT
        if not self.true_labels[row]:
            return ""
        return CORRECT if self.true_labels[row] == self.predicted[row] else INCORRECT

    # -- Qt model API ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.predicted)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()
        header = self.headers[col]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                text = str(self.texts[row])
                if len(text) > DISPLAY_CHARS:
                    text = text[:DISPLAY_CHARS] + "…"
                return text.replace("\r", " ").replace("\n", " ")
            if col == 1:
                return self.predicted[row]
            if 2 <= col < 2 + len(self.labels):
                return f"{float(self.probabilities[row][col - 2]):.3f}"
            if header == "True label":
                return self.true_labels[row] if self.true_labels is not None else ""
            if header == "Correct":
                return {CORRECT: "✓ correct", INCORRECT: "✗ incorrect"}.get(self.correct(row), "")
            if header == "Chunks":
                return str(self.chunks[row]) + (" (cut)" if self.truncated[row] else "")
            if header == "Seen":
                return self.seen[row] or "–"
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                text = str(self.texts[row])
                tip = text if len(text) <= TOOLTIP_CHARS else text[:TOOLTIP_CHARS] + "…"
                if self.truncated[row]:
                    tip += "\n\n(Longer than the model's max length: the end was not read.)"
                return tip
            if header == "Chunks":
                if self.truncated[row]:
                    return "Longer than the model's max length: the model saw only the beginning."
                if int(self.chunks[row]) > 1:
                    return (
                        f"Read whole in {self.chunks[row]} overlapping windows; the probabilities "
                        "are their average (Explain shows each window)."
                    )
                return "Read in one pass."
            if header == "Seen":
                return (
                    f"The model saw this text in its {self.seen[row]} split: left out of the "
                    "accuracy."
                    if self.seen[row]
                    else "The model never saw this text in training or validation."
                )
        elif role == Qt.ItemDataRole.ForegroundRole and header == "Correct":
            state = self.correct(row)
            if state == CORRECT:
                return QBrush(QColor(33, 102, 172))
            if state == INCORRECT:
                return QBrush(QColor(200, 80, 0))
        elif role == Qt.ItemDataRole.TextAlignmentRole and (
            2 <= col < 2 + len(self.labels) or header == "Chunks"
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            return self.headers[section]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None
