"""The explained text with each word's background coloured by its LIME weight.

Blue supports the explained class, orange speaks against it (Okabe-Ito's colour-blind-safe
pair, as in the HTML export);
the colour's strength is proportional to ``|weight| / max |weight|``. Every weighted piece
is a ``<span class="lime-word ...">`` with ``data-feature`` / ``data-weight`` attributes and a
``title`` (kept in :attr:`HighlightedTextView.markup` for export and tests); inside it an
anchor lets the view show the weight as a tooltip on hover and report clicks. Unstable
words get a dotted underline and "unstable" in their tooltip.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QToolTip, QWidget

from desktop_app.core.explain.export import BLUE as TOWARDS_RGB  # same hues as the HTML export
from desktop_app.core.explain.export import ORANGE as AGAINST_RGB

MAX_ALPHA = 0.85


def weight_colour(weight: float, max_abs: float) -> tuple[str, str]:
    """Background and text colour (``#rrggbb``) for a weight, blended over white."""
    if not max_abs or weight is None or weight == 0:
        return "", ""
    alpha = MAX_ALPHA * min(1.0, abs(weight) / max_abs)
    rgb = TOWARDS_RGB if weight > 0 else AGAINST_RGB
    mixed = [round(255 + (c - 255) * alpha) for c in rgb]
    background = "#{:02x}{:02x}{:02x}".format(*mixed)
    # White on strong blue; orange stays light enough for black text at any strength.
    foreground = "#ffffff" if weight > 0 and alpha > 0.55 else "#000000"
    return background, foreground


def legend_html(label: str) -> str:
    """A one-line legend: the two hues, what strength means, what a dotted underline means."""
    towards, towards_fg = weight_colour(1.0, 1.0)
    against, against_fg = weight_colour(-1.0, 1.0)
    name = html.escape(label)
    return (
        f'<span style="background-color:{towards}; color:{towards_fg};">&nbsp;towards '
        f"{name}&nbsp;</span> &nbsp; "
        f'<span style="background-color:{against}; color:{against_fg};">&nbsp;against '
        f"{name}&nbsp;</span> &nbsp; stronger = larger weight &nbsp; "
        '<span style="text-decoration: underline;">underlined</span> = unstable'
    )


def word_tooltip(word: dict[str, Any] | None, weight: float, label: str) -> str:
    direction = "towards" if weight > 0 else "against"
    lines = [f"weight {weight:+.4f} ({direction} {label})"]
    if word:
        runs = len(word.get("weights", []) or [])
        lines.append(
            f"sd {float(word.get('sd', 0.0)):.4f}, sign agreement "
            f"{float(word.get('sign_agreement', 1.0)):.0%}" + (f" over {runs} runs" if runs else "")
        )
        if word.get("unstable"):
            lines.append("unstable: the sign flips between runs or the sd exceeds the mean")
    return "\n".join(lines)


def highlight_html(
    tokens: Sequence[dict[str, Any]],
    words: Sequence[dict[str, Any]],
    label: str,
    max_abs_weight: float | None = None,
) -> tuple[str, dict[str, str]]:
    """HTML of the text with coloured word spans, and the tooltip of each anchor href."""
    by_feature = {w.get("feature"): w for w in words}
    if max_abs_weight is None:
        max_abs_weight = max((abs(t.get("weight") or 0.0) for t in tokens), default=0.0)
    parts: list[str] = []
    tips: dict[str, str] = {}
    for index, token in enumerate(tokens):
        piece = html.escape(str(token.get("text", ""))).replace("\n", "<br>")
        weight = token.get("weight")
        feature = token.get("feature")
        if feature is None or weight is None:
            parts.append(piece)
            continue
        background, foreground = weight_colour(float(weight), float(max_abs_weight or 0.0))
        unstable = bool(token.get("unstable"))
        href = f"word:{index}"
        tip = word_tooltip(by_feature.get(feature), float(weight), label)
        tips[href] = tip
        classes = ["lime-word", "towards" if weight > 0 else "against" if weight < 0 else "zero"]
        if unstable:
            classes.append("unstable")
        style = f"background-color:{background}; color:{foreground};" if background else ""
        link_style = f"color:{foreground or 'inherit'}; text-decoration:none;"
        parts.append(
            f'<span class="{" ".join(classes)}" data-feature="{feature}" '
            f'data-weight="{float(weight):.6f}" title="{html.escape(tip)}" style="{style}">'
            f'<a href="{href}" style="{link_style}">{piece}</a></span>'
        )
    return "".join(parts), tips


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
