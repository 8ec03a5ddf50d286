"""One explanation on screen: the highlighted text and its legend, the probabilities, the
deletion check, the timings, a long text's windows (``ui/explain/chunk_view.py``), the word
chart and the stability table.

:meth:`ExplanationPanel.show_result` takes the ``explain`` job's dict (keys documented in
:mod:`desktop_app.core.explain.explainer`). When another model becomes current the
explanation stays -- it is still a true account of the model that made it -- under a banner
that names that model (:meth:`ExplanationPanel.mark_stale`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.explain.chunk_view import ChunkView, grey_outside
from desktop_app.ui.widgets.highlighted_text import HighlightedTextView, legend_html
from desktop_app.ui.widgets.probability_bars import ProbabilityBars
from desktop_app.ui.widgets.word_chart import WordWeightChart

STABILITY_HEADERS = ("Word", "Mean weight", "SD", "Sign agreement", "Stable")
BANNER_STYLE = (
    "QLabel {{ background: {bg}; color: {fg}; border: 1px solid {border};"
    " padding: 4px; border-radius: 3px; }}"
)


class _SortableItem(QTableWidgetItem):
    """Sorts by the number in UserRole when there is one (weights, sd, agreement)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        # Not super().__lt__: PySide dispatches it back to this override.
        return self.text().casefold() < other.text().casefold()


def _banner(name: str, bg: str, fg: str, border: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setVisible(False)
    # Fixed colours: a banner must stand out in light and dark themes alike.
    label.setStyleSheet(BANNER_STYLE.format(bg=bg, fg=fg, border=border))
    return label


class ExplanationPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stale_label = _banner("explainStaleBanner", "#e8eef7", "#1c2e4a", "#8aa4c8")
        layout.addWidget(self.stale_label)
        self.notes_label = _banner("explainNotes", "#fff4d6", "#3d2a00", "#e0c060")
        layout.addWidget(self.notes_label)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("explainSplitter")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.view = HighlightedTextView()
        self.view.setObjectName("explanationView")
        self.view.clear_explanation("The explained text appears here, its words coloured.")
        left_layout.addWidget(self.view, 3)
        self.legend = QLabel()
        self.legend.setObjectName("explainLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        left_layout.addWidget(self.legend)

        summary = QGroupBox("Prediction and faithfulness")
        form = QFormLayout(summary)
        self.prob_bars = ProbabilityBars()
        self.prob_bars.setObjectName("explainProbabilities")
        form.addRow("Probabilities:", self.prob_bars)
        self.deletion_label = QLabel("—")
        self.deletion_label.setObjectName("deletionCheckLabel")
        self.deletion_label.setWordWrap(True)
        self.deletion_label.setToolTip(
            "Deletion check: remove the words that support the class most and see how much its "
            "probability drops, next to the drop for the same number of random words."
        )
        form.addRow("Deletion check:", self.deletion_label)
        self.timings_label = QLabel("—")
        self.timings_label.setObjectName("timingsLabel")
        self.timings_label.setWordWrap(True)
        form.addRow("Time:", self.timings_label)
        left_layout.addWidget(summary, 0)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.chunk_view = ChunkView()  # a long text: its windows, next to the sentence view
        right_layout.addWidget(self.chunk_view, 4)
        self.chart = WordWeightChart()
        self.chart.setObjectName("wordChart")
        right_layout.addWidget(self.chart, 3)
        self.stability_table = QTableWidget(0, len(STABILITY_HEADERS))
        self.stability_table.setObjectName("stabilityTable")
        self.stability_table.setHorizontalHeaderLabels(STABILITY_HEADERS)
        self.stability_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stability_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.stability_table.verticalHeader().setVisible(False)
        header = self.stability_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(STABILITY_HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        right_layout.addWidget(self.stability_table, 2)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        self.view.word_clicked.connect(self._select_feature)
        self.chunk_view.chunk_selected.connect(self._show_chunk)
        self._text = ""

    # -- showing ----------------------------------------------------------------------------
    def show_result(self, result: dict[str, Any]) -> None:
        """Show an explanation dict (``desktop_app.core.explain.explainer``)."""
        self.mark_stale("")
        label = str(result.get("label", ""))
        labels = [str(x) for x in result.get("labels", [])]
        self.view.setExtraSelections([])
        self.view.show_explanation(result)
        self._text = str(result.get("text") or "")
        self.chunk_view.show_result(result)
        self.legend.setText(legend_html(label))
        probabilities = result.get("probabilities") or {}
        self.prob_bars.set_probabilities(
            labels, [float(probabilities.get(x, 0.0)) for x in labels], marked=label
        )
        self._fill_stability(result.get("words", []))
        unit = {"sentence": "Sentence", "chunk": "Chunk"}.get(result.get("level", "word"), "Word")
        self.stability_table.horizontalHeaderItem(0).setText(unit)
        self.deletion_label.setText(deletion_text(result))
        self.timings_label.setText(timings_text(result.get("timings") or {}))
        notes = [str(n) for n in result.get("notes") or []]
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        # Drawn off the GUI thread.
        self.chart.show_words(result.get("words", []), label, str(result.get("level", "word")))

    def mark_stale(self, text: str) -> None:
        """Show ``text`` in the banner above the explanation (``""`` hides it)."""
        self.stale_label.setText(text)
        self.stale_label.setVisible(bool(text))

    def stale_text(self) -> str:
        """The banner's text ("" when the explanation is the current model's)."""
        return self.stale_label.text() if self.stale_label.isVisibleTo(self) else ""

    def preload(self) -> None:
        """The chart's first matplotlib import, in the background."""
        self.chart.preload()

    def shutdown(self) -> None:
        self.chart.shutdown()

    def _fill_stability(self, words: list[dict[str, Any]]) -> None:
        table = self.stability_table
        table.setSortingEnabled(False)
        table.setRowCount(len(words))
        for row, word in enumerate(words):
            name = _SortableItem(str(word.get("word", "")))
            name.setData(Qt.ItemDataRole.UserRole + 1, word.get("feature"))
            mean = float(word.get("mean_weight", 0.0))
            sd = float(word.get("sd", 0.0))
            agreement = float(word.get("sign_agreement", 1.0))
            unstable = bool(word.get("unstable"))
            items = [
                name,
                _SortableItem(f"{mean:+.4f}"),
                _SortableItem(f"{sd:.4f}"),
                _SortableItem(f"{agreement:.0%}"),
                _SortableItem("unstable" if unstable else "stable"),
            ]
            for item, value in zip(items[1:4], (mean, sd, agreement), strict=True):
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if unstable:
                items[4].setToolTip("The sign flips between runs or the sd exceeds the mean")
                font = items[0].font()
                font.setItalic(True)
                items[0].setFont(font)
                items[4].setForeground(Qt.GlobalColor.darkYellow)
            for col, item in enumerate(items):
                table.setItem(row, col, item)
        # Rows stay strongest first until the user clicks a column header.
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)

    @Slot(int, int)
    def _show_chunk(self, start: int, end: int) -> None:
        grey_outside(self.view, self._text, start, end)

    @Slot(int)
    def _select_feature(self, feature: int) -> None:
        for row in range(self.stability_table.rowCount()):
            item = self.stability_table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole + 1) == feature:
                self.stability_table.selectRow(row)
                self.stability_table.scrollToItem(item)
                return


def deletion_text(result: dict[str, Any]) -> str:
    """The deletion check in a sentence or two."""
    check = result.get("deletion_check") or {}
    label = result.get("label", "")
    k = int(check.get("k") or 0)
    if k == 0 or check.get("top_k_drop") is None:
        return f"No word supports '{label}', so there is nothing to remove."
    top = ", ".join(str(w) for w in check.get("top_words", [])[:k])
    top_drop = float(check["top_k_drop"])
    text = f"Removing the top {k} ({top}) changes P({label}) by {-top_drop:+.3f}"
    if check.get("random_drop") is not None:
        text += (
            f"; {k} random words: {-float(check['random_drop']):+.3f}"
            f" ± {float(check.get('random_drop_sd') or 0.0):.3f}"
            f" (mean of {check.get('random_draws', '?')} draws)."
        )
        faithful = check.get("faithful")
        if faithful is True:
            text += " The top words matter more than random ones: the explanation is faithful."
        elif faithful is False:
            text += " The top words matter no more than random ones: treat it with caution."
    return text


def timings_text(timings: dict[str, Any]) -> str:
    """Where the time went."""
    if not timings:
        return "—"
    parts = [f"{float(timings.get('total_s', 0.0)):.2f} s in all"]
    if "model_s" in timings:
        parts.append(f"model {float(timings['model_s']):.2f} s")
    if "lime_s" in timings:
        parts.append(f"LIME {float(timings['lime_s']):.2f} s")
    if "deletion_s" in timings:
        parts.append(f"deletion check {float(timings['deletion_s']):.2f} s")
    text = ", ".join(parts)
    if "requested_texts" in timings:
        text += (
            f". {int(timings['requested_texts']):,} perturbed texts, "
            f"{int(timings.get('distinct_texts', 0)):,} distinct, "
            f"{int(timings.get('model_texts', 0)):,} run through the model."
        )
    return text
