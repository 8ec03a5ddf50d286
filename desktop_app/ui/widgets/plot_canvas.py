"""A matplotlib figure embedded in Qt, created lazily so start-up never imports matplotlib.

``PlotCanvas`` is a plain ``QWidget`` until :meth:`PlotCanvas.axes` is first called; then it
builds a ``Figure`` and a ``FigureCanvasQTAgg`` inside itself. Callers draw with the usual
matplotlib API and finish with :meth:`PlotCanvas.redraw` (``draw_idle``: Qt paints when the
event loop is free).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget


def preload_matplotlib() -> None:
    """Import matplotlib's Qt backend (about half a second), e.g. on a background thread."""
    import matplotlib.backends.backend_qtagg  # noqa: F401
    import matplotlib.figure  # noqa: F401


class PlotCanvas(QWidget):
    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 160)
        self.figure: Any = None
        self.canvas: Any = None
        self._axes: Any = None
        self._fresh = False  # axes created and styled, nothing drawn on them yet (no redraw)

    def axes(self, clear: bool = True) -> Any:
        """The figure's single ``Axes``, cleared for a new drawing unless ``clear`` is False.

        Updating existing artists (``clear=False``) is several times cheaper than clearing:
        a cleared axes rebuilds its ticks, which is most of a redraw's time.
        """
        if self.canvas is None:
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            self.figure = Figure(figsize=(4, 3))
            self.figure.subplots_adjust(left=0.16, right=0.97, top=0.88, bottom=0.16)
            self.canvas = FigureCanvasQTAgg(self.figure)
            self.canvas.setObjectName(f"{self.objectName() or 'plot'}Canvas")
            self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            self._layout.addWidget(self.canvas)
            self._axes = self.figure.add_subplot()
            self._style_palette()
            self._style_axes()
            self._fresh = True
            return self._axes
        if not clear or self._fresh:
            return self._axes  # fresh: nothing drawn yet, and clearing would rebuild the ticks
        self._axes.clear()
        self._style_axes()
        return self._axes

    def _style_axes(self) -> None:
        self._axes.tick_params(colors=self.foreground, labelsize=8)
        for spine in self._axes.spines.values():
            spine.set_color(self.foreground)
        if self.title:
            self._axes.set_title(self.title, fontsize=10, color=self.foreground)

    def redraw(self) -> None:
        """Schedule a repaint (matplotlib draws when the event loop is free)."""
        if self.canvas is not None:
            self._fresh = False
            self.canvas.draw_idle()

    def _style_palette(self) -> None:
        # Match the window background so a plot does not sit in a white box on dark themes;
        # callers colour text with ``foreground`` (rcParams are global, so they stay alone).
        window = self.palette().window().color()
        self.figure.set_facecolor((window.redF(), window.greenF(), window.blueF()))
        text = self.palette().windowText().color()
        self._fg = (text.redF(), text.greenF(), text.blueF())

    @property
    def foreground(self) -> tuple[float, float, float]:
        """The palette's text colour as an RGB tuple for matplotlib."""
        return getattr(self, "_fg", (0.0, 0.0, 0.0))
