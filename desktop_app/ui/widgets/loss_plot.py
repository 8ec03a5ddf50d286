"""Live training plot: step loss (raw and smoothed), validation loss and macro-F1 per epoch.

HOUSE_STYLE "Live plots": the ``Line2D`` objects are created once; new points go into plain
Python buffers; a ``QTimer`` (80 ms) calls ``set_data``, ``relim``, ``autoscale_view`` and
``draw_idle`` only when a buffer changed since the last redraw. The axes are never cleared
per step. matplotlib is imported the first time the plot is shown or gets data, so the
window appears before matplotlib has loaded.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

REDRAW_MS = 80
SMOOTHING = 0.9  # weight of the running average in the exponentially smoothed loss

RAW_COLOUR = "#1f77b4"
VAL_COLOUR = "#d62728"
F1_COLOUR = "#2ca02c"


class LossPlot(QWidget):
    """A resizable figure with a navigation toolbar (pan, zoom, save as PNG)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lossPlot")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._placeholder = QLabel("The training loss appears here once a run starts.")
        self._placeholder.setObjectName("lossPlotPlaceholder")
        self._layout.addWidget(self._placeholder)

        self.figure: Any = None
        self.canvas: Any = None
        self.toolbar: Any = None
        self._ax: Any = None
        self._ax_f1: Any = None
        self._lines: dict[str, Any] = {}

        # Buffers (plain lists; plotting reads them on the timer).
        self.steps: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.epoch_x: list[float] = []
        self.val_losses: list[float] = []
        self.f1_x: list[float] = []
        self.val_f1: list[float] = []
        self._ema: float | None = None
        self._last_step = 0.0
        self._steps_per_epoch: float | None = None
        self._epochs_planned: int | None = None
        self._dirty = False
        self.redraws = 0  # how many times the figure was redrawn (for tests and benchmarks)

        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._refresh)

    # -- public API -----------------------------------------------------------------
    def reset(self, epochs: int | None = None) -> None:
        """Forget the previous run; ``epochs`` places the validation points on the step axis."""
        for buffer in (
            self.steps,
            self.losses,
            self.smoothed,
            self.epoch_x,
            self.val_losses,
            self.f1_x,
            self.val_f1,
        ):
            buffer.clear()
        self._ema = None
        self._last_step = 0.0
        self._steps_per_epoch = None
        self._epochs_planned = epochs if epochs and epochs > 0 else None
        self._dirty = True
        self._timer.start()

    def add_steps(self, items: list[dict]) -> None:
        """Append step points ``{"step", "total_steps", "epoch", "loss"}`` (a batch of them)."""
        for item in items:
            loss = _number(item.get("loss"))
            step = _number(item.get("step"))
            if loss is None or step is None:
                continue
            total = _number(item.get("total_steps"))
            if total and self._epochs_planned and self._steps_per_epoch is None:
                self._steps_per_epoch = total / self._epochs_planned
            self.steps.append(step)
            self.losses.append(loss)
            self._ema = (
                loss if self._ema is None else SMOOTHING * self._ema + (1 - SMOOTHING) * loss
            )
            self.smoothed.append(self._ema)
            self._last_step = max(self._last_step, step)
        self._mark_dirty()

    def add_epoch(self, item: dict) -> None:
        """Append one epoch's ``{"epoch", "val_loss", "val_macro_f1", ...}``."""
        epoch = _number(item.get("epoch"))
        if self._steps_per_epoch and epoch is not None:
            x = epoch * self._steps_per_epoch
        else:
            # Step points are buffered by the worker, so the epoch can arrive first;
            # fall back to the latest step seen.
            x = self._last_step
        val_loss = _number(item.get("val_loss"))
        if val_loss is not None:
            self.epoch_x.append(x)
            self.val_losses.append(val_loss)
        f1 = _number(item.get("val_macro_f1"))
        if f1 is not None:
            self.f1_x.append(x)
            self.val_f1.append(f1)
        self._mark_dirty()

    def finish(self) -> None:
        """The run ended: draw what is left, then stop the timer."""
        self._refresh()
        self._timer.stop()

    def point_count(self) -> int:
        """Step points plotted so far (what a user sees as dots on the loss curve)."""
        line = self._lines.get("raw")
        return 0 if line is None else len(line.get_xdata())

    def epoch_point_count(self) -> int:
        line = self._lines.get("val")
        return 0 if line is None else len(line.get_xdata())

    # -- drawing ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._ensure_figure()

    def _mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _ensure_figure(self) -> None:
        if self.canvas is not None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(5, 3), layout="constrained")
        window = self.palette().window().color()
        text = self.palette().windowText().color()
        fg = (text.redF(), text.greenF(), text.blueF())
        self.figure.set_facecolor((window.redF(), window.greenF(), window.blueF()))
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setObjectName("lossPlotCanvas")
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.toolbar = NavigationToolbar2QT(self.canvas, self)
        self.toolbar.setObjectName("lossPlotToolbar")
        self.toolbar.setIconSize(self.toolbar.iconSize() * 0.8)
        self._placeholder.hide()
        self._layout.addWidget(self.toolbar)
        self._layout.addWidget(self.canvas, 1)

        ax = self.figure.add_subplot()
        ax_f1 = ax.twinx()
        self._ax, self._ax_f1 = ax, ax_f1
        for axis in (ax, ax_f1):
            axis.tick_params(colors=fg, labelsize=8)
            for spine in axis.spines.values():
                spine.set_color(fg)
            axis.set_facecolor("none")
        ax.set_xlabel("training step", fontsize=9, color=fg)
        ax.set_ylabel("loss", fontsize=9, color=fg)
        ax_f1.set_ylabel("validation macro-F1", fontsize=9, color=F1_COLOUR)
        ax_f1.set_ylim(0.0, 1.0)
        ax.grid(True, alpha=0.25)
        (raw,) = ax.plot([], [], color=RAW_COLOUR, alpha=0.25, linewidth=0.8, label="step loss")
        (smooth,) = ax.plot([], [], color=RAW_COLOUR, linewidth=2.0, label="smoothed loss")
        (val,) = ax.plot(
            [], [], color=VAL_COLOUR, marker="o", linewidth=1.5, label="validation loss"
        )
        (f1,) = ax_f1.plot(
            [], [], color=F1_COLOUR, marker="s", linestyle="--", linewidth=1.5, label="val macro-F1"
        )
        self._lines = {"raw": raw, "smooth": smooth, "val": val, "f1": f1}
        ax.legend(
            handles=[raw, smooth, val, f1],
            loc="upper right",
            fontsize=8,
            framealpha=0.7,
        )
        self._dirty = True
        self._refresh()

    @Slot()
    def _refresh(self) -> None:
        if not self._dirty:
            return
        if self.canvas is None:
            if not self.isVisible():
                return  # drawn when first shown; the buffers keep every point meanwhile
            self._ensure_figure()
            return
        self._dirty = False
        lines = self._lines
        lines["raw"].set_data(self.steps, self.losses)
        lines["smooth"].set_data(self.steps, self.smoothed)
        lines["val"].set_data(self.epoch_x, self.val_losses)
        lines["f1"].set_data(self.f1_x, self.val_f1)
        self._ax.relim()
        self._ax_f1.relim()  # shares the x axis: its points count for the x limits too
        self._ax.autoscale_view()
        self._ax_f1.autoscale_view(scaley=False)
        self.canvas.draw_idle()
        self.redraws += 1


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
