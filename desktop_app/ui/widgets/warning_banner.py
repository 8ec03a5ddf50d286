"""A banner that shows a data set's warnings above its table, hidden when there are none."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

MAX_SHOWN = 3  # warnings spelled out; the rest are counted (all are in the Summary)
MAX_CHARS = 300


class WarningBanner(QLabel):
    """Emits ``details_requested`` when the user follows its "Details" link."""

    details_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warningBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        # Fixed colours: the banner must stand out in light and dark themes alike.
        self.setStyleSheet(
            "#warningBanner { background: #fff4ce; color: #4d3800; border: 1px solid #e0b000;"
            " border-radius: 3px; padding: 4px 6px; }"
        )
        self.linkActivated.connect(self._on_link)
        self.warnings: list[str] = []
        self.hide()

    def show_warnings(self, warnings: list[str]) -> None:
        """Show ``warnings`` (hide the banner when the list is empty)."""
        self.warnings = [str(w) for w in warnings]
        if not self.warnings:
            self.clear()
            self.hide()
            return
        count = len(self.warnings)
        items = []
        for warning in self.warnings[:MAX_SHOWN]:
            text = warning if len(warning) <= MAX_CHARS else warning[: MAX_CHARS - 1] + "…"
            items.append(f"<li>{escape(text, quote=False)}</li>")
        more = count - MAX_SHOWN
        tail = f"{more} more; " if more > 0 else ""
        self.setText(
            f"<b>⚠ {count} warning{'s' if count != 1 else ''}</b> "
            f"({tail}<a href='#details'>details</a>)"
            f"<ul style='margin-top:2px; margin-bottom:0px'>{''.join(items)}</ul>"
        )
        self.setToolTip("\n\n".join(self.warnings))
        self.show()

    @Slot(str)
    def _on_link(self, _link: str) -> None:
        self.details_requested.emit()
