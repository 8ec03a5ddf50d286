"""The reusable table pieces: the row query (no Qt), the index-array proxy, the filter bar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from desktop_app.ui.lazy_columns import BlockColumn, CodedColumn
from desktop_app.ui.tables.filter_bar import TableFilterBar
from desktop_app.ui.tables.proxy import IndexProxyModel
from desktop_app.ui.tables.query import EMPTY, RowOrder, TableQuery, compute_rows

TEXTS = ["Great film", "awful PLOT", "fine", None, "A great ending", "boring"]
LABELS = CodedColumn(np.array([1, 0, -1, 0, 1, 0], dtype=np.int8), ["neg", "pos"])
SPLITS = CodedColumn(
    np.array([1, 2, 0, 1, 3, 1], dtype=np.int8), ["", "train", "validation", "test"]
)
CONFIDENCE = [0.9, 0.55, None, 0.7, 0.99, 0.6]


def _columns(texts=TEXTS):
    return {"text": texts, "label": LABELS, "split": SPLITS, "confidence": CONFIDENCE}


def _rows(query: TableQuery, columns=None) -> list[int]:
    order = compute_rows(columns or _columns(), len(TEXTS), query)
    assert order.total == len(TEXTS)
    if order.rows is None:
        return list(range(order.total))
    # The inverse maps every shown row back to its place and every hidden row to -1.
    shown = set(order.rows.tolist())
    assert [order.inverse[r] for r in order.rows] == list(range(len(order.rows)))
    assert all(order.inverse[r] == -1 for r in range(order.total) if r not in shown)
    return order.rows.tolist()


def test_no_query_keeps_every_row_in_order():
    order = compute_rows(_columns(), len(TEXTS), TableQuery())
    assert order.rows is None and order.shown == len(TEXTS)


@pytest.mark.parametrize(
    "texts",
    [TEXTS, pd.Series(TEXTS, dtype="str"), BlockColumn(pd.Series(TEXTS, dtype="object"))],
    ids=["list", "arrow series", "object block column"],
)
def test_search_ignores_case_in_any_column_kind(texts):
    assert _rows(TableQuery(search="GREAT"), _columns(texts)) == [0, 4]
    assert _rows(TableQuery(search="  plot "), _columns(texts)) == [1]
    assert _rows(TableQuery(search="nowhere"), _columns(texts)) == []


def test_choices_pick_labels_splits_and_empty_cells():
    assert _rows(TableQuery(choices={"label": ("pos",)})) == [0, 4]
    assert _rows(TableQuery(choices={"label": (EMPTY,)})) == [2]
    assert _rows(TableQuery(choices={"split": ("train",)})) == [0, 3, 5]
    assert _rows(TableQuery(choices={"label": ("neg",), "split": ("train",)})) == [3, 5]
    # Plain lists of values filter too (the prediction table's "predicted" column).
    predicted = ["pos", "neg", "neg", "pos", None, "neg"]
    columns = {**_columns(), "predicted": predicted}
    assert _rows(TableQuery(choices={"predicted": ("neg",)}), columns) == [1, 2, 5]
    assert _rows(TableQuery(choices={"predicted": (EMPTY,)}), columns) == [4]


def test_ranges_include_both_ends_and_drop_missing_numbers():
    assert _rows(TableQuery(ranges={"confidence": (0.6, 0.9)})) == [0, 3, 5]
    assert _rows(TableQuery(ranges={"confidence": (None, 0.6)})) == [1, 5]
    assert _rows(TableQuery(ranges={"confidence": (0.95, None)})) == [4]


def test_sorting_is_stable_with_empty_cells_last_both_ways():
    # Labels by name: neg (1, 3, 5 in source order), pos (0, 4), then the unlabelled row 2.
    assert _rows(TableQuery(sort_key="label")) == [1, 3, 5, 0, 4, 2]
    assert _rows(TableQuery(sort_key="label", descending=True)) == [0, 4, 1, 3, 5, 2]
    # Texts ignore case; the missing text comes last.
    assert _rows(TableQuery(sort_key="text")) == [4, 1, 5, 2, 0, 3]
    assert _rows(TableQuery(sort_key="text", descending=True)) == [0, 2, 5, 1, 4, 3]
    assert _rows(TableQuery(sort_key="confidence", descending=True)) == [4, 0, 3, 5, 1, 2]
    # A key without values (a row number) sorts by source row.
    assert _rows(TableQuery(sort_key="row", descending=True)) == [5, 4, 3, 2, 1, 0]


def test_sort_and_filter_together():
    query = TableQuery(sort_key="confidence", choices={"label": ("neg",)})
    assert _rows(query) == [1, 5, 3]
    query = TableQuery(sort_key="text", descending=True, search="a")
    assert _rows(query) == [0, 1, 4]  # "great film" > "awful plot" > "a great ending"


def test_query_knows_which_columns_it_uses():
    query = TableQuery(sort_key="text", choices={"split": ("test",)})
    assert query.uses(["split"]) and query.uses(["text"]) and not query.uses(["label"])
    assert TableQuery(search="x").uses(["text"]) and not TableQuery().uses(["text"])


def test_a_million_rows_sort_and_filter_by_label():
    n = 1_000_000
    codes = (np.arange(n) % 3 - 1).astype(np.int8)
    labels = CodedColumn(codes, ["neg", "pos"])
    order = compute_rows(
        {"label": labels}, n, TableQuery(sort_key="label", choices={"label": ("pos", EMPTY)})
    )
    assert order.shown == 2 * n // 3 + 1
    shown = [labels[int(r)] for r in order.rows[[0, -1]]]
    assert shown == ["pos", ""], "pos first, the unlabelled rows last"


def _source(rows: int) -> QStandardItemModel:
    model = QStandardItemModel(rows, 2)
    for row in range(rows):
        model.setItem(row, 0, QStandardItem(f"text {row}"))
        model.setItem(row, 1, QStandardItem(str(row % 2)))
    return model


def _order(rows: list[int], total: int) -> RowOrder:
    rows_array = np.asarray(rows, dtype=np.int64)
    inverse = np.full(total, -1, dtype=np.int64)
    inverse[rows_array] = np.arange(len(rows))
    return RowOrder(total, rows_array, inverse)


def test_proxy_shows_rows_through_the_index_array(qtbot):
    source = _source(5)
    proxy = IndexProxyModel()
    proxy.setSourceModel(source)
    assert proxy.rowCount() == 5 and proxy.index(4, 0).data() == "text 4"
    proxy.set_order(_order([3, 0], 5))
    assert proxy.rowCount() == 2
    assert [proxy.index(r, 0).data() for r in range(2)] == ["text 3", "text 0"]
    assert proxy.mapToSource(proxy.index(0, 1)).row() == 3
    assert proxy.mapFromSource(source.index(0, 0)).row() == 1
    assert not proxy.mapFromSource(source.index(1, 0)).isValid(), "row 1 is filtered out"
    assert proxy.headerData(0, Qt.Orientation.Horizontal) == source.headerData(
        0, Qt.Orientation.Horizontal
    )
    assert proxy.parent(proxy.index(0, 0)) == QModelIndex()


def test_proxy_forwards_changes_of_shown_rows_only(qtbot):
    source = _source(5)
    proxy = IndexProxyModel()
    proxy.setSourceModel(source)
    proxy.set_order(_order([3, 0], 5))
    seen: list[tuple[int, int]] = []
    proxy.dataChanged.connect(lambda top, bottom, roles: seen.append((top.row(), bottom.row())))
    source.item(0, 1).setText("changed")
    source.item(1, 1).setText("hidden row")
    assert seen == [(1, 1)]
    assert proxy.index(1, 1).data() == "changed"


def test_proxy_falls_back_to_all_rows_when_the_source_changes_shape(qtbot):
    source = _source(5)
    proxy = IndexProxyModel()
    proxy.setSourceModel(source)
    proxy.set_order(_order([2], 5))
    with qtbot.waitSignal(proxy.source_reset):
        source.appendRow([QStandardItem("new"), QStandardItem("1")])
    assert proxy.rowCount() == 6


def test_filter_bar_reports_choices_ranges_and_search(qtbot):
    bar = TableFilterBar()
    qtbot.addWidget(bar)
    combo = bar.add_choice("label", "Label")
    low, high = bar.add_range("confidence", "Confidence", 0.0, 1.0)
    bar.set_choices("label", ["neg", "pos", EMPTY], empty_text="(unlabelled)")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All",
        "neg",
        "pos",
        "(unlabelled)",
    ]
    with qtbot.waitSignal(bar.changed):
        combo.setCurrentIndex(3)
        combo.activated.emit(3)
    assert bar.choices() == {"label": (EMPTY,)}
    with qtbot.waitSignal(bar.changed):
        low.setValue(0.5)
    assert bar.ranges() == {"confidence": (0.5, None)}
    with qtbot.waitSignal(bar.changed, timeout=2000):
        qtbot.keyClicks(bar.search, "great")  # one change once typing pauses
    assert bar.search_text() == "great"
    bar.show_count(3, 10)
    assert bar.count_label.text() == "Showing 3 of 10 rows"
    # A pick that no longer exists goes back to All.
    with qtbot.waitSignal(bar.changed):
        bar.set_choices("label", ["neg", "pos"])
    assert "label" not in bar.choices()
    with qtbot.waitSignal(bar.cleared):
        qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    assert bar.search_text() == "" and bar.ranges() == {} and bar.choices() == {}
    assert high.value() == 1.0
