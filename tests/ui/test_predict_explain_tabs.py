"""Predict and Explain tabs, driven like a user: type, Ctrl+Enter, click, wait, read the view."""

from __future__ import annotations

import csv
import json
import re

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QToolTip

from tests.ui.conftest import announce_model

REVIEW = "A wonderful, moving film with great acting, although the ending is terrible."
LONG_WAIT = 60000


def _tab(window, name):
    return window.tab_widgets[name]


def _predict(qtbot, window, text):
    tab = _tab(window, "predictTab")
    window.tabs.setCurrentWidget(tab)
    tab.single.text_edit.setFocus()
    qtbot.keyClicks(tab.single.text_edit, text)
    with qtbot.waitSignal(
        window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda j, name, p: name == "predict",
    ):
        qtbot.keyClick(tab.single.text_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    return tab


def _job_result(qtbot, window, name):
    """Wait for the result of the next ``name`` job (not, say, the start-up probe's)."""
    return qtbot.waitSignal(
        window.service.result, timeout=LONG_WAIT, check_params_cb=lambda j, n, p: n == name
    )


def _wait_written(qtbot, tab):
    qtbot.waitUntil(lambda: tab.file.batch_status.text().startswith("Wrote "), timeout=LONG_WAIT)
    qtbot.waitUntil(tab.file.export_button.isEnabled, timeout=LONG_WAIT)


def test_predict_shows_label_bars_and_history(qtbot, main_window):
    tab = _predict(qtbot, main_window, "What a great, lovely movie!")
    bars = tab.single.prob_bars.bars()
    assert set(bars) == {"negative", "neutral", "positive"}
    assert abs(sum(bars.values()) - 1.0) < 0.01
    assert max(bars, key=bars.get) == "positive"
    assert "positive" in tab.single.result_label.text()
    assert "VADER" in tab.model_label.text()
    assert tab.single.history.count() == 1
    assert not tab.single.truncated_label.isVisibleTo(tab)

    # A second prediction, then clicking the first history entry restores it.
    tab.single.text_edit.clear()
    qtbot.keyClicks(tab.single.text_edit, "This is an awful, boring waste of time.")
    with _job_result(qtbot, main_window, "predict"):
        qtbot.mouseClick(tab.single.predict_button, Qt.MouseButton.LeftButton)
    assert tab.single.prediction() == "negative"
    assert tab.single.history.count() == 2
    first = tab.single.history.item(1)
    rect = tab.single.history.visualItemRect(first)
    qtbot.mouseClick(tab.single.history.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.single.text_edit.toPlainText() == "What a great, lovely movie!"
    assert tab.single.prediction() == "positive"


def test_explain_this_highlights_words_and_draws_chart(qtbot, main_window, tmp_path):
    tab = _predict(qtbot, main_window, REVIEW)
    explain = _tab(main_window, "explainTab")
    service = main_window.service
    with qtbot.assertNotEmitted(service.failed):
        with qtbot.waitSignal(
            service.result, timeout=LONG_WAIT, check_params_cb=lambda j, n, p: n == "explain"
        ):
            qtbot.mouseClick(tab.single.explain_button, Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is explain
    assert explain.text_edit.toPlainText() == REVIEW
    result = explain.result
    assert result["runs"] == 3 and result["num_samples"] == 1000

    # The markup has one coloured span per weighted word, blue for and orange against.
    markup = explain.panel.view.markup
    spans = re.findall(r'<span class="lime-word ([^"]*)"[^>]*>(?:<a [^>]*>)([^<]*)</a>', markup)
    words = {word.lower(): classes for classes, word in spans}
    assert "great" in words and "towards" in words["great"]
    assert "terrible" in words and "against" in words["terrible"]
    assert "background-color:#" in markup
    assert "great" in [w.lower() for w in explain.panel.view.highlighted_words()]
    assert "towards" in explain.panel.legend.text() and "against" in explain.panel.legend.text()

    # Hovering a word shows its weight, sd and sign agreement.
    view = explain.panel.view
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.document().toPlainText().index("great") + 2)
    point = view.cursorRect(cursor).center()
    view.viewportEvent(QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point)))
    great = next(w for w in result["words"] if w["word"] == "great")
    assert f"weight {great['mean_weight']:+.4f} (towards positive)" in QToolTip.text()
    assert "sign agreement" in QToolTip.text()

    # Chart, stability table, probabilities, deletion check, timings.
    qtbot.waitUntil(lambda: explain.panel.chart.bar_count() > 0, timeout=20000)
    assert explain.panel.chart.bar_count() == min(10, len(result["words"]))
    assert explain.panel.stability_table.rowCount() == len(result["words"])
    headers = [
        explain.panel.stability_table.horizontalHeaderItem(c).text()
        for c in range(explain.panel.stability_table.columnCount())
    ]
    assert headers[:4] == ["Word", "Mean weight", "SD", "Sign agreement"]
    assert set(explain.panel.prob_bars.bars()) == {"negative", "neutral", "positive"}
    assert "Removing the top" in explain.panel.deletion_label.text()
    assert " s in all" in explain.panel.timings_label.text()

    # Export HTML and CSV through the core exporters, off the GUI thread.
    html_path, csv_path = tmp_path / "e.html", tmp_path / "e.csv"
    explain.export_html(str(html_path))
    qtbot.waitUntil(
        lambda: explain.status_label.text() == f"Exported to {html_path}.", timeout=20000
    )
    explain.export_csv(str(csv_path))
    qtbot.waitUntil(
        lambda: explain.status_label.text() == f"Exported to {csv_path}.", timeout=20000
    )
    page = html_path.read_text(encoding="utf-8")
    assert "great" in page and "lime" in page.lower()
    assert "mean_weight" in csv_path.read_text(encoding="utf-8")


def test_explain_marks_unstable_words(qtbot, main_window):
    explain = _tab(main_window, "explainTab")
    main_window.tabs.setCurrentWidget(explain)
    explain.options.samples_combo.setCurrentText("500")
    explain.options.features_spin.setValue(0)  # all words
    explain.options.runs_spin.setValue(3)
    qtbot.keyClicks(explain.text_edit, "the film was okay I guess, not bad and not good really")
    with _job_result(qtbot, main_window, "explain"):
        qtbot.keyClick(explain.text_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    result = explain.result
    unstable = [w["word"] for w in result["words"] if w["unstable"]]
    stable_col = [
        explain.panel.stability_table.item(r, 4).text()
        for r in range(explain.panel.stability_table.rowCount())
    ]
    assert stable_col.count("unstable") == len(unstable)
    assert explain.panel.view.markup.count("lime-word") >= len(result["words"])
    assert explain.panel.view.markup.count(" unstable") >= len(unstable)


def test_cancel_stops_a_long_explanation(qtbot, main_window):
    explain = _tab(main_window, "explainTab")
    main_window.tabs.setCurrentWidget(explain)
    explain.options.samples_combo.setCurrentText("5000")
    explain.options.runs_spin.setValue(10)
    explain.options.features_spin.setValue(0)
    text = " ".join(
        "the plot twists were surprisingly clever yet the pacing felt uneven and slow".split() * 6
    )
    explain.text_edit.setPlainText(text)
    service = main_window.service
    with qtbot.waitSignal(
        service.started, timeout=LONG_WAIT, check_params_cb=lambda j, n: n == "explain"
    ):
        qtbot.mouseClick(explain.explain_button, Qt.MouseButton.LeftButton)
    assert explain.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: explain.progress.maximum() > 0, timeout=LONG_WAIT)
    with qtbot.assertNotEmitted(service.result):
        with qtbot.waitSignal(service.cancelled, timeout=15000):
            qtbot.mouseClick(explain.cancel_button, Qt.MouseButton.LeftButton)
    assert explain.status_label.text() == "Cancelled."
    assert explain.explain_button.isEnabled()
    assert explain.result is None


def test_batch_predict_fills_table_and_exports(qtbot, main_window, tmp_path):
    data = tmp_path / "reviews.csv"
    rows = [
        ("I love this wonderful phone", "positive"),
        ("@support this is the worst service ever", "negative"),
        ("=1+1 terrible awful product", "negative"),
        ("It arrived on Tuesday.", "neutral"),
        ("Great value, happy with it", "positive"),
    ]
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)

    tab = _tab(main_window, "predictTab")
    main_window.tabs.setCurrentWidget(tab)
    tab.file.load_file(str(data))
    qtbot.waitUntil(tab.file.batch_button.isEnabled, timeout=LONG_WAIT)
    assert tab.file.text_combo.currentText() == "text"
    assert tab.file.label_combo.currentText() == "label"
    assert tab.file.batch_button.isEnabled()

    with qtbot.assertNotEmitted(main_window.service.failed):
        with qtbot.waitSignal(
            main_window.service.result,
            timeout=LONG_WAIT,
            check_params_cb=lambda j, n, p: n == "predict_batch",
        ):
            qtbot.mouseClick(tab.file.batch_button, Qt.MouseButton.LeftButton)
    model = tab.file.table.model()
    assert model.rowCount() == len(rows)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:2] == ["Text", "Predicted"]
    assert {"P(negative)", "P(neutral)", "P(positive)", "True label", "Correct"} <= set(headers)
    correct_col = headers.index("Correct")
    marks = [model.data(model.index(r, correct_col)) for r in range(len(rows))]
    assert all(m in ("✓ correct", "✗ incorrect") for m in marks)
    accuracy = sum(m == "✓ correct" for m in marks) / len(rows)
    # Five rows: the figure carries its 95 % interval; VADER saw no rows, so none is left out.
    assert f"Accuracy {accuracy:.3f} (" in tab.file.summary_label.text()
    assert "n = 5)" in tab.file.summary_label.text()
    assert "on the 5 labelled rows" in tab.file.summary_label.text()
    assert [model.data(model.index(r, headers.index("Seen"))) for r in range(5)] == ["–"] * 5

    # CSV with formula protection: the "@" and "=" texts are neutralised.
    assert tab.file.protect_check.isChecked() and tab.file.protect_check.isEnabled()
    out_csv = tmp_path / "out.csv"
    tab.file.export_results(str(out_csv))
    _wait_written(qtbot, tab)
    with out_csv.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [r["text"] for r in written][1:3] == [
        "'@support this is the worst service ever",
        "'=1+1 terrible awful product",
    ]
    assert written[0]["text"] == rows[0][0]
    # Every export says where each row came from and which model predicted it.
    assert list(written[0])[0] == "source_row"
    assert [r["source_row"] for r in written] == ["0", "1", "2", "3", "4"]
    assert {r["model"] for r in written} == {"VADER (lexicon, no training)"} and {
        r["seen"] for r in written
    } == {""}

    # JSONL: the box is disabled and the texts are written exactly.
    tab.file.format_combo.setCurrentIndex(tab.file.format_combo.findData("jsonl"))
    assert not tab.file.protect_check.isEnabled()
    out_jsonl = tmp_path / "out.jsonl"
    tab.file.export_results(str(out_jsonl))
    _wait_written(qtbot, tab)
    records = [json.loads(line) for line in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in records] == [text for text, _ in rows]
    assert [r["true_label"] for r in records] == [label for _, label in rows]
    assert [r["predicted"] for r in records] == [
        model.data(model.index(r, 1)) for r in range(len(rows))
    ]


def test_batch_without_labels_exports_xlsx(qtbot, main_window, tmp_path):
    fmt = "xlsx"
    data = tmp_path / "texts.csv"
    data.write_text("text\n+44 call me now\nnice day\n", encoding="utf-8")
    tab = _tab(main_window, "predictTab")
    tab.file.load_file(str(data))
    qtbot.waitUntil(tab.file.batch_button.isEnabled, timeout=LONG_WAIT)
    assert tab.file.label_combo.currentData() == ""
    with _job_result(qtbot, main_window, "predict_batch"):
        tab.file.predict_file()
    model = tab.file.table.model()
    assert model.rowCount() == 2
    assert "Correct" not in [
        model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
    ]
    tab.file.format_combo.setCurrentIndex(tab.file.format_combo.findData(fmt))
    out = tmp_path / f"out.{fmt}"
    tab.file.export_results(str(out))
    _wait_written(qtbot, tab)
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert sheet["A1"].value == "source_row" and sheet["B1"].value == "text"
    assert sheet["B2"].value == "'+44 call me now"
    assert sheet["B3"].value == "nice day"


def test_truncated_and_chunked_texts_are_marked(qtbot, main_window):
    """A model that reads 8 tokens: the single result and the table say which texts were cut."""
    from desktop_app.ui.widgets.prediction_table import PredictionTableModel

    tab = _tab(main_window, "predictTab")
    announce_model(
        main_window, {"name": "Tiny", "kind": "minilm", "labels": ["neg", "pos"], "max_length": 8}
    )
    assert "Tiny" in tab.model_label.text() and "8 tokens" in tab.model_label.text()
    result = {
        "labels": ["neg", "pos"],
        "probabilities": [[0.2, 0.8], [0.6, 0.4]],
        "predicted": ["pos", "neg"],
        "truncated": [True, False],
        "chunks": [1, 1],
    }
    tab.single.show_prediction("a long text", result)
    assert tab.single.truncated_label.isVisibleTo(tab)
    assert "8 tokens" in tab.single.truncated_label.text()
    model = PredictionTableModel(["a long text", "short"], result)
    last = model.columnCount() - 1
    assert model.headerData(last, Qt.Orientation.Horizontal) == "Chunks"
    assert [model.data(model.index(r, last)) for r in range(2)] == ["1 (cut)", "1"]
    # Read whole: the chunk count, and the single result says it was read in windows.
    whole = {**result, "truncated": [False, False], "chunks": [3, 1]}
    tab.single.show_prediction("a long text", whole)
    assert "3 overlapping windows" in tab.single.truncated_label.text()
    model = PredictionTableModel(["a long text", "short"], whole)
    assert [model.data(model.index(r, last)) for r in range(2)] == ["3", "1"]


def test_long_text_shows_the_level_note(qtbot, main_window):
    explain = _tab(main_window, "explainTab")
    main_window.tabs.setCurrentWidget(explain)
    explain.options.samples_combo.setCurrentText("500")
    explain.options.runs_spin.setValue(1)
    sentence = "The first half is slow and dull. The second half is great fun and moving. "
    explain.text_edit.setPlainText(sentence * 20)  # 280 words, over the 200-word limit
    with _job_result(qtbot, main_window, "explain"):
        qtbot.mouseClick(explain.explain_button, Qt.MouseButton.LeftButton)
    assert explain.result["level"] in ("sentence", "chunk")
    assert explain.panel.notes_label.isVisibleTo(explain)
    assert "200" in explain.panel.notes_label.text()
    assert "sentences" in explain.status_label.text() or "chunks" in explain.status_label.text()
    assert explain.panel.view.markup.count("lime-word") == sum(
        1 for t in explain.result["tokens"] if t["feature"] is not None and t["weight"] is not None
    )


def test_unknown_labels_warn_and_dataset_tab_names_fix_them(qtbot, main_window, tmp_path):
    """no/yes labels are not VADER's classes: the summary says so; the Dataset tab's names fix it."""
    from desktop_app.core.data.dataset import LoadOptions, load_dataset

    data = tmp_path / "binary.csv"
    data.write_text(
        "review,liked\nawful and boring,no\na lovely great film,yes\nterrible acting,no\n",
        encoding="utf-8",
    )
    tab = _tab(main_window, "predictTab")
    main_window.tabs.setCurrentWidget(tab)
    assert not tab.file.use_dataset_button.isEnabled()
    tab.file.load_file(str(data))
    qtbot.waitUntil(tab.file.batch_button.isEnabled, timeout=LONG_WAIT)
    with _job_result(qtbot, main_window, "predict_batch"):
        qtbot.mouseClick(tab.file.batch_button, Qt.MouseButton.LeftButton)
    assert "labels the model does not know" in tab.file.summary_label.text()
    assert "Accuracy" not in tab.file.summary_label.text()

    named = load_dataset(str(data), LoadOptions(label_names={"no": "negative", "yes": "positive"}))
    main_window.state.workspace.set_dataset(named)
    assert tab.file.use_dataset_button.isEnabled()
    qtbot.mouseClick(tab.file.use_dataset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "the Dataset tab: 3 texts" in tab.file.file_label.text(), timeout=LONG_WAIT
    )
    qtbot.waitUntil(tab.file.batch_button.isEnabled, timeout=LONG_WAIT)
    with _job_result(qtbot, main_window, "predict_batch"):
        qtbot.mouseClick(tab.file.batch_button, Qt.MouseButton.LeftButton)
    summary = tab.file.summary_label.text()
    assert "Accuracy 1.000 (" in summary
    # The file has two of VADER's three classes: the figures within them, and a warning.
    assert "Within the file's classes (negative, positive): accuracy <b>1.000" in summary
    assert "neutral" in summary.split("Within the file's classes")[1]


def test_batch_cancel_keeps_the_previous_table(qtbot, main_window, tmp_path):
    data = tmp_path / "many.csv"
    with data.open("w", encoding="utf-8") as handle:
        handle.write("text\n")
        for i in range(20000):
            handle.write(f"review {i}: the plot was good but the acting was rather poor\n")
    tab = _tab(main_window, "predictTab")
    tab.file.load_file(str(data))
    qtbot.waitUntil(tab.file.batch_button.isEnabled, timeout=LONG_WAIT)
    service = main_window.service
    with qtbot.waitSignal(service.progress, timeout=LONG_WAIT):
        qtbot.mouseClick(tab.file.batch_button, Qt.MouseButton.LeftButton)
    assert tab.file.batch_progress.isVisibleTo(tab)
    with qtbot.assertNotEmitted(service.result):
        with qtbot.waitSignal(service.cancelled, timeout=20000):
            qtbot.mouseClick(tab.file.batch_cancel_button, Qt.MouseButton.LeftButton)
    assert tab.file.batch_status.text().startswith("Cancelled")
    assert tab.file.table.model().rowCount() == 0
    assert tab.file.batch_button.isEnabled() and not tab.file.export_button.isEnabled()


def test_use_dataset_reads_the_open_projects_current_labels(qtbot, main_window, tmp_path):
    """With a project open, the button takes its rows with the labels they have at the click."""
    from desktop_app.core.project.store import ProjectStore

    rows = [
        {"text": "a lovely, wonderful film", "label": "positive"},
        {"text": "an awful, boring film", "label": "negative"},
        {"text": "a great and happy story", "label": None},
        {"text": "a terrible, sad waste", "label": None},
    ]
    store = ProjectStore.create(tmp_path / "p.sstudio", rows, labels=["negative", "positive"])
    workspace = main_window.state.workspace
    panel = _tab(main_window, "predictTab").file
    assert not panel.use_dataset_button.isEnabled()
    try:
        workspace.open_project(store)
        assert panel.use_dataset_button.isEnabled()
        qtbot.mouseClick(panel.use_dataset_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: panel.file_label.text() == "the project: 4 texts, 2 with a label",
            timeout=LONG_WAIT,
        )
        qtbot.waitUntil(panel.batch_button.isEnabled, timeout=LONG_WAIT)
        with _job_result(qtbot, main_window, "predict_batch"):
            qtbot.mouseClick(panel.batch_button, Qt.MouseButton.LeftButton)
        assert "on the 2 labelled rows" in panel.summary_label.text()

        # A label given meanwhile (as the Label tab does): the rows shown are marked as older,
        # and the next click takes the current labels.
        row_id = store.unlabelled_ids()[0]
        workspace.label(row_id, "positive", "tester")
        assert "changed since" in panel.file_label.text()
        qtbot.mouseClick(panel.use_dataset_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: panel.file_label.text() == "the project: 4 texts, 3 with a label",
            timeout=LONG_WAIT,
        )
        qtbot.waitUntil(panel.batch_button.isEnabled, timeout=LONG_WAIT)
        with _job_result(qtbot, main_window, "predict_batch"):
            qtbot.mouseClick(panel.batch_button, Qt.MouseButton.LeftButton)
        assert "on the 3 labelled rows" in panel.summary_label.text()
    finally:
        workspace.close_project()
        store.close()
    assert not panel.use_dataset_button.isEnabled()
