"""The Label tab's card: the text, large; the model's suggestion; one button per label.

The card takes the keyboard focus but handles no key itself: key presses go on to the
Label tab, which owns the shortcuts. Its buttons never take the focus, so a click does
not steal the keys from the card.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

MAX_KEYS = 9
CONFIDENT = 0.8


class LabelCard(QFrame):
    """Shows one row to label."""

    label_clicked = Signal(int)  # index into the labels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(
            "#labelCard { background: palette(base); border-radius: 6px; }"
            "#labelCard:focus { border: 2px solid palette(highlight); }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(12)

        self.info_label = QLabel()
        self.info_label.setObjectName("cardInfo")
        self.info_label.setStyleSheet("color: palette(placeholder-text);")
        layout.addStretch(1)
        layout.addWidget(self.info_label)
        self.meta_label = QLabel()  # the file's columns the user picked (Card columns)
        self.meta_label.setObjectName("cardMeta")
        self.meta_label.setTextFormat(Qt.TextFormat.RichText)
        self.meta_label.setWordWrap(True)
        self.meta_label.hide()
        layout.addWidget(self.meta_label)

        self.text_label = QLabel()
        self.text_label.setObjectName("cardText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        font = QFont(self.text_label.font())
        font.setPointSizeF(max(15.0, font.pointSizeF() * 1.6))
        self.text_label.setFont(font)
        self.text_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.text_label.setMinimumSize(1, 1)  # its own minimum hint would force a scroll bar
        scroll = QScrollArea()
        self.scroll = scroll
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setStyleSheet("QScrollArea { background: transparent; }")
        scroll.viewport().setAutoFillBackground(False)
        self.text_label.setAutoFillBackground(False)
        self.text_label.setStyleSheet("background: transparent;")
        scroll.setWidget(self.text_label)
        # Text, suggestion and buttons stay together in the middle of the card; the text
        # area grows with the text and scrolls only when the text is longer than the card.
        layout.addWidget(scroll)

        self.suggestion_label = QLabel()
        self.suggestion_label.setObjectName("cardSuggestion")
        self.suggestion_label.setTextFormat(Qt.TextFormat.RichText)
        self.suggestion_label.setWordWrap(True)  # the scope line must not widen the card
        font = QFont(self.suggestion_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.suggestion_label.setFont(font)
        layout.addWidget(self.suggestion_label)

        self.buttons_row = QHBoxLayout()
        self.buttons_row.setSpacing(8)
        layout.addLayout(self.buttons_row)
        layout.addStretch(1)
        self.buttons: list[QPushButton] = []

        self.note_label = QLabel()
        self.note_label.setObjectName("cardNote")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: palette(placeholder-text); font-style: italic;")
        self.note_label.hide()
        layout.addWidget(self.note_label)

        self.hint_label = QLabel(
            "1–9 choose · Enter accept suggestion · S skip · ←/→ move · "
            "Backspace or Ctrl+Z undo · N note"
        )
        self.hint_label.setObjectName("cardHints")
        self.hint_label.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.hint_label)
        self._labels: list[str] = []
        self._current: str | None = None

    # -- labels ---------------------------------------------------------------------
    def labels(self) -> list[str]:
        """The class names the buttons (and keys 1-9) stand for."""
        return list(self._labels)

    def set_labels(self, labels: list[str]) -> None:
        if labels == self._labels:
            return
        self._labels = list(labels)
        for button in self.buttons:
            self.buttons_row.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        for index, name in enumerate(labels[:MAX_KEYS]):
            button = QPushButton(f"{index + 1}  {name}")
            button.setObjectName(f"labelButton{index + 1}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setCheckable(True)
            button.setMinimumHeight(36)
            button.setToolTip(f"Label as {name} (key {index + 1})")
            button.setProperty("labelIndex", index)
            button.clicked.connect(self._on_button)
            self.buttons_row.addWidget(button)
            self.buttons.append(button)
        self.buttons_row.addStretch(1)
        self._check_current()

    @Slot()
    def _on_button(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self._check_current()  # the tab decides; the check shows the stored label
            self.label_clicked.emit(int(button.property("labelIndex")))

    def _check_current(self) -> None:
        for index, button in enumerate(self.buttons):
            button.setChecked(index < len(self._labels) and self._labels[index] == self._current)

    # -- content --------------------------------------------------------------------
    def show_text(self, text: str, info: str, current: str | None, note: str | None) -> None:
        self.text_label.setText(_plain_html(text))
        self._fit_text()
        self.info_label.setText(info)
        self._current = current
        self._check_current()
        if note:
            self.note_label.setText(f"Note: {note}")
            self.note_label.show()
        else:
            self.note_label.hide()
        for button in self.buttons:
            button.setEnabled(True)

    def set_metadata(self, values: list[tuple[str, str | None]]) -> None:
        """The row's values of the chosen file columns ("review_id: r17 · product: lamp");
        none chosen hides the line."""
        parts = [
            f"<span style='color:gray'>{html.escape(name)}:</span> "
            + ("<span style='color:gray'>—</span>" if value is None else html.escape(value))
            for name, value in values
        ]
        self.meta_label.setText(" &nbsp;·&nbsp; ".join(parts))
        self.meta_label.setVisible(bool(parts))

    def metadata_text(self) -> str:
        """The metadata line as the user reads it ("" when hidden)."""
        if self.meta_label.isHidden():
            return ""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.meta_label.text())
        return doc.toPlainText()

    def set_status(self, info: str, current: str | None) -> None:
        """The row's line ("Row 3 of the file · labelled positive") and checked button, when
        its label changed while it is on the card."""
        self.info_label.setText(info)
        self._current = current
        self._check_current()

    def show_highlight(self, body_html: str) -> None:
        """The text with LIME colours (HTML from ``highlight_html``)."""
        self.text_label.setText(body_html)
        self._fit_text()

    def _fit_text(self) -> None:
        """Size the text area to the text, at most what the card can give it."""
        # Measured a scroll bar narrower, so a text that fits never shows one.
        width = max(100, self.scroll.width() - self.scroll.verticalScrollBar().sizeHint().width())
        needed = self.text_label.heightForWidth(width) + 12
        room = max(80, self.height() - 230)
        self.scroll.setFixedHeight(max(40, min(needed, room)))

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit_text()

    def set_suggestion(
        self,
        label: str | None,
        confidence: float | None,
        hidden: bool = False,
        note: str = "",
        scope: str = "",
    ) -> None:
        """The suggestion (or, without one, ``note``); ``scope`` says when it is chosen among
        fewer classes than the model knows."""
        if hidden:
            self.suggestion_label.setText(
                "<span style='color:gray'>Suggestion hidden until you answer</span>"
            )
        elif label is None:
            self.suggestion_label.setText(f"<span style='color:gray'>{html.escape(note)}</span>")
        else:
            strength = "" if (confidence or 0) >= CONFIDENT else " (unsure)"
            scope_html = (
                f"<br><span style='color:gray; font-size:small'>{html.escape(scope)}</span>"
                if scope
                else ""
            )
            self.suggestion_label.setText(
                f"Suggestion: <b>{html.escape(label)}</b> · {100 * (confidence or 0):.0f}%"
                f"{strength} <span style='color:gray'>— Enter accepts</span>{scope_html}"
            )

    def show_message(self, title: str, message: str) -> None:
        """No row to show (all labelled, or nothing loaded)."""
        self.text_label.setText(
            f"<p style='font-weight:600'>{html.escape(title)}</p>"
            f"<p style='font-size:small'>{html.escape(message)}</p>"
        )
        self._fit_text()
        self.info_label.setText("")
        self.meta_label.hide()
        self.suggestion_label.setText("")
        self.note_label.hide()
        self._current = None
        self._check_current()
        for button in self.buttons:
            button.setEnabled(False)

    def text(self) -> str:
        """The text on the card as the user reads it (markup removed)."""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.text_label.text())
        return doc.toPlainText()


def _plain_html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
