"""Results of a training run: metrics table, confusion-matrix heat map, examples of a cell.

The confusion matrix is a matplotlib ``imshow`` with the counts written in the cells
(rows: true label, columns: predicted label). Clicking a cell shows the Examples page:
every test example (text, true label, predicted label, confidence) filtered to that cell,
most confident first, to sort, search and filter further
(:mod:`desktop_app.ui.training.cell_examples`). matplotlib is imported when the first
result arrives.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

METRIC_COLUMNS = ["", "Accuracy", "Macro-F1", "Precision", "Recall", "F1", "Support"]
TICK_FONT_SIZE = 8  # points; class names on the confusion matrix
MIN_CELL_PX = 40  # the narrowest cell the matrix asks room for
MAX_BOTTOM = 0.6  # share of the chart's height the class names under it may take


# The results of a run appear in three pieces, each after a pass of the event loop: table and
# summary, then the matrix's figure (built), then the figure shown and drawn. One piece of
# 50-60 ms was the longest stall of a training run (benchmarks/training_gui_bench.py).
MATRIX_DELAY_MS = 15


class ConfusionMatrixView(QWidget):
    """Heat map of a confusion matrix; emits ``cell_clicked(true_label, predicted_label)``."""

    cell_clicked = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 200)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel("The confusion matrix of the test split appears here.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._layout.addWidget(self._placeholder)
        self.figure: Any = None
        self.canvas: Any = None
        self.ax: Any = None
        self.labels: list[str] = []
        self.matrix: list[list[int]] = []
        self._selected: Any = None
        self._reveals = 0  # counts show_matrix/clear calls: a late reveal of an old one is void

    def clear(self) -> None:
        """Hide the last run's matrix (hiding resizes nothing around it, so no redraws)."""
        self._reveals += 1
        self.labels, self.matrix = [], []
        if self.canvas is not None:
            self.canvas.hide()
        self._placeholder.show()

    def show_matrix(self, matrix: list[list[int]], labels: list[str]) -> None:
        """Build the figure now; show and draw it from a timer a moment later, so that the
        two pieces of GUI-thread work (10-15 ms and about 20 ms) have a pass of the event
        loop between them (matplotlib's own ``draw_idle`` would run in the same one)."""
        self._ensure_canvas()
        self._reveals += 1
        reveal = self._reveals
        self.labels = [str(label) for label in labels]
        self.matrix = [[int(v) for v in row] for row in matrix]
        ax = self.ax
        ax.clear()  # once per result, not per step
        fg = self._fg
        n = len(self.labels)
        peak = max((max(row) for row in self.matrix if row), default=0) or 1
        ax.imshow(self.matrix, cmap="Blues", vmin=0, vmax=peak, interpolation="nearest")
        for i, row in enumerate(self.matrix):
            for j, count in enumerate(row):
                ax.text(
                    j,
                    i,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=10 if n <= 6 else 7,
                    color="white" if count > peak * 0.55 else "black",
                )
        ax.set_xticks(range(n), self.labels)
        ax.set_yticks(range(n), self.labels)
        ax.set_xlabel("predicted label", fontsize=9, color=fg)
        ax.set_ylabel("true label", fontsize=9, color=fg)
        ax.set_title("Test confusion matrix", fontsize=9, color=fg)
        ax.tick_params(colors=fg, labelsize=TICK_FONT_SIZE)
        self._selected = None
        self._fit_margins()
        QTimer.singleShot(MATRIX_DELAY_MS, self, lambda: self._reveal(reveal))

    def _reveal(self, reveal: int) -> None:
        if reveal != self._reveals:
            return
        self._placeholder.hide()
        self.canvas.show()
        self.canvas.draw_idle()

    def preferred_width(self) -> float:
        """Pixels for the matrix with its class names side by side and the title's margins."""
        if self.canvas is None or not self.labels:
            return 0.0
        widths, _line = self._label_sizes(self.labels)
        longest = max(widths, default=0.0)
        cell = max(MIN_CELL_PX, longest + 8)
        return longest + 34 + len(self.labels) * cell + 10

    def cell_center(self, true_index: int, pred_index: int) -> tuple[float, float]:
        """Widget (logical pixel) coordinates of a cell's centre, relative to the canvas."""
        x, y = self.ax.transData.transform((pred_index, true_index))
        ratio = self.canvas.device_pixel_ratio or 1.0
        return x / ratio, self.canvas.height() - y / ratio

    def select(self, true_index: int, pred_index: int) -> None:
        if not (0 <= true_index < len(self.labels) and 0 <= pred_index < len(self.labels)):
            return
        from matplotlib.patches import Rectangle

        if self._selected is not None:
            self._selected.remove()
        self._selected = Rectangle(
            (pred_index - 0.5, true_index - 0.5),
            1,
            1,
            fill=False,
            edgecolor="#ff7f0e",
            linewidth=2.5,
        )
        self.ax.add_patch(self._selected)
        self.canvas.draw_idle()
        self.cell_clicked.emit(self.labels[true_index], self.labels[pred_index])

    def _ensure_canvas(self) -> None:
        if self.canvas is not None:
            return
        from desktop_app.ui.chart_images import preload_matplotlib

        preload_matplotlib(qt=True)  # waits for a warm-up thread importing it (see there)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        # Margins in pixels from the label lengths (set on resize and per result) rather
        # than a layout engine, which re-measures every text and doubles the draw's cost.
        self.figure = Figure(figsize=(3.5, 3))
        window = self.palette().window().color()
        text = self.palette().windowText().color()
        self._fg = (text.redF(), text.greenF(), text.blueF())
        self.figure.set_facecolor((window.redF(), window.greenF(), window.blueF()))
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setObjectName("confusionMatrixCanvas")
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setCursor(Qt.CursorShape.PointingHandCursor)
        self._layout.addWidget(self.canvas)
        self.ax = self.figure.add_subplot()
        self.canvas.mpl_connect("button_press_event", self._on_press)
        self.canvas.mpl_connect("resize_event", self._fit_margins)

    def _fit_margins(self, _event: Any = None) -> None:
        """Margins and the x labels' direction from the class names' measured widths, so
        every name is shown whole and no two overlap: side by side when they fit, else
        upright, and upright on two lines (split between words) when the names are too long
        for the height. Pixels, not a layout engine: it re-measures every text on each draw."""
        if self.figure is None or not self.labels:
            return
        width, height = self.figure.get_size_inches() * self.figure.dpi
        if width < 20 or height < 20:
            return
        widths, line_height = self._label_sizes(self.labels)
        longest = max(widths, default=0.0)
        left = min(0.5 * width, longest + 34)
        right, top = 10.0, 22.0
        n = len(self.labels)
        # imshow keeps the cells square: the matrix is as wide as the smaller side allows.
        side = max(1.0, min(width - left - right, height - top - 40 - line_height))
        x_labels, angle, extent = self.labels, 0, line_height
        if n > 1 and longest > 0.9 * side / n:
            angle, extent = 90, longest
            if 38 + longest > MAX_BOTTOM * height:
                wrapped = [_two_lines(label) for label in self.labels]
                wrapped_longest = max(self._label_sizes(wrapped)[0], default=0.0)
                wrapped_width = 2.2 * line_height  # two upright lines side by side
                if wrapped_longest < longest and wrapped_width < 0.9 * side / n:
                    x_labels, extent = wrapped, wrapped_longest
        self.ax.set_xticklabels(x_labels)
        for label in self.ax.get_xticklabels():
            label.set_rotation(angle)
        self.figure.subplots_adjust(
            left=min(0.5, left / width),
            right=max(0.5, 1 - right / width),
            bottom=min(MAX_BOTTOM, (38 + extent) / height),
            top=max(0.5, 1 - top / height),
        )

    def _label_sizes(self, labels: list[str]) -> tuple[list[float], float]:
        """Pixel widths of the labels (the longest line of each) and a line's height, at the
        tick labels' size."""
        from matplotlib.font_manager import FontProperties

        renderer = self.canvas.get_renderer()
        font = FontProperties(size=TICK_FONT_SIZE)
        widths, height = [], 0.0
        for label in labels:
            longest = 0.0
            for line in label.split("\n"):
                w, h, _d = renderer.get_text_width_height_descent(line, font, ismath=False)
                longest, height = max(longest, w), max(height, h)
            widths.append(longest)
        return widths, height

    def _on_press(self, event: Any) -> None:
        if event.inaxes is not self.ax or event.xdata is None or event.ydata is None:
            return
        self.select(int(round(event.ydata)), int(round(event.xdata)))


def _two_lines(label: str) -> str:
    """``label`` split at the space nearest its middle ("very\\nnegative"); one word stays."""
    spaces = [i for i, char in enumerate(label) if char == " "]
    if not spaces:
        return label
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return f"{label[:cut]}\n{label[cut + 1 :]}"


class MetricsView(QWidget):
    """Summary line, metrics table, confusion matrix and the examples of the clicked cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metricsView")
        self.examples: list[dict] = []
        self._pending_matrix: tuple[list[list[int]], list[str]] | None = None

        self.summary = QLabel("Results appear here when a training run finishes.")
        self.summary.setObjectName("resultsSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # A fixed height: a summary that grew or shrank would resize the confusion matrix
        # below it, and every resize is a full matplotlib redraw on the GUI thread.
        self.summary.setFixedHeight(self.summary.fontMetrics().lineSpacing() * 3 + 4)

        self.table = QTableWidget(0, len(METRIC_COLUMNS))
        self.table.setObjectName("metricsTable")
        self.table.setHorizontalHeaderLabels(METRIC_COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        # Every column as wide as its contents, class names first: in a narrow window the
        # table scrolls sideways rather than eliding the names ("ne…, ne…, po…").
        for column in range(len(METRIC_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.confusion = ConfusionMatrixView()
        self.confusion.cell_clicked.connect(self.show_cell)

        from desktop_app.ui.training.cell_examples import CellExamples

        self.cell_examples = CellExamples()
        self.cell_label = self.cell_examples.cell_label
        self.examples_table = self.cell_examples.view

        # Metrics and examples as two pages: the examples get the whole height (at least
        # eight rows at the default window size), a cell click turns to them.
        tables = self.pages = QTabWidget()
        tables.setObjectName("resultsPages")
        tables.setDocumentMode(True)
        tables.addTab(self.table, "Metrics")
        tables.addTab(self.cell_examples, "Test examples")

        # The matrix beside both tables, as tall as they are together: it needs the height
        # for the class names under it and the width for them side by side.
        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("metricsSplitter")
        splitter.addWidget(tables)
        splitter.addWidget(self.confusion)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

    # -- public API -----------------------------------------------------------------
    def clear(self, message: str = "Results appear here when a training run finishes.") -> None:
        self.summary.setText(message)
        self.summary.setToolTip("")
        self.table.setRowCount(0)
        self.examples = []
        self.cell_examples.clear()
        self.pages.setCurrentIndex(0)
        self._pending_matrix = None
        self.confusion.clear()

    def show_result(self, result: dict) -> None:
        """Fill everything from a ``train`` job result (see docs/architecture.md)."""
        metrics = result.get("metrics") or {}
        baseline = result.get("baseline") or None
        labels = [str(label) for label in metrics.get("labels") or []]
        self.examples = list(result.get("test_examples") or [])
        self.summary.setText(summary_text(result))
        self.summary.setToolTip(self.summary.text())
        self._fill_table(metrics, baseline, labels)
        matrix = metrics.get("confusion_matrix")
        self._pending_matrix = (matrix, labels) if matrix and labels else None
        if self._pending_matrix is None:
            self.confusion.clear()
        else:
            # A moment later, from a timer: building the matrix (10-15 ms) and drawing it
            # (about 20 ms) then come after the table, the summary and whatever else the end
            # of the job shows, with a pass of the event loop between, not in one 50-60 ms
            # piece with them (a 0 ms timer would run in the same batch of posted events).
            QTimer.singleShot(MATRIX_DELAY_MS, self, self._show_pending_matrix)
        self.cell_examples.set_examples(self.examples, labels)
        self.pages.setCurrentIndex(0)

    def _show_pending_matrix(self) -> None:
        pending, self._pending_matrix = self._pending_matrix, None
        if pending is not None:
            self.confusion.show_matrix(*pending)
            self._share_width()

    def show_cell(self, true_label: str, pred_label: str) -> None:
        """The examples of one confusion-matrix cell (the Test examples page)."""
        self.cell_examples.show_cell(true_label, pred_label)
        self.pages.setCurrentWidget(self.cell_examples)

    def shutdown(self) -> None:
        self.cell_examples.shutdown()

    # -- internal -----------------------------------------------------------------------
    def _share_width(self) -> None:
        """The matrix as wide as its class names need (at most half), the tables the rest."""
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        wanted = self.confusion.preferred_width()
        width = int(min(max(wanted, self.confusion.minimumWidth()), total / 2))
        self.splitter.setSizes([total - width, width])

    def _fill_table(self, metrics: dict, baseline: dict | None, labels: list[str]) -> None:
        rows: list[list[str]] = [_overall_row("This model", metrics)]
        if baseline:
            rows.append(_overall_row("VADER baseline", baseline))
        per_class = metrics.get("per_class") or {}
        for label in labels or list(per_class):
            values = per_class.get(label) or {}
            rows.append(
                [
                    f"    {label}",
                    "",
                    "",
                    _fmt(values.get("precision")),
                    _fmt(values.get("recall")),
                    _fmt(values.get("f1")),
                    _count(values.get("support")),
                ]
            )
        fill_figures(self.table, rows)
        first = self.table.item(0, 0)
        if first is not None:  # "This model" in bold
            font = first.font()
            font.setBold(True)
            first.setFont(font)


def summary_text(result: dict) -> str:
    """One paragraph a user reads first: how good, how long, truncated texts, cancelled."""
    metrics = result.get("metrics") or {}
    parts = []
    if result.get("cancelled"):
        # stopped_at reads as a sentence: "stopped by Cancel during epoch 2 of 10, after ..."
        where = str(result.get("stopped_at") or "stopped by Cancel before the end")
        parts.append(
            f"<b>{where[:1].upper()}{where[1:]}</b>; the metrics are for the best weights so far"
        )
    if metrics:
        parts.append(
            f"Test accuracy <b>{_figure(metrics, 'accuracy')}</b>, "
            f"macro-F1 <b>{_figure(metrics, 'macro_f1')}</b>"
        )
    baseline = result.get("baseline")
    if baseline:
        parts.append(
            f"VADER baseline: accuracy {_fmt(baseline.get('accuracy'))}, "
            f"macro-F1 {_fmt(baseline.get('macro_f1'))}"
        )
    seconds = result.get("train_seconds")
    if isinstance(seconds, (int, float)):
        vader = (result.get("model_info") or {}).get("kind") == "vader"
        parts.append(f"{'evaluated' if vader else 'trained'} in {seconds:.1f} s")
    truncated = result.get("truncated")
    if isinstance(truncated, int):
        max_length = (result.get("model_info") or {}).get("max_length")
        limit = f" (longer than {max_length} tokens)" if max_length else ""
        parts.append(
            f"{truncated} text{'' if truncated == 1 else 's'} truncated{limit}"
            if truncated
            else "no text was truncated"
        )
    return " · ".join(parts) if parts else "The run finished without test metrics."


def _figure(metrics: dict, key: str) -> str:
    """The figure with its 95 % interval when the test split has under 1,000 rows."""
    from desktop_app.core.training.metrics import format_figure

    value, ci, n = metrics.get(key), metrics.get(f"{key}_ci"), metrics.get("n")
    if not isinstance(value, (int, float)):
        return "—"
    return format_figure(float(value), ci or None, int(n) if ci and n else None)


def _overall_row(name: str, metrics: dict) -> list[str]:
    per_class = metrics.get("per_class") or {}
    precision = [v.get("precision") for v in per_class.values() if isinstance(v, dict)]
    recall = [v.get("recall") for v in per_class.values() if isinstance(v, dict)]
    support = [v.get("support") or 0 for v in per_class.values() if isinstance(v, dict)]
    return [
        name,
        _fmt(metrics.get("accuracy")),
        _fmt(metrics.get("macro_f1")),
        _fmt(_mean(precision)),
        _fmt(_mean(recall)),
        "",
        _count(sum(support)) if support else "",
    ]


def _mean(values: list[Any]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, (int, float))]
    return sum(numbers) / len(numbers) if numbers else None


def fill_figures(table: QTableWidget, rows: list[list[str]]) -> None:
    """Rows of text into ``table``: a name in the first column, figures right-aligned after it
    (the metrics table here, the comparison of two runs)."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def _fmt(value: Any) -> str:
    return f"{float(value):.3f}" if isinstance(value, (int, float)) else "—"


def _count(value: Any) -> str:
    return f"{int(value):,}" if isinstance(value, (int, float)) else ""
