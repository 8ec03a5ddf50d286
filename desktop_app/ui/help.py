"""Help ▸ Keyboard shortcuts (one list, generated from the window's actions and shortcuts)
and Help ▸ First ten minutes (a short guide)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

TEXT_BOX_KEYS = [
    ("Ctrl+Enter", "Predict / explain the text in the box (Predict and Explain tabs)"),
]

FIRST_TEN_MINUTES = """
<h2>Your first ten minutes</h2>
<ol>
<li><b>Open data</b> (Ctrl+O or drop a file): a CSV, TSV, text, JSON, Excel or Parquet file with a
text column and, if you have them, labels. The Dataset tab shows every row, the classes, duplicates
and anything the loader had to change (a yellow banner). Pick the text and label columns at the
top if the guess is wrong.</li>
<li><b>Train</b> (Ctrl+2, then Ctrl+Enter): the bundled MiniLM fine-tunes on your labelled rows in
minutes on a laptop; <i>MiniLM — head only</i> takes seconds. Every run is kept with its metrics,
so starting another never loses one. The results say what the model was tested on (how many
rows, which split) with an interval when the test split is small.</li>
<li><b>Predict</b> (Ctrl+3): type a review and press Ctrl+Enter, or open a whole file and export
the predictions. Rows the model was trained on are marked and left out of the accuracy.</li>
<li><b>Explain</b> (Ctrl+4): see which words pushed the model to its label, how stable that is
across runs, and check that removing them really changes the prediction.</li>
<li><b>Label</b> (Ctrl+5): turn a file into a project (File ▸ New project) and label with the keys
1–9; every label is saved the moment you press the key. <i>Retrain with my labels</i> trains on
them and re-orders the queue so the rows the model is least sure about come first.</li>
</ol>
<p>Everything also runs from the command line: <code>sentiment-studio --help</code>.
Help ▸ Keyboard shortcuts lists every key.</p>
"""


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every action and described shortcut of the window, then the
    Label tab's keys and the text boxes' keys; sorted, without repeats."""
    from desktop_app.ui.label.keys import KEY_HELP

    rows: dict[tuple[str, str], None] = {}
    for action in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            rows[(", ".join(keys), action.text().replace("&", "").rstrip("…") + "")] = None
    for shortcut in window.findChildren(QShortcut):
        what = shortcut.whatsThis()
        key = shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)
        if what and key:
            rows[(key, what)] = None
    for keys, what in [*TEXT_BOX_KEYS, *((k, f"{w} (Label tab)") for k, w in KEY_HELP)]:
        rows[(keys, what)] = None
    merged: dict[str, list[str]] = {}
    for keys, what in rows:
        merged.setdefault(what, [])
        if keys not in merged[what]:
            merged[what].append(keys)
    return sorted(((", ".join(k), w) for w, k in merged.items()), key=lambda r: r[1].lower())


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "What it does"])
        for i, (keys, what) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(keys))
            self.table.setItem(i, 1, QTableWidgetItem(what))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        _layout(self, self.table)
        self.resize(620, 520)


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle("First ten minutes")
        self.browser = QTextBrowser()
        self.browser.setObjectName("guideText")
        self.browser.setHtml(FIRST_TEN_MINUTES)
        _layout(self, self.browser)
        self.resize(640, 560)


def _layout(dialog: QDialog, body: QWidget) -> None:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(body)
    layout.addWidget(buttons, 0, Qt.AlignmentFlag.AlignRight)
