"""Split controls (train/validation/test fractions, seed) and the counts per split and class."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SPLITS = ("train", "validation", "test")


class SplitPanel(QWidget):
    """Emits ``split_requested(train, validation, test, seed)`` when the user re-splits."""

    split_requested = Signal(float, float, float, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spins: dict[str, QDoubleSpinBox] = {}
        self._available = False  # is there labelled data to split (and no task running)?
        form = QFormLayout()
        for name, value in zip(SPLITS, (0.8, 0.1, 0.1), strict=True):
            spin = QDoubleSpinBox()
            spin.setObjectName(f"{name}Fraction")
            spin.setRange(0.0, 1.0)
            spin.setSingleStep(0.05)
            spin.setDecimals(2)
            spin.setValue(value)
            spin.valueChanged.connect(self.validate)
            self.spins[name] = spin
            form.addRow(f"{name.capitalize()} fraction:", spin)
        self.seed = QSpinBox()
        self.seed.setObjectName("splitSeed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The same seed gives the same split every time")
        form.addRow("Seed:", self.seed)
        self.problem = QLabel()
        self.problem.setObjectName("splitProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        self.problem.hide()
        self.split_button = QPushButton("Split again")
        self.split_button.setObjectName("splitButton")
        self.split_button.setToolTip("Stratified by class: each split keeps the class proportions")
        self.split_button.clicked.connect(self._request)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.split_button)

        self.counts = QTableWidget(0, len(SPLITS) + 1)
        self.counts.setObjectName("splitCounts")
        self.counts.setHorizontalHeaderLabels([s.capitalize() for s in SPLITS] + ["Total"])
        self.counts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.counts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.note = QLabel()
        self.note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(button_row)
        layout.addWidget(QLabel("Rows per split and class:"))
        layout.addWidget(self.counts, 1)
        layout.addWidget(self.note)

    def fractions(self) -> tuple[float, float, float]:
        return tuple(self.spins[name].value() for name in SPLITS)  # type: ignore[return-value]

    def show_counts(
        self, counts: dict[str, dict[str, int]], unsplit: int = 0, note: str = ""
    ) -> None:
        """Fill the table: one row per class plus a total row."""
        classes = list(counts)
        self.counts.setRowCount(len(classes) + 1 if classes else 0)
        self.counts.setVerticalHeaderLabels(classes + (["Total"] if classes else []))
        totals = dict.fromkeys(SPLITS, 0)
        for row, name in enumerate(classes):
            for col, part in enumerate(SPLITS):
                n = counts[name].get(part, 0)
                totals[part] += n
                self._set(row, col, n)
            self._set(row, len(SPLITS), sum(counts[name].values()))
        if classes:
            for col, part in enumerate(SPLITS):
                self._set(len(classes), col, totals[part])
            self._set(len(classes), len(SPLITS), sum(totals.values()) + unsplit)
        if note:
            self.note.setText(note)
        elif not classes:
            self.note.setText("No labelled rows: there is nothing to split.")
        elif unsplit:
            self.note.setText(f"{unsplit:,} labelled rows are in no split.")
        else:
            self.note.setText("Unlabelled rows are in no split.")

    def count(self, name: str, part: str) -> int:
        """The number shown for class ``name`` (or "Total") in split ``part``."""
        for row in range(self.counts.rowCount()):
            header = self.counts.verticalHeaderItem(row)
            if header is not None and header.text() == name:
                col = list(SPLITS).index(part) if part in SPLITS else len(SPLITS)
                item = self.counts.item(row, col)
                return int(item.text().replace(",", "")) if item is not None else 0
        raise KeyError(name)

    def _set(self, row: int, col: int, value: int) -> None:
        item = QTableWidgetItem(f"{value:,}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.counts.setItem(row, col, item)

    @Slot()
    def validate(self) -> bool:
        """Check the fractions; show what is wrong and enable Split only if they are fine."""
        total = sum(self.fractions())
        ok = abs(total - 1.0) < 1e-6 and self.spins["train"].value() > 0
        self.problem.setVisible(not ok)
        if not ok:
            self.problem.setText(
                f"The fractions add up to {total:.2f}; they must add up to 1.00 "
                "and the train fraction must be above 0."
            )
        self.split_button.setEnabled(ok and self._available)
        return ok

    def set_available(self, available: bool) -> None:
        """Allow splitting only when there is labelled data and nothing else is running."""
        self._available = available
        self.validate()

    @Slot()
    def _request(self) -> None:
        if self.validate():
            train, validation, test = self.fractions()
            self.split_requested.emit(train, validation, test, self.seed.value())
