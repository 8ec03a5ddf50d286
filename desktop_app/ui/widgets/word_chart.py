"""Horizontal bar chart of the top words' mean LIME weights, with the sd over runs as error bars.

The chart is drawn with matplotlib's Agg backend on a background :class:`TaskRunner` thread
(a ``Figure`` used by one thread at a time is safe) and shown as a pixmap: the GUI thread
only wraps the finished pixels in a ``QImage``, so drawing (and matplotlib's first import,
half a second) never stalls the window. A resize redraws it at the new size, debounced.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop_app.core.explain.highlight import BLUE, ORANGE  # the text view's hues
from desktop_app.core.jobs import JobContext
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner

TOP_WORDS = 10
LABEL_CHARS = 28  # longer tick labels (sentences, chunks) are cut with an ellipsis
PLURAL = {"word": "words", "sentence": "sentences", "chunk": "chunks"}
RESIZE_DELAY_MS = 150

RGB = tuple[float, float, float]


@dataclass
class ChartImage:
    """Pixels of a rendered chart (RGBA, row-major) and what it shows."""

    pixels: bytes
    width: int
    height: int
    bars: int


def preload() -> None:
    """Import matplotlib's Agg backend (half a second or more): run it off the GUI thread."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _tick_label(word: str, unstable: bool) -> str:
    word = " ".join(word.split())
    if len(word) > LABEL_CHARS:
        word = word[: LABEL_CHARS - 1].rstrip() + "…"
    return word + (" (unstable)" if unstable else "")


def _rgb(colour: Sequence[int]) -> RGB:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)


def render_chart(
    words: Sequence[dict[str, Any]],
    label: str,
    size: tuple[int, int],
    dpi: float,
    foreground: RGB,
    background: RGB,
    ctx: JobContext | None = None,
    top: int = TOP_WORDS,
    level: str = "word",
) -> ChartImage:
    """Draw the chart into pixels (any thread; no Qt)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = max(size[0], 50), max(size[1], 50)
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout="constrained")
    figure.set_facecolor(background)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.set_facecolor(background)
    shown = list(words[:top])[::-1]  # strongest at the top
    fg = foreground
    if shown:
        names = [_tick_label(str(w["word"]), bool(w.get("unstable"))) for w in shown]
        means = [float(w["mean_weight"]) for w in shown]
        sds = [float(w.get("sd", 0.0)) for w in shown]
        colours = [_rgb(BLUE) if m > 0 else _rgb(ORANGE) for m in means]
        bars = ax.barh(
            range(len(shown)), means, xerr=sds, color=colours, ecolor=fg, capsize=2, height=0.7
        )
        for bar, word in zip(bars, shown, strict=True):
            if word.get("unstable"):
                bar.set_hatch("///")
                bar.set_edgecolor(fg)
        ax.set_yticks(range(len(shown)), names, fontsize=9)
        ax.axvline(0.0, color=fg, linewidth=0.8)
    else:
        ax.text(0.5, 0.5, "No word has a weight", ha="center", va="center", color=fg)
        ax.set_yticks([])
    ax.set_xlabel("weight (mean ± sd over runs)", fontsize=9, color=fg)
    ax.set_title(f"Top {PLURAL.get(level, 'words')} for '{label}'", fontsize=10, color=fg)
    ax.tick_params(colors=fg, labelsize=8)
    for spine in ax.spines.values():
        spine.set_color(fg)
    if ctx is not None:
        ctx.check_cancelled()
    canvas.draw()
    pixels = bytes(canvas.buffer_rgba())
    w, h = canvas.get_width_height(physical=True)
    return ChartImage(pixels, w, h, len(shown))


class WordWeightChart(QWidget):
    """``show_words(words, label)`` draws the strongest words; ``clear()`` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.image = QLabel()
        self.image.setObjectName("wordChartImage")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        layout.addWidget(self.image)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self._words: list[dict[str, Any]] = []
        self._label = ""
        self._level = "word"
        self._bars = 0
        self._rendered_size = QSize()
        self._runner = TaskRunner("wordChartRenderer", self)
        self._task: JobHandle | None = None
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(RESIZE_DELAY_MS)
        self._resize_timer.timeout.connect(self._render)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(420, 320)

    def show_words(self, words: Sequence[dict[str, Any]], label: str, level: str = "word") -> None:
        """Draw the chart for these words (in the background; shown when ready)."""
        self._words = [dict(w) for w in words[:TOP_WORDS]]
        self._label = str(label)
        self._level = level
        self._render()

    def clear(self) -> None:
        self._words, self._label, self._bars = [], "", 0
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.image.clear()

    def bar_count(self) -> int:
        """How many bars the chart on screen shows (0 before the first explanation)."""
        return self._bars

    def preload(self) -> None:
        """Import matplotlib on the background thread now (e.g. while the worker explains)."""
        self._runner.start(_preload_task, "preload matplotlib")

    def shutdown(self) -> None:
        self._resize_timer.stop()
        self._runner.shutdown()

    # -- rendering ----------------------------------------------------------------------
    @Slot()
    def _render(self) -> None:
        if not self._label:
            return
        if self._task is not None:
            self._task.cancel()
        ratio = self.devicePixelRatioF()
        size = self.size()
        self._rendered_size = size
        window = self.palette().window().color()
        text = self.palette().windowText().color()
        self._task = self._runner.start(
            _RenderTask(
                self._words,
                self._label,
                (round(size.width() * ratio), round(size.height() * ratio)),
                96.0 * ratio,
                (text.redF(), text.greenF(), text.blueF()),
                (window.redF(), window.greenF(), window.blueF()),
                self._level,
            ),
            "draw chart",
        )
        task = self._task
        task.on_result(functools.partial(self._on_rendered, task))
        task.on_failed(functools.partial(self._on_failed, task))

    def _on_rendered(self, task: JobHandle, payload: object) -> None:
        if task is not self._task or not isinstance(payload, ChartImage):
            return
        self._task = None
        image = QImage(
            payload.pixels, payload.width, payload.height, QImage.Format.Format_RGBA8888
        ).copy()  # copy: the QImage must not outlive the bytes it points into
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.image.setPixmap(pixmap)
        self._bars = payload.bars
        self.image.setToolTip(
            "\n".join(
                f"{w['word']}: {float(w['mean_weight']):+.4f} ± {float(w.get('sd', 0.0)):.4f}"
                + (" (unstable)" if w.get("unstable") else "")
                for w in self._words
            )
        )

    def _on_failed(self, task: JobHandle, message: str, details: str) -> None:
        if task is self._task:
            self._task = None
            self.image.setText(f"The chart could not be drawn: {message}")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self._label and event.size() != self._rendered_size:
            self._resize_timer.start()


def _preload_task(ctx: JobContext) -> None:
    preload()


class _RenderTask:
    def __init__(self, *args: Any) -> None:
        self.args = args

    def __call__(self, ctx: JobContext) -> ChartImage:
        *args, level = self.args
        return render_chart(*args, ctx=ctx, level=level)
