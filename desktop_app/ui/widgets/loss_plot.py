"""Live training plot: step loss (raw and smoothed), validation loss and macro-F1 per epoch.

HOUSE_STYLE "Live plots": the ``Line2D`` objects are created once; new points go into plain
Python buffers; a ``QTimer`` (80 ms) calls ``set_data`` and ``relim`` only when a buffer
changed since the last update. The axes are never cleared per step.

A full redraw of this figure costs 30-60 ms of CPU on a laptop, and several times that
while the training thread competes for the CPU and the GIL: far too long a stall for the
GUI thread ten times a second. So the data lines are *animated* artists blitted onto a
cached background (matplotlib's "Faster rendering by using blitting" recipe): an update
restores the background, draws the four lines and blits, a few milliseconds. The limits
are autoscaled with head room (x to the run's planned steps, y with 10 % to spare), and
only when a point falls outside the view is there a full ``draw_idle``. Resizing, the
toolbar (pan, zoom, save as PNG) and the end of a run draw the whole figure as usual.

matplotlib is imported the first time the plot is shown, so the window appears before
matplotlib has loaded.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

REDRAW_MS = 80
MIN_STEPS_SHOWN = 32.0  # the x axis starts this wide and doubles when the steps reach its end
LEGEND_ONE_ROW_PX = 520  # narrower than this, the four legend entries take two rows
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
        self.setMinimumSize(240, 150)
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
        self._legend: Any = None
        self._legend_columns = 0
        self._fg: Any = (0.0, 0.0, 0.0)

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
        self._total_steps: float | None = None
        self._steps_per_epoch: float | None = None
        self._expected_loss: float | None = None
        self._background: Any = None
        self._auto_view: tuple | None = None  # the limits last set here (else: the user zoomed)
        self._epochs_planned: int | None = None
        self._dirty = False
        self._running = False  # between reset() and finish()
        self.redraws = 0  # full redraws of the figure (for tests and benchmarks)
        self.blits = 0  # updates that only redrew the lines

        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._refresh)

    # -- public API -----------------------------------------------------------------
    def reset(
        self,
        epochs: int | None = None,
        total_steps: int | None = None,
        expected_loss: float | None = None,
    ) -> None:
        """Forget the previous run and set the view for the next one.

        ``epochs`` places the validation points on the step axis; ``total_steps`` (the
        planned optimisation steps) and ``expected_loss`` (about ln(classes) for an untrained
        classifier) set the limits now, so the first points need no full redraw. The figure
        is drawn at once: call this before the training job starts competing for the CPU.
        """
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
        self._epochs_planned = epochs if epochs and epochs > 0 else None
        self._total_steps = float(total_steps) if total_steps and total_steps > 0 else None
        self._steps_per_epoch = (
            self._total_steps / self._epochs_planned
            if self._total_steps and self._epochs_planned
            else None
        )
        self._expected_loss = expected_loss if expected_loss and expected_loss > 0 else None
        self._auto_view = None
        self._dirty = False
        self._running = True
        self._timer.start()
        if self.canvas is None:
            self._dirty = True
            return
        self.toolbar.update()  # forget the previous run's zoom history
        self._set_lines()
        before = self._view()
        self._rescale()
        if self.canvas.isVisible() and self._background is not None and self._view() == before:
            # Same view as the last run ended with: wiping the lines is a blit.
            self.canvas.restore_region(self._background)
            self._draw_lines()
            self.canvas.blit(self.figure.bbox)
            self.blits += 1
        elif self.canvas.isVisible():
            self._background = None
            self.canvas.draw()  # now, while the worker is still idle
            self.canvas.update()
            self.redraws += 1
        else:
            self._full_redraw()

    def add_steps(self, items: list[dict]) -> None:
        """Append step points ``{"step", "total_steps", "epoch", "loss"}`` (a batch of them)."""
        for item in items:
            loss = _number(item.get("loss"))
            step = _number(item.get("step"))
            if loss is None or step is None:
                continue
            total = _number(item.get("total_steps"))
            if total and self._total_steps is None:
                self._total_steps = total
                if self._epochs_planned:
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
        """The run ended: draw the last points and stop the timer. When the run stopped
        well before the planned steps (early stopping, cancel), fit the view to the data."""
        if not self._running:
            return  # finished already (the result and the job's end both call this)
        self._running = False
        if self.canvas is None or self._ax is None:
            return
        self._dirty = True
        self._refresh()
        if self._dirty:
            return  # hidden: drawn, fitted as it is, when shown
        (x0, x1), _ = self._view()
        ended_early = bool(self.steps) and max(self.steps) < 0.75 * x1
        if ended_early and self._view() == self._auto_view:
            self._ax.relim()
            self._ax_f1.relim()
            self._ax.autoscale_view()
            self._ax_f1.autoscale_view(scaley=False)
            self._auto_view = self._view()
            self._full_redraw()

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
        self._mark_dirty()  # points that came while hidden

    def _mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _freeze_toolbar_icons(self) -> None:
        """matplotlib's toolbar icons re-read and re-render their SVG file on every paint
        (about 0.5 ms each, nine icons, each time the toolbar repaints during training): render
        each once, at the toolbar's size, into a plain pixmap icon."""
        from PySide6.QtGui import QIcon

        size = self.toolbar.iconSize()
        ratio = self.toolbar.devicePixelRatioF() or 1.0
        for action in self.toolbar.actions():
            icon = action.icon()
            if not icon.isNull():
                action.setIcon(QIcon(icon.pixmap(size, ratio)))

    def _ensure_figure(self) -> None:
        if self.canvas is not None:
            return
        from desktop_app.ui.chart_images import preload_matplotlib

        preload_matplotlib(qt=True)  # waits for a warm-up thread importing it (see there)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
        from matplotlib.figure import Figure

        # Fixed margins in pixels (set on resize) instead of a layout engine: a layout engine
        # re-measures every text on each full draw, which is a third of the draw's cost.
        self.figure = Figure(figsize=(5, 3))
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
        self._freeze_toolbar_icons()
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
        ax.set_ylim(0.0, 1.0)
        ax.set_xlim(0.0, 1.0)
        ax.grid(True, alpha=0.25)
        style = {"animated": True}
        (raw,) = ax.plot(
            [], [], color=RAW_COLOUR, alpha=0.35, linewidth=1.0, label="step loss", **style
        )
        (smooth,) = ax.plot([], [], color=RAW_COLOUR, linewidth=2.0, label="smoothed loss", **style)
        (val,) = ax.plot(
            [], [], color=VAL_COLOUR, marker="o", linewidth=1.5, label="validation loss", **style
        )
        (f1,) = ax_f1.plot(
            [],
            [],
            color=F1_COLOUR,
            marker="s",
            linestyle="--",
            linewidth=1.5,
            label="val macro-F1",
            **style,
        )
        self._lines = {"raw": raw, "smooth": smooth, "val": val, "f1": f1}
        self._fg = fg
        self._make_legend(4)
        self.canvas.mpl_connect("resize_event", self._on_resize)
        self._on_resize(None)
        self.canvas.mpl_connect("draw_event", self._on_draw)
        self._dirty = True
        self._refresh()

    def _make_legend(self, columns: int) -> None:
        """The legend above the axes (so it never hides the curves), in ``columns`` columns
        (a legend's layout is fixed when it is made, so a new column count is a new legend)."""
        if self._legend is not None:
            self._legend.remove()
        lines = self._lines
        self._legend = self.figure.legend(
            handles=[lines["raw"], lines["smooth"], lines["val"], lines["f1"]],
            loc="upper center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=columns,
            fontsize=8,
            frameon=False,
            labelcolor=self._fg,
            borderaxespad=0.2,
            columnspacing=1.2,
            handlelength=1.8,
        )
        self._legend_columns = columns

    def _on_resize(self, _event: Any) -> None:
        """Keep the margins constant in pixels: room for tick labels, axis labels, legend."""
        width, height = self.figure.get_size_inches() * self.figure.dpi
        if width < 10 or height < 10:
            return
        # In a narrow plot the legend takes two rows of two, so no entry is cut off.
        narrow = width < LEGEND_ONE_ROW_PX
        if self._legend_columns != (2 if narrow else 4):
            self._make_legend(2 if narrow else 4)
        left, right, bottom, top = 58.0, 58.0, 40.0, 40.0 if narrow else 26.0
        self.figure.subplots_adjust(
            left=min(0.4, left / width),
            right=max(0.6, 1.0 - right / width),
            bottom=min(0.4, bottom / height),
            top=max(0.6, 1.0 - top / height),
        )

    def _on_draw(self, _event: Any) -> None:
        """After every full draw: keep the background, then draw the animated lines on it."""
        if self.canvas is None or self.canvas.is_saving():
            return  # savefig draws the animated lines itself
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._draw_lines()

    def _draw_lines(self) -> None:
        for name in ("raw", "smooth", "val"):
            self._ax.draw_artist(self._lines[name])
        self._ax_f1.draw_artist(self._lines["f1"])

    def _set_lines(self) -> None:
        lines = self._lines
        lines["raw"].set_data(self.steps, self.losses)
        lines["smooth"].set_data(self.steps, self.smoothed)
        lines["val"].set_data(self.epoch_x, self.val_losses)
        lines["f1"].set_data(self.f1_x, self.val_f1)

    def _view(self) -> tuple:
        return (tuple(self._ax.get_xlim()), tuple(self._ax.get_ylim()))

    def _fits(self) -> bool:
        """Whether every point lies inside the current view."""
        data = self._ax.dataLim
        if not self.steps and not self.epoch_x:
            return True
        (x0, x1), (y0, y1) = self._view()
        fits = data.x0 >= x0 and data.x1 <= x1 and data.y0 >= y0 and data.y1 <= y1
        if self.f1_x:
            fits = fits and min(self.f1_x) >= x0 and max(self.f1_x) <= x1
        return fits

    def _rescale(self) -> None:
        """New limits with head room, so the next points fit without another full redraw.

        The x axis doubles as the run goes (up to the planned steps) rather than showing
        the whole run from the start, where the first hundred steps of a thousand-step
        run would be a smudge at the left edge: about log2(steps / 32) full redraws a run.
        """
        data = self._ax.dataLim
        has_data = bool(self.steps or self.epoch_x)
        last = max(
            data.x1 if has_data and math.isfinite(data.x1) else 0.0,
            max(self.f1_x, default=0.0),
        )
        x_high = max(MIN_STEPS_SHOWN, 2.0 * last)
        if self._total_steps:
            x_high = min(x_high, self._total_steps)
        y_values = [v for v in (data.y0, data.y1) if has_data and math.isfinite(v)]
        y_low = min(0.0, min(y_values, default=0.0))
        y_high = max(y_values + [self._expected_loss or 0.0], default=0.0)
        # Single batches' losses jump well above the first ones; half again to spare saves
        # full redraws, each of which costs 100-250 ms while the worker competes for the GIL.
        self._ax.set_xlim(0.0, max(x_high, last, 1.0))
        self._ax.set_ylim(y_low, y_high * 1.5 if y_high > 0 else 1.0)
        self._auto_view = self._view()

    def _full_redraw(self) -> None:
        self._background = None
        self.canvas.draw_idle()
        self.redraws += 1

    @Slot()
    def _refresh(self) -> None:
        if not self._dirty:
            if not self._running:
                self._timer.stop()  # nothing more will come: no idle wake-ups
            return
        if self.canvas is None:
            if not self.isVisible():
                return  # drawn when first shown; the buffers keep every point meanwhile
            self._ensure_figure()
            return
        if not self.canvas.isVisible():
            return  # another tab is in front: draw when shown (the buffers keep every point)
        self._dirty = False
        self._set_lines()
        self._ax.relim()
        self._ax_f1.relim()
        user_view = self._auto_view is not None and self._view() != self._auto_view
        if not user_view and (self._auto_view is None or not self._fits()):
            self._rescale()
            self._full_redraw()
            return
        if self._background is None:
            self._full_redraw()
            return
        self.canvas.restore_region(self._background)
        self._draw_lines()
        self.canvas.blit(self.figure.bbox)
        self.blits += 1


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
