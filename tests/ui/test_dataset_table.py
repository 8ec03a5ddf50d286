"""The Dataset tab's table: the virtual model over a million rows (O(1) cells, lazy
conversion), and the table as the user drives it (sort, search, filter, row actions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox

from desktop_app.ui.lazy_columns import ArrowColumn, BlockColumn, CodedColumn, column_view
from desktop_app.ui.tables.filter_bar import TableFilterBar
from desktop_app.ui.widgets.dataset_table import DISPLAY_CHARS, DatasetTableModel

N = 1_000_000


def _million() -> pd.DataFrame:
    texts = pd.Series([f"text {i}" for i in range(N)], dtype="str")
    labels = pd.Categorical.from_codes(np.arange(N) % 3 - 1, categories=["neg", "pos"])
    splits = pd.Categorical.from_codes(
        np.arange(N) % 4, categories=["", "train", "validation", "test"]
    )
    return pd.DataFrame({"text": texts, "label": labels, "split": splits})


def test_model_shows_any_row_of_a_million(qtbot):
    frame = _million()
    model = DatasetTableModel(
        np.arange(N) + 10,
        column_view(frame["text"]),
        column_view(frame["label"]),
        column_view(frame["split"]),
    )
    assert model.rowCount() == N and model.columnCount() == 4
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "Row",
        "Text",
        "Label",
        "Split",
    ]
    last = N - 1
    assert model.index(last, 0).data() == str(last + 10 + 1)
    assert model.index(last, 1).data() == f"text {last}"
    # codes: last % 3 - 1 == -1 (missing) -> empty label; split code last % 4 == 3 -> test
    assert model.index(last, 2).data() == ""
    assert model.index(1, 2).data() == "neg"
    assert model.index(last, 3).data() == "test"
    assert model.index(0, 3).data() == ""


def test_long_texts_are_shortened_on_one_line_and_full_in_the_tooltip():
    text = "line one\nline two " + "x" * (DISPLAY_CHARS * 2)
    model = DatasetTableModel(np.arange(1), [text], ["pos"], ["train"])
    shown = model.index(0, 1).data()
    assert "\n" not in shown and shown.endswith("…")
    assert len(shown) == DISPLAY_CHARS + 1
    assert model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole).startswith("line one\nline two")


def test_block_column_converts_blocks_on_demand_and_keeps_a_few():
    series = pd.Series([f"t{i}" for i in range(10_000)], dtype="str")
    column = BlockColumn(series, block_rows=1000, max_blocks=3)
    assert len(column) == 10_000
    assert column[0] == "t0" and column[999] == "t999" and column[1000] == "t1000"
    assert column[9999] == "t9999" and column[5500] == "t5500"
    assert column.blocks_kept == 3  # blocks 0, 1, 9, 5 were read; the oldest was dropped
    assert column[0] == "t0"


def test_coded_column_uses_categories_and_missing():
    column = CodedColumn(np.array([0, 1, -1]), ["a", "b"])
    assert [column[i] for i in range(3)] == ["a", "b", ""]


def test_coded_column_cells_change_in_place_and_learn_new_names():
    codes = np.array([0, 1, -1], dtype=np.int8)
    codes.flags.writeable = False  # as pandas may hand them out
    column = CodedColumn(codes, ["a", "b"])
    column.set(2, "b")
    column.set(0, None)
    column.set(1, "new")
    assert [column[i] for i in range(3)] == ["", "new", "b"]
    assert column.categories == ["a", "b", "new"]
    assert list(codes) == [0, 1, -1], "the array it was given is left alone"


def test_column_view_reads_arrow_texts_cell_by_cell():
    column = column_view(pd.Series(["a", None, "ü"], dtype="str"))
    assert isinstance(column, ArrowColumn)
    assert [column[i] for i in range(3)] == ["a", None, "ü"]
    assert isinstance(column_view(pd.Series(["a", 1], dtype=object)), BlockColumn)
    model = DatasetTableModel(np.arange(3), column, ["x", "y", "z"], ())
    assert model.index(1, 1).data() == "" and model.index(2, 1).data() == "ü"


# -- the table in the Dataset tab: sort, search, filter, row actions ---------------------------
REVIEWS = [
    ("I loved this film, wonderful acting", "positive"),
    ("Terrible plot and worse dialogue", "negative"),
    ("It was fine, nothing special", ""),
    ("Best thing I have seen all year", "positive"),
    ("A boring, dull waste of time", "negative"),
    ("Great soundtrack and lovely photography", "positive"),
    ("awful. Just AWFUL.", "negative"),
    ("Charming and funny", "positive"),
]


def _open_reviews(qtbot, window, tmp_path):
    path = tmp_path / "reviews.csv"
    lines = ["text,label"] + [f'"{text}",{label}' for text, label in REVIEWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tab = window.tab_widgets["datasetTab"]
    window.open_path(str(path))
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == len(REVIEWS)
    return tab


def _wait_idle(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)


def _column(tab, column: int) -> list[str]:
    model = tab.table.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def _click_header(qtbot, tab, section: int) -> None:
    header = tab.table.horizontalHeader()
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )
    _wait_idle(qtbot, tab)


def _bar(tab):
    return tab.findChild(TableFilterBar)


def test_click_headers_to_sort_by_label_text_and_row(qtbot, main_window, tmp_path):
    tab = _open_reviews(qtbot, main_window, tmp_path)
    _click_header(qtbot, tab, 2)  # Label, ascending: negative first, unlabelled last
    assert _column(tab, 2) == ["negative"] * 3 + ["positive"] * 4 + [""]
    assert _column(tab, 0)[:3] == ["2", "5", "7"], "ties keep the file's order"
    _click_header(qtbot, tab, 2)  # again: descending, unlabelled still last
    assert _column(tab, 2) == ["positive"] * 4 + ["negative"] * 3 + [""]
    header = tab.table.horizontalHeader()
    assert header.sortIndicatorSection() == 2
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder

    _click_header(qtbot, tab, 1)  # Text, ignoring case
    texts = _column(tab, 1)
    assert texts[0] == "A boring, dull waste of time" and texts[1] == "awful. Just AWFUL."
    assert texts == sorted(texts, key=str.lower)
    _click_header(qtbot, tab, 0)
    _click_header(qtbot, tab, 0)  # Row, descending
    assert _column(tab, 0) == [str(n) for n in range(len(REVIEWS), 0, -1)]


def test_search_and_filters_narrow_the_rows_and_clear_restores_them(qtbot, main_window, tmp_path):
    tab = _open_reviews(qtbot, main_window, tmp_path)
    bar = _bar(tab)
    assert bar.count_label.text() == f"{len(REVIEWS)} rows"

    qtbot.keyClicks(bar.search, "AWFUL")
    qtbot.keyClick(bar.search, Qt.Key.Key_Return)
    _wait_idle(qtbot, tab)
    assert _column(tab, 1) == ["awful. Just AWFUL."]
    assert bar.count_label.text() == f"Showing 1 of {len(REVIEWS)} rows"

    bar.search.clear()
    qtbot.keyClick(bar.search, Qt.Key.Key_Return)
    label_filter = bar.findChild(QComboBox, "labelFilter")
    items = [label_filter.itemText(i) for i in range(label_filter.count())]
    assert items == ["All", "negative", "positive", "(unlabelled)"]
    label_filter.setCurrentIndex(items.index("negative"))
    label_filter.activated.emit(label_filter.currentIndex())  # what a user's pick emits
    _wait_idle(qtbot, tab)
    assert _column(tab, 2) == ["negative"] * 3
    label_filter.setCurrentIndex(items.index("(unlabelled)"))
    label_filter.activated.emit(label_filter.currentIndex())
    _wait_idle(qtbot, tab)
    assert _column(tab, 1) == ["It was fine, nothing special"]

    # Label and split filters combine; the split of every labelled row is one of three.
    label_filter.setCurrentIndex(items.index("positive"))
    label_filter.activated.emit(label_filter.currentIndex())
    split_filter = bar.findChild(QComboBox, "splitFilter")
    split_filter.setCurrentIndex(split_filter.findText("train"))
    split_filter.activated.emit(split_filter.currentIndex())
    _wait_idle(qtbot, tab)
    shown = tab.table.model().rowCount()
    assert 0 < shown < 4
    assert set(_column(tab, 2)) == {"positive"} and set(_column(tab, 3)) == {"train"}

    _click_header(qtbot, tab, 1)
    assert bar.clear_button.isEnabled()
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == len(REVIEWS)
    assert _column(tab, 0) == [str(n) for n in range(1, len(REVIEWS) + 1)], "the file's order"
    assert label_filter.currentText() == "All" and split_filter.currentText() == "All"
    assert tab.table.horizontalHeader().sortIndicatorSection() == -1

    # Another file clears the search too.
    qtbot.keyClicks(bar.search, "film")
    qtbot.keyClick(bar.search, Qt.Key.Key_Return)
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 1
    _open_reviews(qtbot, main_window, tmp_path)
    assert bar.search.text() == ""


def test_double_click_a_row_explains_its_text(qtbot, main_window, tmp_path):
    tab = _open_reviews(qtbot, main_window, tmp_path)
    _click_header(qtbot, tab, 2)  # sorted: the first row on screen is file row 2
    view = tab.table
    rect = view.visualRect(view.model().index(0, 1))
    explain = main_window.tab_widgets["explainTab"]
    with qtbot.waitSignal(
        main_window.service.result,
        timeout=60000,
        check_params_cb=lambda job, name, payload: name == "explain",
    ):
        # A real double-click: press and release, then the double-click event.
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert main_window.tabs.currentWidget() is explain
    assert explain.text_edit.toPlainText() == "Terrible plot and worse dialogue"


def test_context_menu_copies_the_full_text_and_relabel_needs_a_project(
    qtbot, main_window, tmp_path
):
    tab = _open_reviews(qtbot, main_window, tmp_path)
    view = tab.table
    rect = view.visualRect(view.model().index(2, 1))
    view.customContextMenuRequested.emit(rect.center())  # what a right-click emits
    menu = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "rowMenu")
    assert menu.isVisible()
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert list(actions) == ["Explain", "Relabel…", "Copy text"]
    assert menu.defaultAction() is actions["Explain"]
    assert not actions["Relabel…"].isEnabled(), "a file has no project rows to relabel"
    actions["Copy text"].trigger()
    assert QApplication.clipboard().text() == "It was fine, nothing special"
    menu.close()

    # Ctrl+C copies the selected rows' texts.
    view.setFocus()
    view.selectRow(0)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == REVIEWS[0][0]
