"""What Start would train on, read from the workspace (the one owner of the data).

While a project is open that is the project's current labels (a label made in the Label tab a
moment ago included); else the file loaded in the Dataset tab. The summary is rebuilt from
``workspace.dataset`` after each ``workspace.changed`` -- at once while it is on screen, else
when it is next shown (labelling announces a change per key press, and the Training tab is
usually hidden then).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

MAX_CLASSES_SHOWN = 6


def data_source(workspace: Any) -> tuple[str, str]:
    """(name, what) of the data: ("reviews.sstudio", "project"), ("reviews.csv", "file"),
    or ("", "") when nothing is loaded."""
    source = workspace.source
    if source == "project":
        return Path(str(workspace.session.path)).name, "project"
    if source == "file":
        report = getattr(workspace.dataset, "report", None)
        path = str(getattr(report, "path", "") or "")
        name = path if path.startswith("nltk:") else Path(path).name
        return name or "the loaded data", "file"
    return "", ""


class DataSummary(QGroupBox):
    """The "Data" box: source, labelled rows, classes, split. ``goto_dataset`` asks for the
    Dataset tab (its button shows while nothing is loaded)."""

    goto_dataset = Signal()

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__("Data", parent)
        self.workspace = workspace
        self._stale = True
        self.label = QLabel()
        self.label.setObjectName("trainingDatasetLabel")
        self.label.setWordWrap(True)
        self.goto_button = QPushButton("Go to the Dataset tab")
        self.goto_button.setObjectName("gotoDatasetButton")
        self.goto_button.clicked.connect(self.goto_dataset)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.goto_button)
        workspace.changed.connect(self._on_changed)
        self.refresh()

    def text(self) -> str:
        """What the box says now (brought up to date first)."""
        if self._stale:
            self.refresh()
        return self.label.text()

    @Slot(dict)
    def _on_changed(self, _change: dict) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        name, what = data_source(self.workspace)
        self.goto_button.setVisible(not what)
        if not what:
            self.label.setText(
                "No data yet. Open a labelled file in the Dataset tab (File ▸ Open dataset…) "
                "or a project in the Label tab."
            )
            return
        try:
            self.label.setText(_summary(name, what, self.workspace.dataset))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            self.label.setText(f"The data cannot be used for training: {html.escape(str(exc))}")


def _summary(name: str, what: str, dataset: Any) -> str:
    frame = dataset.frame
    labelled = frame["label"].notna()
    counts = frame.loc[labelled, "label"].value_counts()
    classes = [str(label) for label, n in counts.items() if n > 0 and str(label) != ""]
    classes.sort()
    shown = ", ".join(html.escape(c) for c in classes[:MAX_CLASSES_SHOWN])
    more = "…" if len(classes) > MAX_CLASSES_SHOWN else ""
    n_labelled = int(labelled.sum())
    if what == "project":
        head = (
            f"<b>{html.escape(name)}</b> (project, current labels): {n_labelled:,} of "
            f"{len(frame):,} rows labelled"
        )
    else:
        head = f"<b>{html.escape(name)}</b>: {n_labelled:,} labelled texts"
    text = f"{head}, {len(classes)} classes ({shown}{more})"
    if dataset.is_split:
        split = frame.loc[labelled, "split"].value_counts()
        text += (
            f"<br>split: train {int(split.get('train', 0)):,} · validation "
            f"{int(split.get('validation', 0)):,} · test {int(split.get('test', 0)):,}"
        )
    elif n_labelled:
        text += "<br>not split yet: Start splits it 80/10/10 (stratified, seed 0)"
    return text
