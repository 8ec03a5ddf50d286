"""The Label tab's side panels: progress and export, review, agreement between annotators.

They only display what the tab gives them and report clicks as signals (connected to the
tab's bound methods); the tab owns the project store and the worker jobs.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.widgets.label_card import MAX_KEYS

RowName = Callable[[int], int]  # row id -> the row number the user knows (in the file)


def short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _no_focus(widget: QWidget) -> QWidget:
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the labelling keys stay on the card
    return widget


class ProgressPanel(QWidget):
    """Labelled/total, per-class counts, labels per hour; export options."""

    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        layout.addWidget(self.progress_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("labelledProgress")
        layout.addWidget(self.progress_bar)
        self.counts_box = QGroupBox("Labels per class")
        self.counts_grid = QGridLayout(self.counts_box)
        layout.addWidget(self.counts_box)
        self.rate_label = QLabel()
        self.rate_label.setObjectName("rateLabel")
        layout.addWidget(self.rate_label)

        export = QGroupBox("Export")
        form = QVBoxLayout(export)
        self.labelled_only_check = _no_focus(QCheckBox("Labelled rows only"))
        self.labelled_only_check.setObjectName("labelledOnlyCheck")
        form.addWidget(self.labelled_only_check)
        self.protect_check = _no_focus(QCheckBox("Protect against spreadsheet formulas"))
        self.protect_check.setObjectName("protectFormulasCheck")
        self.protect_check.setChecked(True)
        self.protect_check.setToolTip(
            "Cells starting with = + - @ get a leading ' in CSV and XLSX so a spreadsheet shows "
            "them as text instead of running them"
        )
        form.addWidget(self.protect_check)
        self.export_button = _no_focus(QPushButton("Export labels…"))
        self.export_button.setObjectName("exportLabelsButton")
        self.export_button.setToolTip("CSV, JSON lines or Excel: every row with its current label")
        self.export_button.clicked.connect(self.export_requested)
        form.addWidget(self.export_button)
        layout.addWidget(export)
        layout.addStretch(1)
        self._names: list[str] = []
        self._counts: dict[str, QLabel] = {}

    def show_counts(self, names: list[str], counts: dict[str, int], total: int) -> None:
        labelled = sum(n for n in counts.values() if n > 0)
        self.progress_label.setText(f"<b>{labelled:,}</b> of {total:,} rows labelled")
        self.progress_bar.setMaximum(max(1, total))
        self.progress_bar.setValue(labelled)
        if names != self._names:  # rebuilt only when the classes change, not per key
            while self.counts_grid.count():
                item = self.counts_grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            self._counts = {}
            for row, name in enumerate(names):
                key = f"{row + 1}" if row < MAX_KEYS else ""
                count = QLabel()
                count.setObjectName(f"count_{name}")
                count.setAlignment(Qt.AlignmentFlag.AlignRight)
                self.counts_grid.addWidget(QLabel(f"<b>{key}</b>  {html.escape(name)}"), row, 0)
                self.counts_grid.addWidget(count, row, 1)
                self._counts[name] = count
            self._names = list(names)
        for name, label in self._counts.items():
            label.setText(f"{counts.get(name, 0):,}")

    def show_rate(self, session_labels: int, per_hour: float) -> None:
        text = f"This session: {session_labels:,} label{'' if session_labels == 1 else 's'}"
        if per_hour > 0:  # a speed needs two labels (the store's labels_per_hour)
            text += f" · {per_hour:,.0f} labels/hour"
        self.rate_label.setText(text)


class ReviewPanel(QWidget):
    """Suspicious labels (out-of-fold) and duplicate texts with conflicting labels."""

    review_requested = Signal()
    row_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        text = QLabel(
            "Rows whose label a model contradicts with high confidence, judged out of fold "
            "(5-fold cross-validation of the fast minilm-head model: no row is judged by a "
            "model that saw it), and duplicate texts with conflicting labels. Double-click a "
            "row to open it; click a header to sort."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.review_button = _no_focus(QPushButton("Find suspicious labels"))
        self.review_button.setObjectName("reviewButton")
        self.review_button.clicked.connect(self.review_requested)
        layout.addWidget(self.review_button)
        self.status = QLabel()
        self.status.setObjectName("reviewStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        from desktop_app.ui.label.review_table import ReviewTable

        self.list = ReviewTable()  # sortable, searchable, filterable
        self.list.row_activated.connect(self.row_activated)
        layout.addWidget(self.list, 1)

    def set_busy(self, busy: bool, message: str = "") -> None:
        self.review_button.setEnabled(not busy)
        self.status.setText(message)

    def show_rows(self, suspicious: list[dict], duplicates: list[dict], row_name: RowName) -> None:
        self.list.show_rows(suspicious, duplicates, row_name)


class AgreementPanel(QWidget):
    """Cohen's kappa between two annotators and the rows they disagree on."""

    pair_changed = Signal()
    row_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.annotator_a = QComboBox()
        self.annotator_a.setObjectName("annotatorA")
        self.annotator_b = QComboBox()
        self.annotator_b.setObjectName("annotatorB")
        self.annotator_a.currentIndexChanged.connect(self._on_pair)
        self.annotator_b.currentIndexChanged.connect(self._on_pair)
        form.addRow("Annotator A", self.annotator_a)
        form.addRow("Annotator B", self.annotator_b)
        layout.addLayout(form)
        self.kappa_label = QLabel("Two annotators needed")
        self.kappa_label.setObjectName("kappaLabel")
        self.kappa_label.setWordWrap(True)
        layout.addWidget(self.kappa_label)
        self.list = QListWidget()
        self.list.setObjectName("disagreementList")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._on_item)
        layout.addWidget(self.list, 1)

    def set_annotators(self, names: list[str]) -> None:
        for combo, default in ((self.annotator_a, 0), (self.annotator_b, 1)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            index = combo.findText(current)
            combo.setCurrentIndex(index if index >= 0 else min(default, len(names) - 1))
            combo.blockSignals(False)

    def pair(self) -> tuple[str, str]:
        return self.annotator_a.currentText(), self.annotator_b.currentText()

    def show_result(self, result: dict | None, row_name: RowName) -> None:
        self.list.clear()
        a, b = self.pair()
        if result is None:
            self.kappa_label.setText("Choose two annotators who labelled the same rows.")
            return
        if not result["rows"]:
            self.kappa_label.setText(f"{a} and {b} have no labelled row in common.")
            return
        kappa = result["kappa"]
        kappa_text = "n/a" if kappa is None else f"{kappa:.3f}"
        self.kappa_label.setText(
            f"Cohen's kappa <b>{kappa_text}</b> on {result['rows']:,} rows both labelled "
            f"({100 * result['agreement']:.0f}% agree; {len(result['disagreements']):,} differ)"
        )
        for item in result["disagreements"]:
            entry = QListWidgetItem(
                f"Row {row_name(item['row_id'])}: {a} {item[a]} · {b} {item[b]} — "
                f"{short(item['text'])}"
            )
            entry.setData(Qt.ItemDataRole.UserRole, int(item["row_id"]))
            self.list.addItem(entry)

    @Slot(int)
    def _on_pair(self, _index: int) -> None:
        self.pair_changed.emit()

    @Slot(QListWidgetItem)
    def _on_item(self, item: QListWidgetItem) -> None:
        row_id = item.data(Qt.ItemDataRole.UserRole)
        if row_id is not None:
            self.row_activated.emit(int(row_id))
