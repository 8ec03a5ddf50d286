"""The Predict tab's results table: sort, search and filter, act on a row, export with the
file's columns; jobs read texts as the Model menu says and results say when that changed."""

from __future__ import annotations

import csv

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox

LONG_WAIT = 60000
ROWS = [
    ("r1", "phone", "I love this wonderful phone", "positive"),
    ("r2", "desk", "the worst service ever, awful", "negative"),
    ("r3", "lamp", "terrible awful product", "positive"),  # VADER gets this one wrong
    ("r4", "desk", "Great value, happy with it", "positive"),
    ("r5", "chair", "broken and useless, I hate it", "negative"),
    ("r6", "lamp", "It is a lamp.", "negative"),  # neutral: wrong too
]


def _write(tmp_path):
    path = tmp_path / "reviews.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "product", "text", "label"])
        writer.writerows(ROWS)
    return path


def _predicted(qtbot, window, tmp_path):
    tab = window.tab_widgets["predictTab"]
    window.tabs.setCurrentWidget(tab)
    tab.file.load_file(str(_write(tmp_path)))
    qtbot.waitUntil(tab.file.batch_button.isEnabled, timeout=LONG_WAIT)
    with qtbot.waitSignal(
        window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda j, name, p: name == "predict_batch",
    ) as blocker:
        qtbot.mouseClick(tab.file.batch_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, tab)
    return tab, blocker.args[2]


def _idle(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.file.results.controller.is_busy(), timeout=20000)


def _column(tab, title: str) -> list[str]:
    model = tab.file.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    column = headers.index(title)
    return [model.index(row, column).data() for row in range(model.rowCount())]


def _pick(qtbot, tab, name: str, text: str) -> None:
    combo = tab.file.results.bar.findChild(QComboBox, name)
    combo.setCurrentIndex(combo.findText(text))
    combo.activated.emit(combo.currentIndex())  # what a user's pick emits
    _idle(qtbot, tab)


def test_results_sort_search_and_filter(qtbot, main_window, tmp_path):
    tab, result = _predicted(qtbot, main_window, tmp_path)
    assert result["long_text"] == "chunk", "the job read texts as the Model menu says"
    assert _column(tab, "Chunks") == ["1"] * len(ROWS), "chunks, not truncated"
    bar = tab.file.results.bar

    # Click the P(positive) header: sorted by that probability, twice for descending.
    view = tab.file.table
    header = view.horizontalHeader()
    section = _headers(tab).index("P(positive)")
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    for _ in range(2):
        qtbot.mouseClick(
            header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
        )
        _idle(qtbot, tab)
    values = [float(v) for v in _column(tab, "P(positive)")]
    assert values == sorted(values, reverse=True)

    _pick(qtbot, tab, "correctFilter", "incorrect")
    incorrect = _column(tab, "Text")
    assert incorrect and set(_column(tab, "Correct")) == {"✗ incorrect"}
    assert "terrible awful product" in incorrect
    assert bar.count_label.text().startswith(f"Showing {len(incorrect)} of {len(ROWS)}")

    _pick(qtbot, tab, "correctFilter", "All")
    _pick(qtbot, tab, "predictedFilter", "negative")
    assert set(_column(tab, "Predicted")) == {"negative"}
    _pick(qtbot, tab, "true_labelFilter", "positive")
    assert _column(tab, "Text") == ["terrible awful product"]

    bar.clear()
    _idle(qtbot, tab)
    qtbot.keyClicks(bar.search, "AWFUL")
    qtbot.keyClick(bar.search, Qt.Key.Key_Return)
    _idle(qtbot, tab)
    assert sorted(_column(tab, "Text")) == [
        "terrible awful product",
        "the worst service ever, awful",
    ]

    bar.clear()
    low, _high = bar.range_spins["confidence"]
    low.setValue(0.9)
    _idle(qtbot, tab)
    shown = tab.file.table.model().rowCount()
    assert shown < len(ROWS)
    confident = [max(p) for p in result["probabilities"] if max(p) >= 0.9]
    assert shown == len(confident)


def _headers(tab) -> list[str]:
    model = tab.file.table.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_double_click_a_result_explains_it_and_menu_copies(qtbot, main_window, tmp_path):
    tab, _result = _predicted(qtbot, main_window, tmp_path)
    _pick(qtbot, tab, "predictedFilter", "negative")
    view = tab.file.table
    first = view.model().index(0, 0).data()
    rect = view.visualRect(view.model().index(0, 0))
    explain = main_window.tab_widgets["explainTab"]
    with qtbot.waitSignal(
        main_window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda job, name, payload: name == "explain",
    ):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert main_window.tabs.currentWidget() is explain
    assert explain.text_edit.toPlainText() == first

    main_window.tabs.setCurrentWidget(tab)
    view.customContextMenuRequested.emit(rect.center())  # what a right-click emits
    menu = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "rowMenu")
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert list(actions) == ["Explain", "Relabel…", "Copy text"]
    assert not actions["Relabel…"].isEnabled(), "a file has no project rows"
    actions["Copy text"].trigger()
    assert QApplication.clipboard().text() == first
    menu.close()


def test_export_carries_the_files_columns(qtbot, main_window, tmp_path):
    tab, _result = _predicted(qtbot, main_window, tmp_path)
    assert tab.file.keep_columns_check.isChecked(), "on by default"
    out = tmp_path / "out.csv"
    tab.file.export_results(str(out))
    qtbot.waitUntil(lambda: tab.file.batch_status.text().startswith("Wrote "), timeout=LONG_WAIT)
    with out.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0])[:4] == ["source_row", "review_id", "product", "text"]
    assert [r["review_id"] for r in written] == [r[0] for r in ROWS]
    assert [r["product"] for r in written] == [r[1] for r in ROWS]
    assert "chunks" in written[0] and "truncated" not in written[0]

    qtbot.waitUntil(tab.file.export_button.isEnabled, timeout=LONG_WAIT)
    tab.file.keep_columns_check.setChecked(False)
    plain = tmp_path / "plain.csv"
    tab.file.export_results(str(plain))
    qtbot.waitUntil(lambda: "plain.csv" in tab.file.batch_status.text(), timeout=LONG_WAIT)
    qtbot.waitUntil(lambda: tab.file.batch_status.text().startswith("Wrote "), timeout=LONG_WAIT)
    with plain.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:2] == ["source_row", "text"] and "review_id" not in header


def test_jobs_read_texts_as_the_model_menu_says(qtbot, main_window, tmp_path):
    """Predict (one text and a file) and Explain pass the Model menu's setting; results
    computed under the other setting say so."""
    inference = main_window.state.inference
    inference.set("long_text", "truncate")
    tab, result = _predicted(qtbot, main_window, tmp_path)
    assert result["long_text"] == "truncate"
    assert "Computed with" not in tab.file.summary_label.text()
    inference.set("long_text", "chunk")
    summary = tab.file.summary_label.text()
    assert "long texts cut at the model" in summary and "Predict file" in summary

    single = tab.single
    single.text_edit.setPlainText("a fine film")
    with qtbot.waitSignal(
        main_window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda j, name, p: name == "predict",
    ) as blocker:
        single.predict()
    assert blocker.args[2]["long_text"] == "chunk"
    assert "Computed with" not in single.result_label.text()
    inference.set("long_text", "truncate")
    assert "Computed with long texts read whole" in single.result_label.text()

    explain = main_window.tab_widgets["explainTab"]
    assert explain.params()["long_text"] == "truncate"
    explain.options.samples_combo.setCurrentText("500")
    explain.options.runs_spin.setValue(1)
    explain.text_edit.setPlainText("a fine film")
    with qtbot.waitSignal(
        main_window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda j, name, p: name == "explain",
    ):
        explain.start_explain()
    qtbot.waitUntil(lambda: explain.result is not None, timeout=LONG_WAIT)
    assert explain.panel.stale_text() == ""
    inference.set("long_text", "chunk")
    assert "Model menu now says long texts read whole" in explain.panel.stale_text()


def test_relabel_a_predicted_project_row(qtbot, main_window, tmp_path):
    """Rows taken from an open project: Relabel sends the row's id to the Label tab."""
    from desktop_app.core.project.store import ProjectStore

    rows = [
        {"text": "a lovely, wonderful film", "label": "positive"},
        {"text": "an awful, boring film", "label": "negative"},
        {"text": "a great and happy story", "label": None},
    ]
    store = ProjectStore.create(tmp_path / "p.sstudio", rows, labels=["negative", "positive"])
    workspace = main_window.state.workspace
    panel = main_window.tab_widgets["predictTab"].file
    try:
        workspace.open_project(store)
        qtbot.mouseClick(panel.use_dataset_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(panel.batch_button.isEnabled, timeout=LONG_WAIT)
        with qtbot.waitSignal(
            main_window.service.result,
            timeout=LONG_WAIT,
            check_params_cb=lambda j, name, p: name == "predict_batch",
        ):
            panel.predict_file()
        view = panel.table
        texts = [view.model().index(r, 0).data() for r in range(view.model().rowCount())]
        row = texts.index("an awful, boring film")
        menu = panel.results.actions.menu_for(view.model().index(row, 0))
        actions = {a.text(): a for a in menu.actions() if a.text()}
        assert actions["Relabel…"].isEnabled()
        with qtbot.waitSignal(main_window.state.relabel_requested) as asked:
            actions["Relabel…"].trigger()
        assert asked.args == [store.columns()["ids"][1]]
    finally:
        workspace.close_project()
        store.close()
