"""Two small charts of a dataset: rows per class (bars) and text lengths (histogram).

Drawing a matplotlib figure costs 15-20 ms of CPU time, so the loader thread draws both
charts for a new data set (:mod:`desktop_app.ui.chart_images`) at the sizes
:meth:`DatasetCharts.chart_styles` reports, and the GUI thread only shows the pixels
(:meth:`DatasetCharts.show_charts`). :meth:`DatasetCharts.show_data` draws here instead, one
figure per event-loop turn, for callers without drawn charts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QWidget

from desktop_app.ui.chart_images import (
    CLASS_TITLE,
    LENGTH_TITLE,
    ChartImage,
    ChartStyle,
    class_chart,
    length_chart,
)
from desktop_app.ui.widgets.plot_canvas import RESIZE_REDRAW_MS, PlotCanvas

STAGGER_MS = 15  # the second chart is drawn this much later, after other events had a turn


class DatasetCharts(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_chart = PlotCanvas(CLASS_TITLE)
        self.class_chart.setObjectName("classChart")
        # After a resize the two figures are drawn again in different event-loop turns.
        self.length_chart = PlotCanvas(LENGTH_TITLE, redraw_delay_ms=2 * RESIZE_REDRAW_MS)
        self.length_chart.setObjectName("lengthChart")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.class_chart)
        layout.addWidget(self.length_chart)
        self._pending_lengths: tuple[Any, Any, float | None] | None = None

    def chart_styles(self) -> tuple[ChartStyle, ChartStyle]:
        """Sizes and colours for drawing the two charts off the GUI thread."""
        return self.class_chart.chart_style(), self.length_chart.chart_style()

    def show_charts(self, charts: list[ChartImage]) -> None:
        """Show the class chart and the length histogram drawn by ``render_charts``."""
        self._pending_lengths = None
        self.class_chart.show_chart(charts[0])
        self.length_chart.show_chart(charts[1])

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
        chart = self.class_chart
        chart.show_chart(class_chart(counts, unlabelled, chart.chart_style()))

    def show_lengths(self, counts: Any, edges: Any, median: float | None = None) -> None:
        """A histogram from precomputed ``counts`` per bin and bin ``edges`` (len + 1)."""
        chart = self.length_chart
        chart.show_chart(length_chart(counts, edges, median, chart.chart_style()))
