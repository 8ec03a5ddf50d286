"""Two small charts of a dataset: rows per class (bars) and text lengths (histogram).

Redrawing a matplotlib figure costs tens of milliseconds on the GUI thread, so the charts
keep their artists between data sets of the same shape (update heights, no ``ax.clear()``)
and the two figures are drawn in separate event-loop turns: the window never freezes for
both at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QWidget

from desktop_app.ui.widgets.plot_canvas import PlotCanvas

BAR_COLOR = "#1f6fb2"
UNLABELLED_COLOR = "#9e9e9e"
HIST_COLOR = "#4c956c"
STAGGER_MS = 15  # the second chart is drawn this much later, after other events had a turn


class DatasetCharts(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_chart = PlotCanvas("Rows per class")
        self.class_chart.setObjectName("classChart")
        self.length_chart = PlotCanvas("Text length (characters)")
        self.length_chart.setObjectName("lengthChart")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.class_chart)
        layout.addWidget(self.length_chart)
        self._class_bars: Any = None
        self._class_names: list[str] = []
        self._class_labels: list[Any] = []
        self._length_bars: Any = None
        self._median_line: Any = None
        self._pending_lengths: tuple[Any, Any, float | None] | None = None

    def prepare(self) -> None:
        """Create the (empty) figures ahead of the first data set; matplotlib must be imported."""
        for chart in (self.class_chart, self.length_chart):
            if chart.figure is None:
                chart.axes()

    def show_data(
        self,
        counts: dict[str, int],
        unlabelled: int,
        length_counts: Any,
        length_edges: Any,
        median: float | None = None,
    ) -> None:
        """Draw the class chart now and the length histogram in a later event-loop turn."""
        self.show_classes(counts, unlabelled)
        self._pending_lengths = (length_counts, length_edges, median)
        QTimer.singleShot(STAGGER_MS, self._draw_pending_lengths)

    @Slot()
    def _draw_pending_lengths(self) -> None:
        if self._pending_lengths is not None:
            pending, self._pending_lengths = self._pending_lengths, None
            self.show_lengths(*pending)

    def show_classes(self, counts: dict[str, int], unlabelled: int = 0) -> None:
        """Bars per class, plus a grey bar for unlabelled rows if there are any."""
        names = list(counts)
        values = [int(counts[n]) for n in names]
        colors = [BAR_COLOR] * len(names)
        if unlabelled:
            names.append("(unlabelled)")
            values.append(int(unlabelled))
            colors.append(UNLABELLED_COLOR)
        texts = [f"{v:,}" for v in values]
        if names and names == self._class_names and self._class_bars is not None:
            ax = self.class_chart.axes(clear=False)
            for bar, value in zip(self._class_bars, values, strict=True):
                bar.set_height(value)
            for label, text, value in zip(self._class_labels, texts, values, strict=True):
                label.set_text(text)
                label.xy = (label.xy[0], value)
            ax.relim()
            ax.autoscale_view()
            self.class_chart.redraw()
            return
        ax = self.class_chart.axes()
        self._class_names = names
        self._class_bars = None
        self._class_labels = []
        if names:
            bars = ax.bar(range(len(names)), values, color=colors)
            ax.set_xticks(range(len(names)), names, rotation=30 if len(names) > 4 else 0)
            self._class_labels = ax.bar_label(
                bars, labels=texts, fontsize=8, color=self.class_chart.foreground
            )
            self._class_bars = bars
            ax.margins(y=0.15)
        else:
            ax.text(0.5, 0.5, "No rows", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylabel("rows", fontsize=8, color=self.class_chart.foreground)
        self.class_chart.redraw()

    def show_lengths(self, counts: Any, edges: Any, median: float | None = None) -> None:
        """A histogram from precomputed ``counts`` per bin and bin ``edges`` (len + 1)."""
        counts, edges = [int(c) for c in counts], [float(e) for e in edges]
        valid = bool(counts) and len(edges) == len(counts) + 1
        widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)] if valid else []
        bars = self._length_bars
        if valid and bars is not None and len(bars) == len(counts) and self._median_line:
            ax = self.length_chart.axes(clear=False)
            for bar, x, width, height in zip(bars, edges[:-1], widths, counts, strict=True):
                bar.set_x(x)
                bar.set_width(width)
                bar.set_height(height)
            self._set_median(median)
            ax.relim()
            ax.autoscale_view()
            self.length_chart.redraw()
            return
        ax = self.length_chart.axes()
        self._length_bars = None
        self._median_line = None
        if valid:
            self._length_bars = ax.bar(
                edges[:-1], counts, width=widths, align="edge", color=HIST_COLOR
            )
            self._median_line = ax.axvline(
                0.0, color=self.length_chart.foreground, linestyle="--", linewidth=1
            )
            self._set_median(median)
            ax.legend(fontsize=8, frameon=False, labelcolor=self.length_chart.foreground)
        else:
            ax.text(0.5, 0.5, "No texts", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylabel("rows", fontsize=8, color=self.length_chart.foreground)
        self.length_chart.redraw()

    def _set_median(self, median: float | None) -> None:
        line = self._median_line
        line.set_visible(median is not None)
        if median is not None:
            line.set_xdata([median, median])
            line.set_label(f"median {median:,.0f}")
            legend = self.length_chart.axes(clear=False).get_legend()
            if legend is not None and legend.get_texts():
                legend.get_texts()[0].set_text(line.get_label())
