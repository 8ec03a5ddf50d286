"""The Label tab's widgets: the offer bar, the page shown without a project, the work page.

Widgets only: they show what the tab gives them and report clicks through their own
signals; the tab and its controllers decide.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.label.retrain_banner import RetrainResultBanner
from desktop_app.ui.widgets.label_card import LabelCard
from desktop_app.ui.widgets.label_panels import AgreementPanel, ProgressPanel, ReviewPanel

ORDERS = (
    ("Uncertainty (least sure first)", "uncertainty"),
    ("Random (seeded)", "random"),
    ("File order", "file"),
)


def _no_focus(widget: QWidget, name: str, tip: str = "") -> QWidget:
    widget.setObjectName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the labelling keys stay on the card
    if tip:
        widget.setToolTip(tip)
    return widget


class OfferBar(QWidget):
    """ "Label reviews.csv: a project keeps every label…" after a data file is loaded."""

    accepted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectOfferBar")
        self.setStyleSheet("#projectOfferBar { background: palette(alternate-base); }")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        row.addWidget(self.label, 1)
        self.button = QPushButton("Start a project from it…")
        self.button.setObjectName("offerProjectButton")
        self.button.clicked.connect(self.accepted)
        row.addWidget(self.button)
        dismiss = QPushButton("Not now")
        dismiss.clicked.connect(self.hide)
        row.addWidget(dismiss)
        self.hide()

    def offer(self, file_name: str) -> None:
        self.label.setText(
            f"Label {html.escape(file_name)}: a project keeps every label in one file, saved "
            "as you go."
        )
        self.show()


class EmptyPage(QWidget):
    """What the tab shows without a project: New project… and Open project…."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel("<h2>No project open</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        text = QLabel(
            "A project keeps your labels in one file (.sstudio), saved the moment you press a "
            "key.<br>Open a dataset and start a project from it, or open an existing project."
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        layout.addWidget(text)
        row = QHBoxLayout()
        row.addStretch(1)
        self.new_button = QPushButton("New project…")
        self.new_button.setObjectName("newProjectButton")
        row.addWidget(self.new_button)
        self.open_button = QPushButton("Open project…")
        self.open_button.setObjectName("openProjectButton")
        row.addWidget(self.open_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)


class WorkPage(QWidget):
    """The open project: options bar, the card, actions, and the side panels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._options_bar())

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.card = LabelCard()
        left_layout.addWidget(self.card, 1)
        self.retrain_result = RetrainResultBanner()
        left_layout.addWidget(self.retrain_result)
        left_layout.addLayout(self._actions())
        splitter.addWidget(left)

        self.side = _no_focus(QTabWidget(), "labelSidePanel")
        self.progress_panel = ProgressPanel()
        self.review_panel = ReviewPanel()
        self.agreement_panel = AgreementPanel()
        self.side.addTab(self.progress_panel, "Progress")
        self.side.addTab(self.review_panel, "Review")
        self.side.addTab(self.agreement_panel, "Agreement")
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([800, 340])
        layout.addWidget(splitter, 1)

    def _options_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.project_label = QLabel()
        self.project_label.setObjectName("projectLabel")
        bar.addWidget(self.project_label)
        bar.addStretch(1)
        bar.addWidget(QLabel("Order:"))
        self.order_combo = _no_focus(
            QComboBox(),
            "orderCombo",
            "Uncertainty: rows the model is least sure about first (the smallest margin between "
            "its top two classes). Random: a fixed shuffle. File order: as in the data file.",
        )
        for text, value in ORDERS:
            self.order_combo.addItem(text, value)
        bar.addWidget(self.order_combo)
        self.review_all_check = _no_focus(
            QCheckBox("Include labelled rows"),
            "includeLabelledCheck",
            "Go through every row, labelled ones too, to review them",
        )
        bar.addWidget(self.review_all_check)
        self.hide_check = _no_focus(
            QCheckBox("Hide suggestions until answered"),
            "hideSuggestionsCheck",
            "Avoid anchoring: decide first, then see what the model thought",
        )
        bar.addWidget(self.hide_check)
        self.lime_check = _no_focus(
            QCheckBox("Highlight words"),
            "limeCheck",
            "Colour the words that led the model to its suggestion (LIME, computed in the "
            "background for each row)",
        )
        bar.addWidget(self.lime_check)
        return bar

    def _actions(self) -> QHBoxLayout:
        actions = QHBoxLayout()
        self.retrain_button = _no_focus(
            QPushButton("Retrain with my labels"),
            "retrainButton",
            "Train the current model type on every labelled row with the Training tab's "
            "settings; the queue re-orders with the new model when it finishes",
        )
        actions.addWidget(self.retrain_button)
        self.labels_button = _no_focus(
            QPushButton("Edit labels…"), "editLabelsButton", "The class names and their keys 1–9"
        )
        actions.addWidget(self.labels_button)
        self.annotator_button = _no_focus(
            QPushButton(), "annotatorButton", "Your name, stored with every label you make"
        )
        actions.addWidget(self.annotator_button)
        self.columns_button = _no_focus(
            QToolButton(),
            "cardColumnsButton",
            "The file's other columns (IDs, products, dates, ...) to show on the card; the "
            "choice is kept in the project",
        )
        self.columns_button.setText("Card columns")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_button.setMenu(QMenu(self.columns_button))
        actions.addWidget(self.columns_button)
        actions.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setObjectName("labelStatus")
        actions.addWidget(self.status_label)
        self.job_progress = QProgressBar()
        self.job_progress.setObjectName("labelJobProgress")
        self.job_progress.setMaximumWidth(160)
        self.job_progress.setTextVisible(False)
        self.job_progress.hide()
        actions.addWidget(self.job_progress)
        return actions

    def set_order(self, order: str, include_labelled: bool) -> None:
        """Show a queue's order without announcing a change."""
        for widget in (self.order_combo, self.review_all_check):
            widget.blockSignals(True)
        self.order_combo.setCurrentIndex(max(0, self.order_combo.findData(order)))
        self.review_all_check.setChecked(include_labelled)
        for widget in (self.order_combo, self.review_all_check):
            widget.blockSignals(False)
