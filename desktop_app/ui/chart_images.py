"""The Dataset tab's two charts, drawn by matplotlib into images on any thread. No Qt.

Drawing a small matplotlib figure costs 15-20 ms of CPU time (most of it laying out text),
and on the GUI thread that is a frozen window. So the loader thread draws both charts for a
new data set (:func:`render_charts`) while the GUI thread keeps running (the loader gives the
GIL up every few milliseconds while it runs Python code), and the GUI thread only paints the
finished pixels. Each chart is a plain ``matplotlib.figure.Figure`` with an Agg canvas: no
pyplot, no Qt canvas, so it can be built off the GUI thread and handed over afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_app.core.imports import heavy_imports

DPI = 100.0
BAR_COLOR = "#1f6fb2"
UNLABELLED_COLOR = "#9e9e9e"
HIST_COLOR = "#4c956c"
CLASS_TITLE = "Rows per class"
LENGTH_TITLE = "Text length (characters)"


def preload_matplotlib(qt: bool = False) -> None:
    """Import matplotlib's figure and Agg canvas (about half a second), off the GUI thread;
    ``qt=True`` adds the Qt canvas (for the GUI thread's plots).

    One thread at a time: matplotlib's modules import one another, and two threads importing
    them at once can each be handed a half-initialised module (an ImportError, or a module
    without its attributes, seen in the test suite). Import matplotlib through this function.
    """
    with heavy_imports():
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401

        if qt:
            import matplotlib.backends.backend_qtagg  # noqa: F401


@dataclass(frozen=True)
class ChartStyle:
    """What the GUI tells the drawing thread: the chart's size and colours (RGB in 0-1)."""

    width: int  # logical pixels
    height: int
    ratio: float = 1.0  # device pixels per logical pixel
    face: tuple[float, float, float] = (1.0, 1.0, 1.0)
    foreground: tuple[float, float, float] = (0.0, 0.0, 0.0)
    title: str = ""


@dataclass
class ChartImage:
    """A drawn chart: its figure (to redraw at another size) and its RGBA pixels."""

    figure: Any  # matplotlib.figure.Figure with a FigureCanvasAgg
    rgba: bytes
    width: int  # device pixels
    height: int
    style: ChartStyle


def new_figure(style: ChartStyle) -> tuple[Any, Any]:
    """A figure of the style's size with one styled, empty ``Axes``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(
        figsize=(max(style.width, 1) / DPI, max(style.height, 1) / DPI), dpi=DPI * style.ratio
    )
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.16, right=0.97, top=0.88, bottom=0.16)
    figure.set_facecolor(style.face)
    axes = figure.add_subplot()
    axes.tick_params(colors=style.foreground, labelsize=8)
    for spine in axes.spines.values():
        spine.set_color(style.foreground)
    if style.title:
        axes.set_title(style.title, fontsize=10, color=style.foreground)
    return figure, axes


def render(figure: Any, style: ChartStyle) -> ChartImage:
    """Draw ``figure`` at the style's size and return its pixels."""
    figure.set_dpi(DPI * style.ratio)
    figure.set_size_inches(max(style.width, 1) / DPI, max(style.height, 1) / DPI)
    canvas = figure.canvas
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    return ChartImage(figure, bytes(canvas.buffer_rgba()), width, height, style)


def class_chart(counts: dict[str, int], unlabelled: int, style: ChartStyle) -> ChartImage:
    """Bars per class with the counts on top, plus a grey bar for unlabelled rows."""
    figure, ax = new_figure(style)
    names = list(counts)
    values = [int(counts[n]) for n in names]
    colors = [BAR_COLOR] * len(names)
    if unlabelled:
        names.append("(unlabelled)")
        values.append(int(unlabelled))
        colors.append(UNLABELLED_COLOR)
    if names:
        bars = ax.bar(range(len(names)), values, color=colors)
        ax.set_xticks(range(len(names)), names, rotation=30 if len(names) > 4 else 0)
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=8, color=style.foreground)
        ax.margins(y=0.15)
    else:
        ax.text(0.5, 0.5, "No rows", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("rows", fontsize=8, color=style.foreground)
    return render(figure, style)


def length_chart(counts: Any, edges: Any, median: float | None, style: ChartStyle) -> ChartImage:
    """A histogram from precomputed ``counts`` per bin and bin ``edges`` (len + 1)."""
    figure, ax = new_figure(style)
    counts, edges = [int(c) for c in counts], [float(e) for e in edges]
    if counts and len(edges) == len(counts) + 1:
        widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
        ax.bar(edges[:-1], counts, width=widths, align="edge", color=HIST_COLOR)
        if median is not None:
            ax.axvline(
                median,
                color=style.foreground,
                linestyle="--",
                linewidth=1,
                label=f"median {median:,.0f}",
            )
            ax.legend(fontsize=8, frameon=False, labelcolor=style.foreground)
    else:
        ax.text(0.5, 0.5, "No texts", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("rows", fontsize=8, color=style.foreground)
    return render(figure, style)


def render_charts(stats: Any, styles: tuple[ChartStyle, ChartStyle]) -> list[ChartImage]:
    """Both charts of a data set's statistics (``DatasetStats``)."""
    percentiles = getattr(stats, "length_percentiles", None) or {}
    median = float(percentiles["p50"]) if "p50" in percentiles else None
    return [
        class_chart(dict(stats.labels), int(stats.unlabelled), styles[0]),
        length_chart(stats.length_counts, stats.length_edges, median, styles[1]),
    ]
