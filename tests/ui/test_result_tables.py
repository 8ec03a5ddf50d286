"""The Training tab's test examples and the Label tab's review list: sorted, searched and
filtered like the Dataset table, with room for at least eight rows."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox

from tests.ui.training_helpers import training_tab

LABELS = ["negative", "positive"]


def _examples() -> list[dict]:
    rows = []
    for i in range(40):
        true = LABELS[i % 2]
        pred = LABELS[(i // 3) % 2]
        rows.append(
            {"text": f"review {i} {'lovely' if i % 5 == 0 else 'plain'}", "true": true,
             "pred": pred, "confidence": 0.5 + (i % 10) / 20}
        )  # fmt: skip
    return rows


def _result(examples: list[dict]) -> dict:
    matrix = [[0, 0], [0, 0]]
    for e in examples:
        matrix[LABELS.index(e["true"])][LABELS.index(e["pred"])] += 1
    per_class = {x: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 20} for x in LABELS}
    return {
        "metrics": {
            "accuracy": 0.5,
            "macro_f1": 0.5,
            "labels": LABELS,
            "per_class": per_class,
            "confusion_matrix": matrix,
        },
        "model_info": {"name": "BiLSTM", "kind": "bilstm"},
        "test_examples": examples,
    }


def _idle(qtbot, controller) -> None:
    qtbot.waitUntil(lambda: not controller.is_busy(), timeout=10000)


def _column(view, column: int) -> list[str]:
    model = view.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_a_confusion_cell_filters_the_test_examples_to_sort_and_filter_further(qtbot, main_window):
    tab = training_tab(main_window)
    main_window.tabs.setCurrentWidget(tab)
    examples = _examples()
    view = tab.metrics_view
    view.show_result(_result(examples))
    cell = view.cell_examples
    _idle(qtbot, cell.controller)
    assert cell.view.model().rowCount() == len(examples)

    # A mistake cell: true negative, predicted positive, most confident first.
    confusion = view.confusion
    qtbot.waitUntil(lambda: bool(confusion.labels) and not confusion.figure.stale, timeout=5000)
    x, y = confusion.cell_center(0, 1)
    qtbot.mouseClick(
        confusion.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(round(x)), int(round(y)))
    )
    _idle(qtbot, cell.controller)
    assert view.pages.currentWidget() is cell
    wanted = [e for e in examples if e["true"] == "negative" and e["pred"] == "positive"]
    assert cell.view.model().rowCount() == len(wanted)
    assert set(_column(cell.view, 1)) == {"negative"} and set(_column(cell.view, 2)) == {"positive"}
    shown = [float(v.rstrip("%")) for v in _column(cell.view, 3)]
    assert shown == sorted(shown, reverse=True)
    assert f"{len(wanted)} examples (mistakes)" in cell.cell_label.text()

    # At the default window size the page shows at least eight rows.
    cell.controller.bar.clear()
    _idle(qtbot, cell.controller)
    rows_visible = cell.view.viewport().height() // cell.view.verticalHeader().defaultSectionSize()
    assert rows_visible >= 8, (rows_visible, cell.view.viewport().height())

    # Every mistake, then a word; click Text to sort.
    result_filter = cell.bar.findChild(QComboBox, "correctFilter")
    result_filter.setCurrentIndex(result_filter.findText("incorrect"))
    result_filter.activated.emit(result_filter.currentIndex())
    _idle(qtbot, cell.controller)
    trues, preds = _column(cell.view, 1), _column(cell.view, 2)
    assert all(t != p for t, p in zip(trues, preds, strict=True))
    assert len(trues) == sum(1 for e in examples if e["true"] != e["pred"])
    cell.bar.search.setText("LOVELY")
    cell.bar._search_now()
    _idle(qtbot, cell.controller)
    texts = _column(cell.view, 0)
    assert texts and all("lovely" in t for t in texts)
    cell.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    _idle(qtbot, cell.controller)
    assert _column(cell.view, 0) == sorted(texts, reverse=True)


def test_review_list_sorts_filters_and_opens_a_row(qtbot, main_window):
    from desktop_app.ui.label.review_table import ReviewTable

    table = ReviewTable()
    qtbot.addWidget(table)
    table.show()
    suspicious = [
        {"row_id": 10 + i, "label": LABELS[i % 2], "predicted": LABELS[1 - i % 2],
         "confidence": 0.6 + i / 100, "text": f"text {i} {'sarcasm' if i % 3 == 0 else ''}"}
        for i in range(9)
    ]  # fmt: skip
    duplicates = [
        {"text": "the same words", "labels": {"negative": 1, "positive": 2},
         "rows": [{"row_id": 3}, {"row_id": 4}]}
    ]  # fmt: skip
    table.show_rows(suspicious, duplicates, lambda row_id: row_id + 1)
    _idle(qtbot, table.controller)
    assert table.count() == 10 and table.view.model().rowCount() == 10

    # Sort by confidence, descending: the most confident suspicious label first.
    table.view.horizontalHeader().setSortIndicator(4, Qt.SortOrder.DescendingOrder)
    _idle(qtbot, table.controller)
    assert _column(table.view, 4)[:2] == ["68%", "67%"] and _column(table.view, 4)[-1] == ""

    # Only the conflicting duplicates, then only suspicious rows labelled positive.
    kind = table.bar.findChild(QComboBox, "kindFilter")
    assert [kind.itemText(i) for i in range(kind.count())] == ["All", "suspicious", "duplicate"]
    table.bar.select("kind", "duplicate")
    _idle(qtbot, table.controller)
    assert table.shown_texts() == [
        "Duplicate with conflicting labels (negative ×1, positive ×2): the same words"
    ]
    table.bar.select("kind", "suspicious")
    table.bar.select("label", "positive")
    _idle(qtbot, table.controller)
    assert set(_column(table.view, 2)) == {"positive"} and len(_column(table.view, 2)) == 4
    assert set(_column(table.view, 5)) == {"suspicious"}
    table.bar.search.setText("SARCASM")
    table.bar._search_now()
    _idle(qtbot, table.controller)
    assert _column(table.view, 0) == ["14"]  # row id 13, the user's row 14

    with qtbot.waitSignal(table.row_activated) as opened:
        table.view.doubleClicked.emit(table.view.model().index(0, 1))
    assert opened.args == [13]
    table.shutdown()
