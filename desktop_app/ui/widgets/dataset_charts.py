"""Two small charts of a dataset: rows per class (bars) and text lengths (histogram)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QWidget

from desktop_app.ui.widgets.plot_canvas import PlotCanvas

BAR_COLOR = "#1f6fb2"
UNLABELLED_COLOR = "#9e9e9e"
HIST_COLOR = "#4c956c"


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

    def show_classes(self, counts: dict[str, int], unlabelled: int = 0) -> None:
        """Bars per class, plus a grey bar for unlabelled rows if there are any."""
        ax = self.class_chart.axes()
        names = list(counts)
        values = [counts[n] for n in names]
        colors = [BAR_COLOR] * len(names)
        if unlabelled:
            names.append("(unlabelled)")
            values.append(unlabelled)
            colors.append(UNLABELLED_COLOR)
        if names:
            bars = ax.bar(range(len(names)), values, color=colors)
            ax.set_xticks(range(len(names)), names, rotation=30 if len(names) > 4 else 0)
            ax.bar_label(
                bars,
                labels=[f"{v:,}" for v in values],
                fontsize=8,
                color=self.class_chart.foreground,
            )
            ax.margins(y=0.15)
        else:
            ax.text(0.5, 0.5, "No rows", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylabel("rows", fontsize=8)
        self.class_chart.redraw()

    def show_lengths(self, counts: Any, edges: Any, median: float | None = None) -> None:
        """A histogram from precomputed ``counts`` per bin and bin ``edges`` (len + 1)."""
        ax = self.length_chart.axes()
        counts, edges = list(counts), list(edges)
        if counts and len(edges) == len(counts) + 1:
            widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
            ax.bar(edges[:-1], counts, width=widths, align="edge", color=HIST_COLOR)
            if median is not None:
                ax.axvline(
                    median,
                    color=self.length_chart.foreground,
                    linestyle="--",
                    linewidth=1,
                    label=f"median {median:,.0f}",
                )
                ax.legend(fontsize=8, frameon=False, labelcolor=self.length_chart.foreground)
        else:
            ax.text(0.5, 0.5, "No texts", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylabel("rows", fontsize=8)
        self.length_chart.redraw()
