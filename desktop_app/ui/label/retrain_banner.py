"""The result of "Retrain with my labels", kept on screen until the user dismisses it (✕) or
the next retraining starts: a status line is overwritten by the scoring that follows within
seconds, and this figure is one to read and report."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class RetrainResultBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retrainResultBanner")
        # Fixed colours: it must stand out in light and dark themes alike.
        self.setStyleSheet(
            "#retrainResultBanner { background: #e8f1fb; border: 1px solid #7aa7d8; "
            "border-radius: 3px; } #retrainResultBanner QLabel { color: #0b2e59; }"
        )
        self.label = QLabel()
        self.label.setObjectName("retrainResultLabel")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setObjectName("retrainResultDismiss")
        self.dismiss_button.setText("✕")
        self.dismiss_button.setToolTip("Dismiss this result")
        self.dismiss_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys label the card
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 3, 3)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @Slot(str)
    def show_result(self, text: str) -> None:
        """Show ``text`` (rich text); an empty text hides the banner (a new run started)."""
        if not text:
            self.dismiss()
            return
        self.label.setText(text)
        self.show()

    @Slot()
    def dismiss(self) -> None:
        self.label.clear()
        self.hide()
