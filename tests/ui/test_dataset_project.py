"""The Dataset tab with a project open: the project's rows, their current labels, each label
and undo shown as it happens (also when the tab was hidden), file options off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QComboBox

from desktop_app.ui.dataset_jobs import PreparedDataset
from desktop_app.ui.dataset_project import ProjectRows
from desktop_app.ui.lazy_columns import CodedColumn
from desktop_app.ui.tables.filter_bar import TableFilterBar

TEXTS = [f"review number {i} of the project" for i in range(10)]
LABELS = ["positive", "negative", "positive", "negative"] + [None] * 6


@pytest.fixture
def store(tmp_path: Path):
    import pandas as pd

    from desktop_app.core.project.store import ProjectStore

    frame = pd.DataFrame({"text": TEXTS, "label": LABELS})
    store = ProjectStore.create(
        tmp_path / "reviews.sstudio", frame, labels=["negative", "positive"]
    )
    yield store
    store.close()


def _tab(window):
    return window.tab_widgets["datasetTab"]


def _wait_idle(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)


def _open_project(qtbot, window, store):
    tab = _tab(window)
    window.tabs.setCurrentWidget(tab)
    window.state.workspace.open_project(store)
    qtbot.waitUntil(lambda: tab.project_note.isVisible(), timeout=20000)
    _wait_idle(qtbot, tab)
    return tab


def _cell(tab, row: int, column: int) -> str:
    return tab.table.model().index(row, column).data()


def _row_of(tab, text: str) -> int:
    model = tab.table.model()
    return next(r for r in range(model.rowCount()) if model.index(r, 1).data() == text)


def _bars(tab) -> list[int]:
    figure = tab.charts.class_chart.figure
    return sorted(int(p.get_height()) for p in figure.axes[0].patches) if figure else []


def test_project_rows_follow_each_label_and_undo(qtbot, main_window, store, tmp_path):
    csv = tmp_path / "file.csv"
    csv.write_text("text,label\nlovely,pos\nawful,neg\n", encoding="utf-8")
    main_window.open_path(str(csv))
    _wait_idle(qtbot, _tab(main_window))
    workspace = main_window.state.workspace

    tab = _open_project(qtbot, main_window, store)
    assert tab.file_label.text() == "Project reviews.sstudio"
    assert tab.table.model().rowCount() == 10
    assert tab.row_count_label.text() == (
        "10 rows · 4 labelled (negative 2, positive 2) · 6 unlabelled"
    )
    assert "hash of its id" in tab.project_note.text()
    # Options that would change a file are off while the project is shown.
    for name in ("textColumnCombo", "labelColumnCombo", "encodingCombo", "delimiterCombo"):
        assert not tab.findChild(QComboBox, name).isEnabled(), name
    assert not tab.split_panel.split_button.isEnabled()
    assert not tab.label_editor.isEnabled()

    # Label an unlabelled row: its cells change at once, the rest of the table stays put
    # (the selection a rebuilt table would lose is still there).
    row = _row_of(tab, TEXTS[6])
    row_id = store.unlabelled_ids()[2]
    tab.table.selectRow(row)
    assert _cell(tab, row, 2) == "" and _cell(tab, row, 3) == ""
    workspace.label(row_id, "positive", "tester")
    assert _cell(tab, row, 2) == "positive"
    assert _cell(tab, row, 3) == store.row(row_id).split != ""
    assert tab.table.selectionModel().isRowSelected(row)
    assert tab.row_count_label.text().startswith("10 rows · 5 labelled (negative 2, positive 3)")
    split = store.row(row_id).split
    assert tab.split_panel.count("positive", split) >= 1
    # The class chart follows once labelling pauses (drawn on the loader thread).
    qtbot.waitUntil(lambda: _bars(tab) == [2, 3, 5], timeout=10000)

    workspace.undo("tester")
    assert _cell(tab, row, 2) == "" and _cell(tab, row, 3) == ""
    assert tab.row_count_label.text().startswith("10 rows · 4 labelled")

    # Hidden, the tab only notes the change; shown again, it shows it.
    main_window.tabs.setCurrentWidget(main_window.tab_widgets["labelTab"])
    workspace.label(row_id, "negative", "tester")
    main_window.tabs.setCurrentWidget(tab)
    _wait_idle(qtbot, tab)
    assert _cell(tab, row, 2) == "negative"
    assert "negative 3" in tab.row_count_label.text()

    # Closing the project shows the file again, with its options.
    workspace.close_project()
    assert not tab.project_note.isVisible()
    assert tab.file_label.text() == "file.csv"
    assert tab.table.model().rowCount() == 2
    assert tab.findChild(QComboBox, "labelColumnCombo").isEnabled()


def test_filtered_project_table_drops_rows_as_they_are_labelled(qtbot, main_window, store):
    tab = _open_project(qtbot, main_window, store)
    bar = tab.findChild(TableFilterBar)
    label_filter = bar.findChild(QComboBox, "labelFilter")
    label_filter.setCurrentIndex(label_filter.findText("(unlabelled)"))
    label_filter.activated.emit(label_filter.currentIndex())  # what a user's pick emits
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 6
    main_window.state.workspace.label(store.unlabelled_ids()[0], "negative", "tester")
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 5
    assert bar.count_label.text() == "Showing 5 of 10 rows"


def test_relabel_in_the_context_menu_asks_for_the_row(qtbot, main_window, store):
    tab = _open_project(qtbot, main_window, store)
    row = _row_of(tab, TEXTS[3])
    view = tab.table
    view.customContextMenuRequested.emit(view.visualRect(view.model().index(row, 1)).center())
    menu = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "rowMenu")
    relabel = next(a for a in menu.actions() if a.text() == "Relabel…")
    assert relabel.isEnabled()
    with qtbot.waitSignal(main_window.state.relabel_requested) as blocker:
        relabel.trigger()
    assert blocker.args == [store.rows()[3].id]
    assert main_window.tabs.currentWidget() is main_window.tab_widgets["labelTab"]
    menu.close()


def test_a_class_change_shows_the_project_again(qtbot, main_window, store):
    tab = _open_project(qtbot, main_window, store)
    workspace = main_window.state.workspace
    workspace.set_classes(["negative", "positive", "neutral"])
    workspace.label(store.unlabelled_ids()[0], "neutral", "tester")
    _wait_idle(qtbot, tab)
    assert "neutral 1" in tab.row_count_label.text()
    label_filter = tab.findChild(TableFilterBar).findChild(QComboBox, "labelFilter")
    assert label_filter.findText("neutral") > 0


def test_project_rows_apply_counts_each_change_once():
    labels = CodedColumn(np.array([0, -1, 1], dtype=np.int8), ["neg", "pos"])
    splits = CodedColumn(np.array([1, 0, 2], dtype=np.int8), ["", "train", "test"])
    prepared = PreparedDataset(
        dataset=None,
        stats=None,
        rows=np.array([10, 20, 30]),
        texts=["a", "b", "c"],
        labels=labels,
        splits=splits,
        split_counts={"neg": {"train": 1}, "pos": {"test": 1}},
    )
    rows = ProjectRows([10, 20, 30], prepared)

    class Row:
        def __init__(self, id, label, split):  # noqa: A002 - the store's field name
            self.id, self.label, self.split = id, label, split

    assert rows.apply([Row(20, "pos", "train"), Row(99, "neg", "train")]) == [1]
    assert rows.apply([Row(20, "pos", "train")]) == [], "the same state twice changes nothing"
    assert prepared.split_counts == {"neg": {"train": 1}, "pos": {"test": 1, "train": 1}}
    assert rows.apply([Row(10, "new class", "train")]) == [0]
    assert labels[0] == "new class" and prepared.split_counts["neg"] == {"train": 0}
    assert rows.apply([Row(30, None, "test")]) == [2]
    assert labels[2] == "" and splits[2] == "" and prepared.split_counts["pos"]["test"] == 0
    assert rows.position(30) == 2 and rows.row_id(1) == 20
