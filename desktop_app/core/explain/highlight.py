"""The explained text as HTML spans coloured by LIME weight: the one colour formula.

Used by the Explain tab's view and the Label tab's card (through
``desktop_app.ui.widgets.highlighted_text``) and by the HTML export, so a word has the same
colour everywhere. Blue supports the explained class, orange speaks against it (Okabe-Ito's
colour-blind-safe pair); the hue is blended over white with opacity
``0.85 * |weight| / max |weight|`` and written as ``#rrggbb`` (Qt's rich text has no ``rgba``
backgrounds), with white text on strong blue.

Every weighted piece is a ``<span class="lime-word towards|against|zero [unstable]">`` with
``data-feature``, ``data-weight`` and a ``title`` (the tooltip: weight, sd, sign agreement).
For a ``QTextBrowser`` each span holds an ``<a href="word:N">`` so the view can show the
tooltip on hover and report clicks; the standalone HTML page leaves the anchors out. Unstable
pieces carry the ``unstable`` class: the page underlines them with CSS, the Qt view with a
dotted underline of its own (Qt's HTML subset has none).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

BLUE = (0, 114, 178)  # Okabe-Ito blue: supports the explained class
ORANGE = (230, 159, 0)  # Okabe-Ito orange: against it
MAX_ALPHA = 0.85
TIP_CHARS = 60  # a sentence or chunk is cut to this in its tooltip


def weight_colour(weight: float | None, max_abs: float | None) -> tuple[str, str]:
    """Background and text colour (``#rrggbb``) for a weight; ``("", "")`` for no colour."""
    if not max_abs or not weight:
        return "", ""
    alpha = MAX_ALPHA * min(1.0, abs(weight) / max_abs)
    rgb = BLUE if weight > 0 else ORANGE
    mixed = [round(255 + (c - 255) * alpha) for c in rgb]
    background = "#{:02x}{:02x}{:02x}".format(*mixed)
    # White on strong blue; orange stays light enough for black text at any strength.
    foreground = "#ffffff" if weight > 0 and alpha > 0.55 else "#000000"
    return background, foreground


def legend_html(label: str) -> str:
    """One line: the two hues, what strength means, what an underline means."""
    towards, towards_fg = weight_colour(1.0, 1.0)
    against, against_fg = weight_colour(-1.0, 1.0)
    name = html.escape(str(label))
    return (
        f'<span style="background-color:{towards}; color:{towards_fg};">&nbsp;towards '
        f"{name}&nbsp;</span> &nbsp; "
        f'<span style="background-color:{against}; color:{against_fg};">&nbsp;against '
        f"{name}&nbsp;</span> &nbsp; stronger = larger weight &nbsp; "
        '<span style="text-decoration: underline;">underlined</span> = unstable over runs '
        "(the sign flips or sd &gt; |mean|); hover a word for its weight"
    )


def word_tooltip(piece: str, word: dict[str, Any] | None, weight: float, label: str) -> str:
    """The hover text of a piece: its weight for ``label``, then sd and sign agreement."""
    piece = " ".join(piece.split())
    if len(piece) > TIP_CHARS:
        piece = piece[: TIP_CHARS - 1].rstrip() + "…"
    direction = "towards" if weight > 0 else "against"
    lines = [f"{piece}: weight {weight:+.4f} ({direction} {label})"]
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
    *,
    links: bool = True,
) -> tuple[str, dict[str, str]]:
    """HTML of the text with coloured spans, and the tooltip of each anchor (``word:N``).

    ``tokens`` and ``words`` are an explanation's (``explain_text``); ``max_abs_weight``
    defaults to the largest |weight| among the tokens. ``links=False`` leaves the anchors out
    (a standalone page: the ``title`` is the tooltip there).
    """
    by_feature = {w.get("feature"): w for w in words}
    if max_abs_weight is None:
        max_abs_weight = max((abs(t.get("weight") or 0.0) for t in tokens), default=0.0)
    parts: list[str] = []
    tips: dict[str, str] = {}
    for index, token in enumerate(tokens):
        text = str(token.get("text", ""))
        piece = html.escape(text).replace("\n", "<br>")
        weight = token.get("weight")
        feature = token.get("feature")
        if feature is None or weight is None:
            parts.append(piece)
            continue
        weight = float(weight)
        background, foreground = weight_colour(weight, float(max_abs_weight or 0.0))
        tip = word_tooltip(text, by_feature.get(feature), weight, label)
        classes = ["lime-word", "towards" if weight > 0 else "against" if weight < 0 else "zero"]
        if token.get("unstable"):
            classes.append("unstable")
        style = f"background-color:{background}; color:{foreground};" if background else ""
        if links:
            href = f"word:{index}"
            tips[href] = tip
            link_style = f"color:{foreground or 'inherit'}; text-decoration:none;"
            piece = f'<a href="{href}" style="{link_style}">{piece}</a>'
        parts.append(
            f'<span class="{" ".join(classes)}" data-feature="{feature}" '
            f'data-weight="{weight:.6f}" title="{html.escape(tip)}" style="{style}">{piece}</span>'
        )
    return "".join(parts), tips
