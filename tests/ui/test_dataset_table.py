"""The Dataset tab's virtual table model over a million rows: O(1) cells, lazy conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt

from desktop_app.ui.lazy_columns import BlockColumn, CodedColumn, column_view
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
    assert len(column._blocks) == 3  # blocks 0, 1, 9, 5 were read; the oldest was dropped
    assert column[0] == "t0"


def test_coded_column_uses_categories_and_missing():
    column = CodedColumn(np.array([0, 1, -1]), ["a", "b"])
    assert [column[i] for i in range(3)] == ["a", "b", ""]
