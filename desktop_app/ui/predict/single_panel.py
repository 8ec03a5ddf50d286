"""The Predict tab's "One text" panel: the text box, the label and a bar per class, the history.

The ``predict`` job runs in the model worker; its result names the model that made it
(``result["model"]``). When another model becomes current the label and bars are cleared
(they would read as the new model's answer) and the history stays, the entries of earlier
models greyed under a header "Earlier model, no longer current: X"; clicking one shows it
again, marked "from model X (no longer the current model)".
"""

from __future__ import annotations

import functools
import html
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from desktop_app.job_handle import JobHandle
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.model_stamp import ModelStamp, model_name
from desktop_app.ui.widgets.probability_bars import ProbabilityBars
from desktop_app.ui.widgets.submit_text_edit import SubmitTextEdit

HISTORY_SIZE = 20
NOTHING_YET = "—"
STALE_COLOUR = QColor(128, 128, 128)
EARLIER_MODEL = "Earlier model, no longer current"


class SinglePredictPanel(QGroupBox):
    """Type a text, Ctrl+Enter: its label, a bar per class and an entry in the history."""

    def __init__(self, state: AppState) -> None:
        super().__init__("One text")
        self.setObjectName("predictSinglePanel")
        self.state = state
        self.service = state.service
        self._job: JobHandle | None = None
        self._shown: ModelStamp | None = None  # the model of the label and bars on screen
        self._shown_result: tuple[str, dict, int] | None = None
        self._entries: list[tuple[str, dict]] = []  # the history: (text, result), newest first
        self._build()
        self.text_edit.submitted.connect(self.predict)
        self.predict_button.clicked.connect(self.predict)
        self.explain_button.clicked.connect(self.explain_current)
        self.history.itemClicked.connect(self._restore_history)
        state.inference.changed.connect(self._on_reading_changed)

    def _build(self) -> None:
        row = QHBoxLayout(self)

        left = QVBoxLayout()
        self.text_edit = SubmitTextEdit("Type or paste a review, then press Ctrl+Enter")
        self.text_edit.setObjectName("predictText")
        left.addWidget(self.text_edit, 1)
        buttons = QHBoxLayout()
        self.predict_button = QPushButton("Predict")
        self.predict_button.setObjectName("predictButton")
        self.predict_button.setToolTip("Predict the text's sentiment (Ctrl+Enter)")
        self.explain_button = QPushButton("Explain this…")
        self.explain_button.setObjectName("explainThisButton")
        self.explain_button.setToolTip(
            "Open the text in the Explain tab and explain it with LIME (Ctrl+E)"
        )
        explain_shortcut = QShortcut(QKeySequence("Ctrl+E"), self)
        explain_shortcut.setWhatsThis("Explain the typed text in the Explain tab (Predict tab)")
        explain_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        explain_shortcut.activated.connect(self.explain_current)
        buttons.addWidget(self.predict_button)
        buttons.addWidget(self.explain_button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        row.addLayout(left, 3)

        middle = QVBoxLayout()
        self.result_label = QLabel(NOTHING_YET)
        self.result_label.setObjectName("predictResultLabel")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setWordWrap(True)
        middle.addWidget(self.result_label)
        self.prob_bars = ProbabilityBars()
        self.prob_bars.setObjectName("predictProbabilities")
        middle.addWidget(self.prob_bars)
        self.truncated_label = QLabel()
        self.truncated_label.setObjectName("predictTruncatedLabel")
        self.truncated_label.setWordWrap(True)
        self.truncated_label.setVisible(False)
        middle.addWidget(self.truncated_label)
        middle.addStretch(1)
        row.addLayout(middle, 2)

        right = QVBoxLayout()
        right.addWidget(QLabel("Recent predictions (click to restore):"))
        self.history = QListWidget()
        self.history.setObjectName("predictHistory")
        self.history.setToolTip("Your last predictions; click one to bring it back")
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setTextElideMode(Qt.TextElideMode.ElideRight)
        right.addWidget(self.history, 1)
        row.addLayout(right, 2)

    # -- actions ------------------------------------------------------------------------
    @Slot()
    def predict(self) -> None:
        """Predict the text in the box (Ctrl+Enter)."""
        text = self.text_edit.toPlainText()
        if not text.strip():
            self.result_label.setText("Type a text first.")
            return
        if self._job is not None:
            self._job.cancel()
        reading = self.state.inference.job_params()
        job = self._job = self.service.submit("predict", {"texts": [text], **reading})
        job.on_result(functools.partial(self._on_predicted, text, reading))
        job.on_failed(self._on_failed)
        job.on_finished(functools.partial(self._on_finished, job))
        self.predict_button.setEnabled(False)
        running = self.service.running_job()
        busy = f" (waiting: the worker is busy with {running[1]})" if running else ""
        self.result_label.setText(f"Predicting…{busy}")

    @Slot()
    def explain_current(self) -> None:
        """Send the text to the Explain tab and explain it there."""
        text = self.text_edit.toPlainText()
        if not text.strip():
            self.result_label.setText("Type a text first.")
            return
        self.state.show_tab.emit("explainTab")
        self.state.explain_requested.emit(text)

    def shutdown(self) -> None:
        if self._job is not None:
            self._job.cancel()

    # -- what the panel shows -----------------------------------------------------------------
    def show_prediction(self, text: str, result: dict, row: int = 0) -> None:
        """Show row ``row`` of a ``predict`` result: the label, the bars, the truncation note.

        A result of an earlier model says so above the bars.
        """
        stamp = ModelStamp.of_result(result)
        self._shown = stamp
        self._shown_result = (text, result, row)
        labels = [str(x) for x in result.get("labels", [])]
        probs = [float(p) for p in result["probabilities"][row]]
        predicted = str(result["predicted"][row])
        confidence = max(probs) if probs else 0.0
        text_html = (
            f"<span style='font-size:x-large; font-weight:bold'>{html.escape(predicted)}</span>"
            f"&nbsp; {confidence:.1%} confident"
        )
        if not stamp.is_current(self.state.model_info):
            text_html += (
                f"<br><i>{html.escape(stamp.stale_text(start=True))}: press Predict to "
                "predict it with the current model.</i>"
            )
        stale_reading = self.state.inference.stale_text(result.get("reading"))
        if stale_reading:
            text_html += (
                f"<br><i>{html.escape(stale_reading)}: press Predict to predict it as the "
                "Model menu says.</i>"
            )
        self.result_label.setText(text_html)
        self.prob_bars.set_probabilities(labels, probs, marked=predicted)
        truncated = bool((result.get("truncated") or [False])[row])
        chunks = int((result.get("chunks") or [1])[row] or 1)
        model = result.get("model") or self.state.model_info
        limit = model.get("max_length") if isinstance(model, dict) else None
        if truncated:
            self.truncated_label.setText(
                "⚠ This text is longer than the model reads"
                + (f" ({limit} tokens)" if limit else "")
                + ": only its beginning was used (Model ▸ Long texts reads it whole)."
            )
        elif chunks > 1:
            self.truncated_label.setText(
                f"This long text was read whole, in {chunks} overlapping windows; the label "
                "is their probabilities averaged (Explain shows each window)."
            )
        self.truncated_label.setVisible(truncated or chunks > 1)

    def prediction(self) -> str:
        """The label shown for the last prediction ("" when none is shown)."""
        bars = self.prob_bars.bars()
        return max(bars, key=bars.get) if bars else ""

    def history_texts(self) -> list[str]:
        """The history's lines as the user reads them, newest first (with the headers over
        the entries of earlier models)."""
        return [self.history.item(i).text() for i in range(self.history.count())]

    def set_model(self, info: dict[str, Any]) -> None:
        """A model was announced: clear the label and bars of another model, mark the history."""
        if self._shown is not None and not self._shown.is_current(info):
            self._shown = None
            self.prob_bars.clear()
            self.truncated_label.setVisible(False)
            self.result_label.setText(
                f"Another model is now current ({html.escape(model_name(info))}): press "
                "Predict to predict with it. The history keeps the earlier predictions."
            )
        self._show_history(info)

    # -- history ------------------------------------------------------------------------------
    def _add_history(self, text: str, result: dict) -> None:
        self._entries.insert(0, (text, result))
        del self._entries[HISTORY_SIZE:]
        self._show_history(self.state.model_info)

    def _show_history(self, info: dict[str, Any]) -> None:
        """List the entries, newest first; those of earlier models under a header naming the
        model (entries of one model are consecutive: a model id never comes back)."""
        self.history.clear()
        group: ModelStamp | None = None
        for text, result in self._entries:
            stamp = ModelStamp.of_result(result)
            current = stamp.is_current(info)
            if not current and stamp != group:
                # What matters first: a narrow list elides the end of the line.
                header = QListWidgetItem(f"{EARLIER_MODEL}: {stamp.name}")
                header.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not selectable, nothing to restore
                font = header.font()
                font.setItalic(True)
                header.setFont(font)
                header.setToolTip(f"The predictions below are {stamp.stale_text()}.")
                self.history.addItem(header)
            group = stamp
            predicted = str(result["predicted"][0])
            confidence = max(float(p) for p in result["probabilities"][0])
            short = " ".join(text.split())
            short = short if len(short) <= 60 else short[:59] + "…"
            item = QListWidgetItem(f"{predicted} {confidence:.1%} · {short}")
            item.setData(Qt.ItemDataRole.UserRole, (text, result))
            tip = f"{stamp.name}: {predicted} {confidence:.1%}\n\n{text[:1000]}"
            if not current:
                tip = f"{stamp.stale_text(start=True)}.\n{tip}"
                item.setForeground(QBrush(STALE_COLOUR))
            item.setToolTip(tip)
            self.history.addItem(item)

    @Slot(QListWidgetItem)
    def _restore_history(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            text, result = data
            self.text_edit.setPlainText(text)
            self.show_prediction(text, result)

    # -- the job's handle (GUI thread) ----------------------------------------------------------
    @Slot(dict)
    def _on_reading_changed(self, _values: dict) -> None:
        """Model ▸ Long texts changed: the prediction on screen says how it was read."""
        if self._shown is not None and self._shown_result is not None:
            self.show_prediction(*self._shown_result)

    def _on_predicted(self, text: str, reading: dict, payload: object) -> None:
        if isinstance(payload, dict) and payload.get("predicted"):
            payload["reading"] = reading  # how the texts were read: marked once it changes
            self.show_prediction(text, payload)
            self._add_history(text, payload)

    def _on_failed(self, message: str, details: str) -> None:
        self.result_label.setText("The prediction failed.")
        show_error(self, "Predict", message, details)

    def _on_finished(self, job: JobHandle) -> None:
        if job is self._job:
            self._job = None
            self.predict_button.setEnabled(True)
