"""How the model read a long text: one row per window (chunk) with its span, tokens and
probabilities, next to the sentence-level LIME view.

The ``explain`` result's ``chunks`` (see :mod:`desktop_app.core.explain.explainer`) give each
window's character span and class probabilities; the document's probabilities are their
mean. The table shows them (sortable: click a header to find the windows that pushed the
document to its label); selecting a window shows its passage in the highlighted text: the
rest of the text is greyed and the view scrolls to it. A text read in one pass hides the box.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
)

PASSAGE_CHARS = 80  # characters of a window's passage shown in its row
OUTSIDE_COLOUR = QColor(150, 150, 150)  # the text outside the selected window


class _NumberItem(QTableWidgetItem):
    """Sorts by the number in UserRole (spans, tokens, probabilities)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if isinstance(a, int | float) and isinstance(b, int | float):
            return a < b
        return self.text().casefold() < other.text().casefold()


class ChunkView(QGroupBox):
    """The windows of a long text; ``chunk_selected(start, end)`` when the user picks one
    (``(-1, -1)`` when none is selected)."""

    chunk_selected = Signal(int, int)

    def __init__(self) -> None:
        super().__init__("How the model read the whole text")
        self.setObjectName("explainChunks")
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("chunkSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("chunkTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)  # more windows in view
        self.table.setWordWrap(False)
        self.table.setToolTip(
            "Each window the model read; click one to see its passage in the text, click a "
            "header to sort"
        )
        layout.addWidget(self.table, 1)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.chunks: list[dict[str, Any]] = []
        self.setVisible(False)

    def show_result(self, result: dict[str, Any]) -> None:
        """Show ``result["chunks"]``; hidden when the text was read in one pass."""
        chunks = [c for c in result.get("chunks") or [] if isinstance(c, dict)]
        self.chunks = chunks if len(chunks) > 1 else []
        table = self.table
        table.setSortingEnabled(False)
        table.clearSelection()
        if not self.chunks:
            table.setRowCount(0)
            self.setVisible(False)
            return
        labels = [str(x) for x in result.get("labels") or []]
        label = str(result.get("label") or (labels[0] if labels else ""))
        text = str(result.get("text") or "")
        headers = ["#", "Characters", "Tokens", "Predicted", *(f"P({x})" for x in labels)]
        headers.append("Passage")
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(self.chunks))
        strongest = max(
            range(len(self.chunks)),
            key=lambda i: float((self.chunks[i].get("probabilities") or {}).get(label, 0.0)),
        )
        for row, chunk in enumerate(self.chunks):
            start, end = int(chunk.get("start", 0)), int(chunk.get("end", 0))
            probs = chunk.get("probabilities") or {}
            tokens = chunk.get("tokens")
            passage = " ".join(text[start:end].split())
            short = passage if len(passage) <= PASSAGE_CHARS else passage[:PASSAGE_CHARS] + "…"
            items = [
                _number(int(chunk.get("index", row)) + 1, str(int(chunk.get("index", row)) + 1)),
                _number(start, f"{start:,}–{end:,}"),
                _number(
                    -1 if tokens is None else int(tokens), "—" if tokens is None else str(tokens)
                ),
                QTableWidgetItem(str(chunk.get("predicted", ""))),
                *(
                    _number(float(probs.get(x, 0.0)), f"{float(probs.get(x, 0.0)):.3f}")
                    for x in labels
                ),
                QTableWidgetItem(short),
            ]
            items[0].setData(Qt.ItemDataRole.UserRole + 1, row)
            items[-1].setToolTip(passage[:3000])
            if row == strongest:
                bold = QFont(items[0].font())
                bold.setBold(True)
                for item in items:
                    item.setFont(bold)
                items[-1].setToolTip(
                    f"The window that supports '{label}' most.\n\n{passage[:3000]}"
                )
            if str(chunk.get("predicted", "")) != str(result.get("predicted", "")):
                items[3].setForeground(QBrush(QColor(200, 80, 0)))  # disagrees with the text
            for col, item in enumerate(items):
                table.setItem(row, col, item)
        header = table.horizontalHeader()
        for col in range(len(headers) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        self.summary.setText(summary_html(result, self.chunks, label, strongest))
        self.setVisible(True)

    def clear(self) -> None:
        self.chunks = []
        self.table.setRowCount(0)
        self.setVisible(False)

    def select_chunk(self, index: int) -> None:
        """Select the window ``index`` (0-based, as in ``chunks``), wherever it is sorted."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole + 1) == index:
                self.table.selectRow(row)
                return

    @Slot()
    def _on_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.chunk_selected.emit(-1, -1)
            return
        item = self.table.item(rows[0].row(), 0)
        chunk = self.chunks[int(item.data(Qt.ItemDataRole.UserRole + 1))]
        self.chunk_selected.emit(int(chunk.get("start", 0)), int(chunk.get("end", 0)))


def _number(value: float, text: str) -> QTableWidgetItem:
    item = _NumberItem(text)
    item.setData(Qt.ItemDataRole.UserRole, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def summary_html(
    result: dict[str, Any], chunks: list[dict[str, Any]], label: str, strongest: int
) -> str:
    """One paragraph: the document's probability as the windows' mean, the window that
    supports the label most, and what the sentence-level LIME view explains."""
    doc = float((result.get("probabilities") or {}).get(label, 0.0))
    top = chunks[strongest]
    top_p = float((top.get("probabilities") or {}).get(label, 0.0))
    agree = sum(1 for c in chunks if str(c.get("predicted", "")) == str(result.get("predicted")))
    name = html.escape(label)
    text = (
        f"Read in <b>{len(chunks)}</b> overlapping windows; P({name}) of the whole text "
        f"<b>{doc:.3f}</b> is their mean. {agree} of {len(chunks)} windows predict "
        f"{html.escape(str(result.get('predicted', '')))}. Window {int(top.get('index', 0)) + 1} "
        f"(bold) supports {name} most (P = {top_p:.3f})."
    )
    sentences = result.get("sentence_probabilities")
    if isinstance(sentences, dict) and label in sentences:
        text += (
            f" The coloured sentences explain P({name}) = {float(sentences[label]):.3f} "
            "(the sentences' length-weighted mean)."
        )
    return text + " Select a window to see its passage."


def span_positions(text: str, document: str) -> list[int]:
    """For each character offset of ``text`` (and its end), the position in ``document``
    (the view's plain text, whose whitespace Qt's HTML layout may have collapsed or turned
    into paragraph breaks)."""
    out = []
    j = 0
    spaces = " \t\r\n\u2028\u2029\xa0"
    for ch in text:
        out.append(j)
        if j < len(document) and (document[j] == ch or (ch in spaces and document[j] in spaces)):
            j += 1
        elif ch in spaces:
            continue  # collapsed in the document
        else:
            while j < len(document) and document[j] in spaces:
                j += 1
            if j < len(document):
                out[-1] = j
                j += 1
    out.append(j)
    return out


def grey_outside(view: QTextEdit, text: str, start: int, end: int) -> None:
    """Grey the view's text outside ``text[start:end]`` and scroll to it (``start < 0``:
    everything in its own colours again)."""
    from PySide6.QtGui import QTextCharFormat, QTextCursor

    if start < 0 or end <= start:
        view.setExtraSelections([])
        return
    document = view.document()
    positions = span_positions(text, document.toPlainText())
    first = positions[min(start, len(text))]
    last = positions[min(end, len(text))]
    selections = []
    for a, b in ((0, first), (last, max(last, document.characterCount() - 1))):
        if b <= a:
            continue
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(document)
        cursor.setPosition(a)
        cursor.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setForeground(QBrush(OUTSIDE_COLOUR))
        selection.format = fmt
        selections.append(selection)
    view.setExtraSelections(selections)
    cursor = QTextCursor(document)
    cursor.setPosition(last)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    cursor.setPosition(first)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
