"""A bar above a table: search box, filters, how many rows are shown, progress.

The bar only collects what the user asks for; a
:class:`~desktop_app.ui.tables.controller.TableController` turns it into a
:class:`~desktop_app.ui.tables.query.TableQuery` and computes the rows off the GUI thread.
Tables add the filters they need: :meth:`TableFilterBar.add_choice` (label, split, predicted,
correct/incorrect) and :meth:`TableFilterBar.add_range` (confidence).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs import Progress
from desktop_app.ui.tables.query import EMPTY

SEARCH_DELAY_MS = 250  # typing pauses this long before the search runs


class TableFilterBar(QWidget):
    """Emits ``changed`` when the search text (after a pause in typing) or a filter changes."""

    changed = Signal()
    cleared = Signal()  # Clear was pressed (the controller drops the sort too)

    def __init__(
        self,
        search_tip: str = "Search the texts",
        parent: QWidget | None = None,
        two_rows: bool = False,
    ):
        """``two_rows``: the filters on a row of their own under the search box (a narrow
        panel, or many filters)."""
        super().__init__(parent)
        self.setObjectName("tableFilterBar")
        self.search = QLineEdit()
        self.search.setObjectName("tableSearch")
        self.search.setPlaceholderText("Search…")
        self.search.setToolTip(f"{search_tip} (text contains, ignoring case; Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(SEARCH_DELAY_MS)
        self._typing.timeout.connect(self.changed)
        self.search.textChanged.connect(self._typing.start)
        self.search.returnPressed.connect(self._search_now)

        self.combos: dict[str, QComboBox] = {}
        self.range_spins: dict[str, tuple[QDoubleSpinBox, QDoubleSpinBox]] = {}
        self._layout = QHBoxLayout()
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.search, 2)
        self._filters: QHBoxLayout | None = None
        self._outer: QVBoxLayout | None = None
        if two_rows:
            self._outer = QVBoxLayout(self)
            self._outer.setContentsMargins(0, 0, 0, 0)
            self._outer.setSpacing(2)
            self._outer.addLayout(self._layout)
            self.new_row()
        else:
            self.setLayout(self._layout)

        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearFiltersButton")
        self.clear_button.setToolTip("Show every row again, in the original order")
        self.clear_button.clicked.connect(self.clear)
        self.progress = QProgressBar()
        self.progress.setObjectName("tableProgress")
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.count_label = QLabel()
        self.count_label.setObjectName("tableCount")
        self._tail = [self.clear_button, self.progress, self.count_label]
        for widget in self._tail:
            self._layout.addWidget(widget)
        self._sorted = False

    # -- building ------------------------------------------------------------------------------
    def new_row(self) -> None:
        """The filters added next go on a new row (a bar made with ``two_rows``)."""
        if self._outer is None:
            raise ValueError("only a bar made with two_rows=True has rows of filters")
        self._filters = QHBoxLayout()
        self._filters.setContentsMargins(0, 0, 0, 0)
        self._filters.addStretch(1)
        self._outer.addLayout(self._filters)

    def add_choice(self, key: str, title: str, tip: str = "") -> QComboBox:
        """A drop-down filter for column ``key``: every row, or rows with one value."""
        combo = QComboBox()
        combo.setObjectName(f"{key}Filter")
        combo.setToolTip(tip or f"Show only rows with this {title.lower()}")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.addItem("All", None)
        combo.activated.connect(self._filter_changed)
        self.combos[key] = combo
        self._insert(QLabel(f"{title}:"), combo)
        return combo

    def set_choices(self, key: str, values: list[str], empty_text: str = "(none)") -> None:
        """The values the ``key`` filter offers (``EMPTY`` is shown as ``empty_text``); the
        current pick stays if it is still there, else the filter goes back to All."""
        combo = self.combos[key]
        offered = [combo.itemData(i) for i in range(1, combo.count())]
        if offered == list(values):
            return  # called after every edit of a label: nothing new to offer
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("All", None)
        for value in values:
            combo.addItem(empty_text if value == EMPTY else value, value)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)
        if current is not None and index < 0:
            self.changed.emit()

    def select(self, key: str, value: str | None) -> None:
        """Set the ``key`` filter to ``value`` (None: All), as a user's pick would."""
        combo = self.combos[key]
        index = combo.findData(value) if value is not None else 0
        if index >= 0 and index != combo.currentIndex():
            combo.setCurrentIndex(index)
            self.changed.emit()

    def add_range(
        self, key: str, title: str, low: float, high: float, decimals: int = 2
    ) -> tuple[QDoubleSpinBox, QDoubleSpinBox]:
        """A from-to filter for numeric column ``key`` (inactive at its full span)."""
        spins = []
        for end, value in (("Min", low), ("Max", high)):
            spin = QDoubleSpinBox()
            spin.setObjectName(f"{key}{end}")
            spin.setRange(low, high)
            spin.setDecimals(decimals)
            spin.setSingleStep(10 ** -max(1, decimals - 1))
            spin.setValue(value)
            spin.setKeyboardTracking(False)  # one change when the user is done typing
            spin.valueChanged.connect(self._filter_changed)
            spins.append(spin)
        self.range_spins[key] = (spins[0], spins[1])
        self._insert(QLabel(f"{title}:"), spins[0], QLabel("to"), spins[1])
        return spins[0], spins[1]

    def _insert(self, *widgets: QWidget) -> None:
        if self._filters is not None:  # before the second row's stretch
            at = self._filters.count() - 1
            for offset, widget in enumerate(widgets):
                self._filters.insertWidget(at + offset, widget)
            return
        at = self._layout.indexOf(self._tail[0])
        for offset, widget in enumerate(widgets):
            self._layout.insertWidget(at + offset, widget)

    # -- what the user asked for ------------------------------------------------------------------
    def search_text(self) -> str:
        return self.search.text().strip()

    def choices(self) -> dict[str, tuple[str, ...]]:
        return {
            key: (str(combo.currentData()),)
            for key, combo in self.combos.items()
            if combo.currentData() is not None
        }

    def ranges(self) -> dict[str, tuple[float | None, float | None]]:
        out: dict[str, tuple[float | None, float | None]] = {}
        for key, (low, high) in self.range_spins.items():
            lo = low.value() if low.value() > low.minimum() else None
            hi = high.value() if high.value() < high.maximum() else None
            if lo is not None or hi is not None:
                out[key] = (lo, hi)
        return out

    @Slot()
    def clear(self) -> None:
        """Every row again: no search, no filter (the controller also drops the sort)."""
        self._typing.stop()
        for widget in (self.search, *self.combos.values()):
            widget.blockSignals(True)
        self.search.clear()
        for combo in self.combos.values():
            combo.setCurrentIndex(0)
        for widget in (self.search, *self.combos.values()):
            widget.blockSignals(False)
        for low, high in self.range_spins.values():
            for spin, value in ((low, low.minimum()), (high, high.maximum())):
                spin.blockSignals(True)
                spin.setValue(value)
                spin.blockSignals(False)
        self.cleared.emit()
        self.changed.emit()

    # -- showing --------------------------------------------------------------------------------
    def show_count(self, shown: int, total: int, sorted_: bool = False) -> None:
        self._sorted = sorted_
        filtering = shown != total or bool(self.search_text() or self.choices() or self.ranges())
        self.count_label.setText(
            f"Showing {shown:,} of {total:,} rows" if filtering else f"{total:,} rows"
        )
        self.clear_button.setEnabled(filtering or sorted_)

    def show_busy(self, message: str) -> None:
        """The computation runs longer than a moment: say so (it can still be changed)."""
        self.progress.setRange(0, 0)
        self.progress.show()
        self.count_label.setText(message)

    def show_progress(self, report: Progress) -> None:
        if not self.progress.isVisible():
            return
        if report.total > 0:
            self.progress.setRange(0, report.total)
            self.progress.setValue(min(report.done, report.total))
        if report.message:
            self.count_label.setText(report.message)

    def hide_busy(self) -> None:
        self.progress.hide()

    @Slot()
    def _filter_changed(self, *_args: object) -> None:
        self.changed.emit()

    @Slot()
    def _search_now(self) -> None:
        self._typing.stop()
        self.changed.emit()

    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
