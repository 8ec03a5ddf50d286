"""Two runs side by side (the Runs view's Compare): the verdict of McNemar's test in words,
the figures of A and B with their difference, and both runs' loss curves on one chart.

The comparison itself is the core's (:func:`desktop_app.core.runs.compare.compare_runs`,
the same as ``runs compare``); this panel only shows its dict. The chart is a matplotlib
figure, imported when the first comparison is shown.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.training.runs_model import figure_text
from desktop_app.ui.widgets.metrics_view import fill_figures

COLUMNS = ["", "A", "B", "B − A"]
A_COLOUR, B_COLOUR = "#1f77b4", "#ff7f0e"
SMOOTHING = 0.9  # as the live plot smooths the step loss


class ComparePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runsComparePanel")
        self.comparison: dict[str, Any] | None = None
        self.title = QLabel()
        self.title.setObjectName("compareTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict = QLabel()
        self.verdict.setObjectName("compareVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("compareTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.chart = QWidget()
        self.chart.setObjectName("compareChart")
        self.chart.setMinimumSize(240, 160)
        self.chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._chart_layout = QVBoxLayout(self.chart)
        self._chart_layout.setContentsMargins(0, 0, 0, 0)
        self.figure: Any = None
        self.canvas: Any = None
        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.verdict)
        layout.addWidget(splitter, 1)

    def show_comparison(self, comparison: dict[str, Any], a: Any, b: Any) -> None:
        """``comparison`` from ``compare_runs(registry, a, b)``; ``a``, ``b`` the records."""
        self.comparison = comparison
        self.title.setText(
            f"<b>A</b>: {html.escape(a.name)} ({a.id}) &nbsp;·&nbsp; "
            f"<b>B</b>: {html.escape(b.name)} ({b.id})"
        )
        self.verdict.setText(verdict_text(comparison))
        self._fill_table(comparison, a, b)
        self._plot(a, b)
        # Once laid out: a panel shown a moment ago has not got its final width yet.
        QTimer.singleShot(0, self._fit_table)

    def _fill_table(self, comparison: dict[str, Any], a: Any, b: Any) -> None:
        rows: list[list[str]] = []
        for key, name in (("accuracy", "Test accuracy"), ("macro_f1", "Test macro-F1")):
            figure = comparison["metrics"].get(key) or {}
            difference = figure.get("difference")
            rows.append(
                [
                    name,
                    figure_text(a.metrics, key),
                    figure_text(b.metrics, key),
                    f"{difference:+.3f}" if isinstance(difference, (int, float)) else "–",
                ]
            )
        for label, values in (comparison.get("per_class") or {}).items():
            fa, fb = (_f1(values.get(side)) for side in ("a", "b"))
            diff = f"{fb - fa:+.3f}" if fa is not None and fb is not None else "–"
            rows.append([f"    F1 {label}", _fmt(fa), _fmt(fb), diff])
        sizes = comparison.get("sizes") or {}
        for split in ("train", "validation", "test"):
            sa, sb = ((sizes.get(side) or {}).get(split) for side in ("a", "b"))
            rows.append([f"{split.capitalize()} rows", _count(sa), _count(sb), ""])
        fill_figures(self.table, rows)

    def _fit_table(self) -> None:
        """The table as wide as its columns (A and B whole), the chart the rest."""
        table = self.table
        header = table.horizontalHeader()
        header.setStretchLastSection(False)  # measured at its contents' width
        table.resizeColumnsToContents()
        wanted = header.length() + 2 * table.frameWidth() + 4
        if table.verticalScrollBar().isVisible():
            wanted += table.verticalScrollBar().width()
        header.setStretchLastSection(True)
        total = sum(self.splitter.sizes()) or self.width()
        if total > 0:
            width = min(wanted, max(total - self.chart.minimumWidth(), total // 2))
            self.splitter.setSizes([width, total - width])

    def _plot(self, a: Any, b: Any) -> None:
        if self.canvas is None:
            from desktop_app.ui.chart_images import preload_matplotlib

            preload_matplotlib(qt=True)
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            self.figure = Figure(figsize=(4, 3), layout="constrained")
            window = self.palette().window().color()
            self.figure.set_facecolor((window.redF(), window.greenF(), window.blueF()))
            self.canvas = FigureCanvasQTAgg(self.figure)
            self.canvas.setObjectName("compareCanvas")
            self._chart_layout.addWidget(self.canvas)
        text = self.palette().windowText().color()
        fg = (text.redF(), text.greenF(), text.blueF())
        self.figure.clear()
        ax = self.figure.add_subplot()
        drawn = 0
        for side, record, colour in (("A", a, A_COLOUR), ("B", b, B_COLOUR)):
            train, val = loss_curves(record.info)
            if train[0]:
                ax.plot(*train, color=colour, linewidth=1.2, label=f"{side} training (smoothed)")
                drawn += 1
            if val[0]:
                ax.plot(*val, color=colour, linestyle="--", marker="o", label=f"{side} validation")
                drawn += 1
        ax.set_xlabel("epoch", fontsize=9, color=fg)
        ax.set_ylabel("loss", fontsize=9, color=fg)
        ax.tick_params(colors=fg, labelsize=8)
        if drawn:
            ax.legend(fontsize=8)
            ax.set_title("Loss curves", fontsize=9, color=fg)
        else:
            ax.set_title("Neither run has loss curves (no training loop)", fontsize=9, color=fg)
        self.canvas.draw_idle()

    def line_count(self) -> int:
        """Curves on the chart (what a user sees)."""
        if self.figure is None or not self.figure.axes:
            return 0
        return len(self.figure.axes[0].get_lines())


def loss_curves(info: dict[str, Any]) -> tuple[tuple[list, list], tuple[list, list]]:
    """((x, smoothed training loss), (x, validation loss)) of a run, x in epochs."""
    history = info.get("history") or {}
    steps = [s for s in history.get("steps") or [] if isinstance(s.get("loss"), (int, float))]
    epochs = [e for e in history.get("epochs") or [] if isinstance(e.get("val_loss"), (int, float))]
    planned = (info.get("config") or {}).get("epochs") or 0
    total = max((float(s.get("total_steps") or 0) for s in steps), default=0.0)
    per_epoch = total / planned if total and planned else 0.0
    tx, ty, ema = [], [], None
    for s in steps:
        loss = float(s["loss"])
        ema = loss if ema is None else SMOOTHING * ema + (1 - SMOOTHING) * loss
        tx.append(float(s["step"]) / per_epoch if per_epoch else float(s.get("epoch") or 0))
        ty.append(ema)
    vx = [float(e["epoch"]) for e in epochs]
    vy = [float(e["val_loss"]) for e in epochs]
    return (tx, ty), (vx, vy)


def verdict_text(comparison: dict[str, Any]) -> str:
    """McNemar's verdict in words, then the notes (different data, different splits)."""
    mcnemar = comparison.get("mcnemar")
    parts = []
    if mcnemar:
        parts.append(
            f"<b>{html.escape(str(mcnemar['verdict']))}</b> — McNemar's exact test on the "
            f"{mcnemar['shared_rows']:,} test rows both runs scored: A alone right on "
            f"{mcnemar['a_only_right']:,}, B alone on {mcnemar['b_only_right']:,}."
        )
    else:
        parts.append("<b>No test of the difference</b>:")
    parts += [html.escape(str(note)) for note in comparison.get("notes") or []]
    return " ".join(parts)


def _f1(values: Any) -> float | None:
    value = values.get("f1") if isinstance(values, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _count(value: Any) -> str:
    return f"{int(value):,}" if isinstance(value, (int, float)) else "–"
