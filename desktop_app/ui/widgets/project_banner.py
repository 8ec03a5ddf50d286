"""A bar above the Label tab's card that says what is wrong with saving to the project.

It shows, one line each, what the user must know while labelling: that the project is
read-only and why (with a "Save a copy…" button), that a label is not saved yet because
another program holds the project's lock, that a value of the file was damaged and
replaced, and the last refusal ("Not saved: …"), so a key press in a read-only project
answers here rather than with a dialog per key. Hidden when there is nothing to say.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class ProjectBanner(QFrame):
    save_copy_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Amber: a state to act on, not a crash.
        self.setStyleSheet(
            "#projectBanner { background: #fff4ce; border: 1px solid #e0b000; }"
            "#projectBanner QLabel { color: #3d2e00; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.text_label = QLabel()
        self.text_label.setObjectName("projectBannerText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.text_label, 1)
        self.copy_button = QPushButton("Save a copy…")
        self.copy_button.setObjectName("saveCopyButton")
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.copy_button.setToolTip("Save a copy of the project where you can write, and label it")
        self.copy_button.clicked.connect(self.save_copy_requested)
        layout.addWidget(self.copy_button)
        self._read_only: str | None = None
        self._pending: str | None = None
        self._warnings: list[str] = []
        self._refusal: str | None = None
        self._refresh()

    def set_read_only(self, reason: str | None) -> None:
        self._read_only = reason
        self._refresh()

    def set_pending(self, text: str | None) -> None:
        self._pending = text
        self._refresh()

    def set_warnings(self, warnings: list[str]) -> None:
        self._warnings = list(warnings)
        self._refresh()

    def refuse(self, text: str | None) -> None:
        """Say why the last action was not saved (until the next refusal or ``clear``)."""
        self._refusal = text
        self._refresh()

    def clear(self) -> None:
        self._read_only = self._pending = self._refusal = None
        self._warnings = []
        self._refresh()

    def text(self) -> str:
        """What the banner says, as plain text."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.text_label.text().replace("<br>", "\n")))

    def _refresh(self) -> None:
        lines = []
        if self._refusal:
            lines.append(f"<b>Not saved:</b> {html.escape(self._refusal)}")
        if self._read_only:
            lines.append(
                f"<b>Read-only.</b> {html.escape(self._read_only)} Labels cannot be saved here; "
                "use Save a copy… to label a copy."
            )
        if self._pending:
            lines.append(html.escape(self._pending))
        lines += [f"Note: {html.escape(w)}" for w in self._warnings]
        self.text_label.setText("<br>".join(lines))
        self.copy_button.setVisible(self._read_only is not None)
        self.setVisible(bool(lines))
