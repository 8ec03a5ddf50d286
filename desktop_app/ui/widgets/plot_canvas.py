"""A widget that shows a matplotlib chart drawn elsewhere, usually off the GUI thread.

``PlotCanvas`` paints the pixels of a :class:`~desktop_app.ui.chart_images.ChartImage`; its
``figure`` is the matplotlib figure they came from (to inspect, or to draw again). The
loader thread draws the charts at the size :meth:`PlotCanvas.chart_style` reports, so the
GUI thread only copies pixels; when the widget's size changes the figure is drawn again here,
after the resizing has paused.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.ui.chart_images import ChartImage, ChartStyle, render

RESIZE_REDRAW_MS = 120  # redraw once the size has stopped changing for this long


class PlotCanvas(QWidget):
    def __init__(
        self,
        title: str = "",
        parent: QWidget | None = None,
        redraw_delay_ms: int = RESIZE_REDRAW_MS,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 160)
        self.figure: Any = None
        self._chart: ChartImage | None = None
        self._image: QImage | None = None
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(redraw_delay_ms)
        self._resize_timer.timeout.connect(self._redraw_at_size)

    def chart_style(self) -> ChartStyle:
        """Size and palette colours for drawing this widget's chart (on any thread)."""
        window = self.palette().window().color()
        text = self.palette().windowText().color()
        return ChartStyle(
            width=max(self.width(), self.minimumWidth()),
            height=max(self.height(), self.minimumHeight()),
            ratio=float(self.devicePixelRatioF()),
            face=(window.redF(), window.greenF(), window.blueF()),
            foreground=(text.redF(), text.greenF(), text.blueF()),
            title=self.title,
        )

    @property
    def foreground(self) -> tuple[float, float, float]:
        """The palette's text colour as an RGB tuple for matplotlib."""
        return self.chart_style().foreground

    def show_chart(self, chart: ChartImage) -> None:
        """Show a drawn chart (cheap: wraps its pixels); redraw later if the size is off."""
        self._chart = chart
        self.figure = chart.figure
        image = QImage(chart.rgba, chart.width, chart.height, QImage.Format.Format_RGBA8888)
        image.setDevicePixelRatio(chart.style.ratio)
        self._image = image  # wraps chart.rgba, which self._chart keeps alive
        self.update()
        if not self._fits(chart.style):
            self._resize_timer.start()

    def _fits(self, style: ChartStyle) -> bool:
        current = self.chart_style()
        return (style.width, style.height, style.ratio) == (
            current.width,
            current.height,
            current.ratio,
        )

    @Slot()
    def _redraw_at_size(self) -> None:
        if self._chart is None or self._fits(self._chart.style):
            return
        self.show_chart(render(self._chart.figure, self.chart_style()))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._chart is not None:
            self._resize_timer.start()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self._image is None:
            return
        painter = QPainter(self)
        painter.drawImage(0, 0, self._image)
        painter.end()
