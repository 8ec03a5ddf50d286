"""The explained text with each word's background coloured by its LIME weight.

The markup and colours come from :mod:`desktop_app.core.explain.highlight` (the same as the
HTML export's): blue supports the explained class, orange speaks against it, stronger for
larger weights. Every weighted piece is a ``<span class="lime-word ...">`` (kept in
:attr:`HighlightedTextView.markup`) holding an anchor, so the view shows the weight as a
tooltip on hover and reports clicks. Unstable words get a dotted underline here and
"unstable" in their tooltip.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QToolTip, QWidget

# The one colour formula and markup, shared with the HTML export and the Label tab's card
# (which calls highlight_html(tokens, words, label, max_abs_weight) -> (body, tips) from here).
from desktop_app.core.explain.highlight import highlight_html, legend_html, weight_colour

__all__ = ["HighlightedTextView", "highlight_html", "legend_html", "weight_colour"]


class HighlightedTextView(QTextBrowser):
    """Read-only view of the highlighted text; tooltips on hover, ``word_clicked(feature)``."""

    word_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)  # the text is what the user reads here
        self.setFont(font)
        self.markup = ""
        self._tips: dict[str, str] = {}
        self._features: dict[str, int] = {}

    def show_explanation(self, result: dict[str, Any]) -> None:
        tokens = result.get("tokens", [])
        body, self._tips = highlight_html(
            tokens,
            result.get("words", []),
            str(result.get("label", "")),
            result.get("max_abs_weight"),
        )
        self._features = {
            f"word:{i}": int(t["feature"])
            for i, t in enumerate(tokens)
            if t.get("feature") is not None and t.get("weight") is not None
        }
        self.markup = f'<div class="lime-text" style="line-height:150%;">{body}</div>'
        self.setHtml(self.markup)
        self._underline_unstable({i for i, t in enumerate(tokens) if t.get("unstable")})

    def clear_explanation(self, message: str = "") -> None:
        self.markup = ""
        self._tips = {}
        self._features = {}
        self.setHtml(f"<p style='color:gray'>{html.escape(message)}</p>" if message else "")

    def highlighted_words(self) -> list[str]:
        """The text of every coloured piece, in order (what the user sees highlighted)."""
        words = []
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.charFormat().anchorHref() in self._tips:
                    words.append(fragment.text())
                it += 1
            block = block.next()
        return words

    def _underline_unstable(self, indexes: set[int]) -> None:
        # Qt's HTML subset has no dotted underline; set it on the anchors' character format.
        if not indexes:
            return
        hrefs = {f"word:{i}" for i in indexes}
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.charFormat().anchorHref() in hrefs:
                    cursor = QTextCursor(self.document())
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(
                        fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor
                    )
                    cursor.mergeCharFormat(fmt)
                it += 1
            block = block.next()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.ToolTip:
            tip = self._tips.get(self.anchorAt(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _on_anchor(self, url: QUrl) -> None:
        feature = self._features.get(url.toString())
        if feature is not None:
            self.word_clicked.emit(feature)
