"""Horizontal bar chart of the top words' mean LIME weights, with the sd over runs as error bars.

matplotlib is imported only when the first chart is drawn (call :func:`preload` on a
background thread beforehand so that import never stalls the GUI thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from desktop_app.ui.widgets.highlighted_text import AGAINST_RGB, TOWARDS_RGB

TOP_WORDS = 10


def preload() -> None:
    """Import matplotlib's Qt backend (half a second or more): run it off the GUI thread."""
    import matplotlib.backends.backend_qtagg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _rgb(colour: tuple[int, int, int]) -> tuple[float, float, float]:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)


class WordWeightChart(QWidget):
    """``show_words(words, label)`` draws the strongest words; ``clear()`` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.figure: Any = None
        self.canvas: Any = None
        self.axes: Any = None
        self.bars: Any = None

    def _ensure_canvas(self) -> None:
        if self.canvas is not None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(4, 3), layout="constrained")
        window = self.palette().window().color()
        self.figure.set_facecolor((window.redF(), window.greenF(), window.blueF()))
        text = self.palette().windowText().color()
        self._fg = (text.redF(), text.greenF(), text.blueF())
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setObjectName("wordChartCanvas")
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._layout.addWidget(self.canvas)
        self.axes = self.figure.add_subplot()

    def clear(self) -> None:
        if self.axes is not None:
            self.axes.clear()
            self.bars = None
            self.canvas.draw_idle()

    def show_words(self, words: Sequence[dict[str, Any]], label: str, top: int = TOP_WORDS) -> None:
        self._ensure_canvas()
        ax = self.axes
        ax.clear()
        shown = list(words[:top])[::-1]  # strongest at the top
        names = [str(w["word"]) + (" (unstable)" if w.get("unstable") else "") for w in shown]
        means = [float(w["mean_weight"]) for w in shown]
        sds = [float(w.get("sd", 0.0)) for w in shown]
        colours = [_rgb(TOWARDS_RGB) if m > 0 else _rgb(AGAINST_RGB) for m in means]
        fg = self._fg
        self.bars = ax.barh(
            range(len(shown)), means, xerr=sds, color=colours, ecolor=fg, capsize=2, height=0.7
        )
        for bar, word in zip(self.bars, shown, strict=True):
            if word.get("unstable"):
                bar.set_hatch("//")
                bar.set_edgecolor(fg)
        ax.set_yticks(range(len(shown)), names, fontsize=9)
        ax.axvline(0.0, color=fg, linewidth=0.8)
        ax.set_xlabel(f"weight towards '{label}' (mean ± sd over runs)", fontsize=9, color=fg)
        ax.tick_params(colors=fg, labelsize=8)
        for spine in ax.spines.values():
            spine.set_color(fg)
        ax.set_facecolor("none")
        self.canvas.draw_idle()

    def bar_count(self) -> int:
        """How many bars the chart shows (0 before the first explanation)."""
        return 0 if self.bars is None else len(self.bars)
