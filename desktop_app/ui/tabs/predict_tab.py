"""Predict tab: one text at a time (label, a bar per class, history) and whole files in batch.

The tab names the current model and hands each announcement (``state.model_changed``) to its
two panels, which keep the model id of everything they show: the one-text panel
(``ui/predict/single_panel.py``) clears its label and bars and marks older history entries;
the file panel (``ui/predict/file_panel.py``) clears its table and accuracy.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QSplitter, QVBoxLayout, QWidget

from desktop_app.ui.app_state import AppState
from desktop_app.ui.model_stamp import model_name
from desktop_app.ui.predict.file_panel import FilePredictPanel
from desktop_app.ui.predict.single_panel import SinglePredictPanel


class PredictTab(QWidget):
    TITLE = "Predict"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("predictTab")
        self.state = state
        layout = QVBoxLayout(self)
        self.model_label = QLabel()
        self.model_label.setObjectName("predictModelLabel")
        layout.addWidget(self.model_label)
        self.single = SinglePredictPanel(state)
        self.file = FilePredictPanel(state)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("predictSplitter")
        splitter.addWidget(self.single)
        splitter.addWidget(self.file)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        state.model_changed.connect(self._on_model_changed)
        state.inference.changed.connect(self._on_reading_changed)
        self._on_model_changed(state.model_info)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        # Coming to the tab, the cursor goes to the text box (unless it is already in the tab).
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.single.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def shutdown(self) -> None:
        self.single.shutdown()
        self.file.shutdown()

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        name = html.escape(model_name(info))
        labels = ", ".join(str(x) for x in info.get("labels") or [])
        limit = info.get("max_length")
        extra = []
        if labels:
            extra.append(f"classes: {html.escape(labels)}")
        if limit:
            extra.append(
                f"reads {limit} tokens at a time; {html.escape(self.state.inference.describe())}"
            )
        self.model_label.setText(
            f"Model: <b>{name}</b>" + (f" &nbsp;({'; '.join(extra)})" if extra else "")
        )
        self.single.set_model(info)
        self.file.set_model(info)

    @Slot(dict)
    def _on_reading_changed(self, _values: dict) -> None:
        self._on_model_changed(self.state.model_info)
