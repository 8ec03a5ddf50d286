"""The Dataset tab, driven as a user would: open, read the table and charts, re-pick, split, cancel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QMessageBox

ROOT = Path(__file__).resolve().parents[2]

ROWS = [
    ("I loved this film, wonderful acting", "positive", "1"),
    ("Terrible plot and worse dialogue", "negative", "0"),
    ("It was fine, nothing special", "neutral", "1"),
    ("Best thing I have seen all year", "positive", "1"),
    ("A boring, dull waste of time", "negative", "0"),
    ("Great soundtrack and lovely photography", "positive", "1"),
    ("I want my money back", "negative", "0"),
    ("Average; some good scenes, some bad", "neutral", "0"),
    ("Brilliant from start to finish", "positive", "1"),
    ("Awful. Just awful.", "negative", "0"),
    ("Charming and funny", "positive", "1"),
    ("The worst sequel ever made", "negative", "0"),
]


def _write_csv(path: Path, rows=ROWS) -> Path:
    lines = ["review,sentiment,liked"]
    lines += [f'"{t}",{label},{liked}' for t, label, liked in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    return _write_csv(tmp_path / "reviews.csv")


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300,000 rows (~15 MB): big enough that a load takes a while and can be cancelled."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    words = ["good", "bad", "movie", "plot", "acting", "great", "boring", "fun", "slow", "fine"]
    labels = ["positive", "negative", "neutral"]
    lines = ["text,label"]
    lines += [
        f"{words[i % 10]} {words[(i * 7) % 10]} {words[(i * 3) % 10]} review number {i},"
        f"{labels[i % 3]}"
        for i in range(300_000)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _bar_count(chart) -> int:
    """Bars drawn on a PlotCanvas (0 before it has drawn anything)."""
    figure = chart.figure
    return len(figure.axes[0].patches) if figure is not None and figure.axes else 0


def _colours(widget) -> int:
    """Distinct colours on a grid of the widget's painted pixels (1 for a blank widget)."""
    image = widget.grab().toImage()
    step = 7
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def _error_box() -> QMessageBox:
    """The error dialog on screen now (exactly one)."""
    boxes = [
        w
        for w in QApplication.topLevelWidgets()
        if w.objectName() == "errorDialog" and w.isVisible()
    ]
    assert len(boxes) == 1, "one error dialog is shown"
    assert isinstance(boxes[0], QMessageBox)
    return boxes[0]


def _combo(tab, name: str) -> QComboBox:
    combo = tab.findChild(QComboBox, name)
    assert combo is not None, name
    return combo


def _buddy_label(tab, widget) -> QLabel:
    """The label that names ``widget`` on screen."""
    return next(label for label in tab.findChildren(QLabel) if label.buddy() is widget)


def _tab(window):
    return window.tab_widgets["datasetTab"]


def _wait_idle(qtbot, tab, timeout: int = 20000) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=timeout)


def _open(qtbot, window, path: Path | str) -> None:
    tab = _tab(window)
    window.open_path(str(path))
    assert tab.cancel_button.isVisible(), "a load shows its Cancel button"
    _wait_idle(qtbot, tab)


def test_open_csv_shows_rows_classes_and_charts(qtbot, main_window, small_csv):
    tab = _tab(main_window)
    assert "No data" in tab.file_label.text()
    workspace = main_window.state.workspace
    with qtbot.waitSignal(workspace.changed, timeout=20000) as blocker:
        main_window.open_path(str(small_csv))
    assert blocker.args[0]["what"] == "dataset" and blocker.args[0]["source"] == "file"
    assert len(workspace.dataset) == 12
    _wait_idle(qtbot, tab)

    assert main_window.tabs.currentWidget() is tab
    assert tab.file_label.text() == "reviews.csv"
    assert tab.table.model().rowCount() == 12
    assert tab.row_count_label.text().startswith("12 rows · 3 classes")
    first = tab.table.model().index(0, 1).data()
    assert first == "I loved this film, wonderful acting"
    assert _combo(tab, "textColumnCombo").currentText() == "review"
    assert _combo(tab, "labelColumnCombo").currentText() == "sentiment"
    summary = tab.summary.toPlainText()
    assert "positive" in summary and "5 (41.7%)" in summary
    assert "Encoding" in summary and "utf-8" in summary.lower()
    assert "comma" in summary

    # The bar chart has one bar per class with the counts on top; the histogram has bars.
    class_axes = tab.charts.class_chart.figure.axes[0]
    assert sorted(int(p.get_height()) for p in class_axes.patches) == [2, 5, 5]
    ticks = [t.get_text() for t in class_axes.get_xticklabels()]
    assert sorted(ticks) == ["negative", "neutral", "positive"]
    # The histogram is drawn a moment later (one figure per event-loop turn).
    qtbot.waitUntil(lambda: _bar_count(tab.charts.length_chart) > 1, timeout=5000)
    # Both charts are on screen (drawn on the loader thread, painted here).
    for chart in (tab.charts.class_chart, tab.charts.length_chart):
        assert _colours(chart) > 3, chart.objectName()

    # Every labelled row is in a split; the Total column adds up per class.
    assert tab.split_panel.count("Total", "total") == 12
    assert tab.split_panel.count("positive", "total") == 5
    # The recent-files menu remembers it.
    assert main_window.recent_files()[0] == str(small_csv.resolve())


def test_change_label_column_and_rename_labels(qtbot, main_window, small_csv):
    tab = _tab(main_window)
    _open(qtbot, main_window, small_csv)
    combo = _combo(tab, "labelColumnCombo")
    index = combo.findText("liked")
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # what a user's pick emits
    _wait_idle(qtbot, tab)
    assert tab.row_count_label.text().startswith("12 rows · 2 classes")
    axes = tab.charts.class_chart.figure.axes[0]
    assert sorted(int(p.get_height()) for p in axes.patches) == [6, 6]

    # The label-name editor lists the raw values; renaming them renames the classes.
    editor = tab.label_editor
    values = {editor.table.item(r, 0).text(): r for r in range(editor.table.rowCount())}
    assert set(values) == {"0", "1"}
    editor.table.item(values["0"], 2).setText("disliked")
    editor.table.item(values["1"], 2).setText("liked it")
    assert editor.apply_button.isEnabled()
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, tab)
    ticks = sorted(t.get_text() for t in tab.charts.class_chart.figure.axes[0].get_xticklabels())
    assert ticks == ["disliked", "liked it"]
    assert sorted(main_window.state.workspace.dataset.labels) == ["disliked", "liked it"]


def test_resplit_shows_new_counts(qtbot, main_window, tmp_path):
    rows = [(f"text number {i}", "positive" if i % 2 else "negative", "1") for i in range(40)]
    tab = _tab(main_window)
    _open(qtbot, main_window, _write_csv(tmp_path / "forty.csv", rows))
    panel = tab.split_panel
    panel.spins["train"].setValue(0.5)
    panel.spins["validation"].setValue(0.25)
    panel.spins["test"].setValue(0.25)
    assert panel.split_button.isEnabled()
    with qtbot.waitSignal(main_window.state.workspace.changed, timeout=20000):
        qtbot.mouseClick(panel.split_button, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, tab)
    assert panel.count("Total", "train") == 20
    assert panel.count("Total", "validation") == 10
    assert panel.count("Total", "test") == 10
    assert panel.count("positive", "train") == 10
    shown = {tab.table.model().index(r, 3).data() for r in range(40)}
    assert shown == {"train", "validation", "test"}

    # Fractions that do not add up to 1 are refused with a message.
    panel.spins["train"].setValue(0.9)
    assert not panel.split_button.isEnabled()
    assert "1.00" in panel.problem.text()


def test_cancel_large_load_keeps_previous_data(qtbot, main_window, small_csv, big_csv):
    tab = _tab(main_window)
    _open(qtbot, main_window, small_csv)
    before = main_window.state.workspace.dataset
    main_window.open_path(str(big_csv))
    assert tab.cancel_button.isVisible()
    qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, tab)
    assert (
        "Cancelled; the previous data is still loaded" in main_window.statusBar().currentMessage()
    )
    assert not tab.cancel_button.isVisible()
    assert not tab.progress.isVisible()
    assert tab.table.model().rowCount() == 12
    assert tab.file_label.text() == "reviews.csv"
    assert main_window.state.workspace.dataset is before


def test_cancel_first_load_returns_to_empty_page(qtbot, main_window, big_csv):
    tab = _tab(main_window)
    main_window.open_path(str(big_csv))
    tab.cancel()
    _wait_idle(qtbot, tab)
    assert tab.stack.currentWidget().objectName() == "datasetEmptyPage"
    assert main_window.state.workspace.dataset is None


def test_bad_file_shows_plain_error_and_keeps_tab(qtbot, main_window, tmp_path):
    tab = _tab(main_window)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    main_window.open_path(str(empty))
    _wait_idle(qtbot, tab)
    box = _error_box()
    assert "empty" in box.text().lower()
    assert box.detailedText() == "", "an expected error shows no traceback"
    box.close()
    assert main_window.state.workspace.dataset is None
    assert tab.stack.currentWidget().objectName() == "datasetEmptyPage"


def test_drop_a_file_opens_it(qtbot, main_window, small_csv):
    tab = _tab(main_window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(small_csv))])
    event = QDropEvent(
        QPointF(QPoint(50, 50)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    main_window.dropEvent(event)
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 12


def test_close_while_loading_stops_the_loader(qtbot, main_window, big_csv):
    tab = _tab(main_window)
    main_window.open_path(str(big_csv))
    assert tab.is_busy()
    main_window.close()
    assert not tab.runner.is_busy()
    assert not main_window.service.thread.isRunning()


START_SCRIPT = textwrap.dedent(
    """
    import json, sys, threading

    MAIN = threading.main_thread()
    imported_on = {}

    class Spy:
        # Records which thread first imports each heavy package.
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            heavy = ("torch", "transformers", "pandas", "matplotlib", "sklearn", "nltk")
            if top in heavy and top not in imported_on:
                imported_on[top] = "main" if threading.current_thread() is MAIN else "other"
            return None

    sys.meta_path.insert(0, Spy())

    from PySide6.QtWidgets import QApplication

    def fake_exec(app=None):
        app = QApplication.instance()
        window = next(w for w in app.topLevelWidgets() if w.objectName() == "mainWindow")
        tab = window.tab_widgets["datasetTab"]
        import time
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            tab.is_busy() or window.device_label.text().startswith("Device: loading")
        ):
            app.processEvents()
            time.sleep(0.01)
        result = {
            "imported_on": imported_on,
            "rows": tab.table.model().rowCount(),
            "device": window.device_label.text(),
        }
        window.close()
        print("RESULT " + json.dumps(result))
        return 0

    QApplication.exec = fake_exec
    from desktop_app.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_command_line_path_opens_and_torch_loads_off_the_gui_thread(small_csv, _isolated_home):
    """`sentiment-studio FILE` opens FILE; the GUI thread never imports torch or transformers."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(_isolated_home))
    proc = subprocess.run(
        [sys.executable, "-c", START_SCRIPT, str(small_csv)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    result = json.loads(lines[-1][len("RESULT ") :])
    # torch, pandas and matplotlib were imported, and none of them by the GUI thread...
    imported_on = result["imported_on"]
    for name in ("torch", "pandas", "matplotlib"):
        assert imported_on.get(name) == "other", result
    for name in ("transformers", "sklearn", "nltk"):  # may still be loading: never on main
        assert imported_on.get(name, "other") == "other", result
    # ...and the file named on the command line is open once its loader finished.
    assert result["rows"] == 12, result
    assert result["device"].startswith("Device: ") and "loading" not in result["device"]


def test_open_sample_menu_opens_an_nltk_corpus(qtbot, main_window, shared_data, monkeypatch):
    import nltk

    monkeypatch.setattr(nltk.data, "path", [str(shared_data / "nltk_data"), *nltk.data.path])
    tab = _tab(main_window)
    # The corpora are looked up on the loader thread after start-up, never when the menu opens.
    qtbot.waitUntil(lambda: tab.sample_corpora is not None, timeout=30000)
    tab.sample_corpora = ["sentence_polarity"]  # what the look-up finds with this data path
    main_window.sample_menu.aboutToShow.emit()
    actions = {a.text(): a for a in main_window.sample_menu.actions()}
    assert list(actions) == ["sentence_polarity"]
    actions["sentence_polarity"].trigger()
    _wait_idle(qtbot, tab)
    assert tab.file_label.text() == "NLTK corpus sentence_polarity"
    assert tab.row_count_label.text().startswith("10,662 rows · 2 classes")
    assert main_window.recent_files()[0] == "nltk:sentence_polarity"


def test_header_and_encoding_overrides_read_the_file_again(qtbot, main_window, tmp_path):
    path = tmp_path / "legacy.csv"
    lines = ["review;sentiment"] + [
        f"crème brûlée number {i};{'pos' if i % 2 else 'neg'}" for i in range(9)
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    tab = _tab(main_window)
    _open(qtbot, main_window, path)
    assert tab.row_count_label.text().startswith("9 rows · 2 classes")
    assert _combo(tab, "delimiterCombo").itemText(0) == "Auto (semicolon)"
    assert "1252" in _combo(tab, "encodingCombo").itemText(0)
    assert tab.table.model().index(0, 1).data() == "crème brûlée number 0"

    # Header row: no -> the header line becomes a row and the columns get numbers.
    combo = _combo(tab, "headerCombo")
    combo.setCurrentIndex(combo.findText("no"))
    combo.activated.emit(combo.currentIndex())
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 10
    assert _combo(tab, "textColumnCombo").currentText() == "column 1"
    assert _combo(tab, "headerCombo").currentText() == "no"

    # Encoding: reading the Windows-1252 bytes as Latin-1 changes nothing visible here, but
    # the report says which encoding was used.
    combo = _combo(tab, "encodingCombo")
    combo.setCurrentIndex(combo.findData("latin-1"))
    combo.activated.emit(combo.currentIndex())
    _wait_idle(qtbot, tab)
    summary = tab.summary.toPlainText().lower()
    assert "windows-1252" not in summary
    assert "8859-1" in summary or "latin" in summary
    assert tab.table.model().rowCount() == 10


def test_unexpected_error_shows_details(qtbot, main_window, small_csv, monkeypatch):
    from desktop_app.ui import dataset_jobs

    def broken(dataset):
        raise RuntimeError("statistics exploded")

    monkeypatch.setattr(dataset_jobs, "prepare", broken)
    tab = _tab(main_window)
    main_window.open_path(str(small_csv))
    _wait_idle(qtbot, tab)
    box = _error_box()
    assert "RuntimeError: statistics exploded" in box.text()
    assert "statistics exploded" in box.detailedText() and "Traceback" in box.detailedText()
    box.close()
    assert tab.stack.currentWidget().objectName() == "datasetEmptyPage"


def test_load_warnings_show_in_a_banner_above_the_table(qtbot, main_window, tmp_path):
    rows = [(f"text number {i}", "positive" if i % 2 else "negative", "1") for i in range(40)]
    clean = _write_csv(tmp_path / "clean.csv", rows)
    tab = _tab(main_window)
    _open(qtbot, main_window, clean)
    assert not tab.warning_banner.isVisible(), "a clean file shows no banner"
    assert not _combo(tab, "sheetCombo").isVisible(), "a CSV has no sheets to pick"

    lines = ["text,label"]
    for n in range(2, 31):
        text = {5: '"Best film ever', 11: 'I said "no" twice'}.get(n, f"review {n} was fine")
        lines.append(f"{text},{'pos' if n % 2 else 'neg'}")
    stray = tmp_path / "stray.csv"
    stray.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _open(qtbot, main_window, stray)
    assert tab.table.model().rowCount() == 23
    banner = tab.warning_banner
    assert banner.isVisible()
    assert banner.y() < tab.table.y(), "the banner sits above the table"
    shown = banner.text()
    assert "1 warning" in shown and "merged lines 5-11 into one row" in shown
    assert "lines 5-11" in tab.summary.toPlainText().split("Statistics")[0]
    tab.side.setCurrentWidget(tab.split_panel)
    banner.linkActivated.emit("#details")  # what clicking "details" emits
    assert tab.side.currentWidget() is tab.summary

    _open(qtbot, main_window, clean)
    assert not banner.isVisible(), "the next clean file hides the banner again"


def test_sheet_picker_reads_another_sheet(qtbot, main_window, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book.active["A1"] = "Read me: the reviews are on the next sheet."
    sheet = book.create_sheet("Data")
    sheet.append(["review", "sentiment"])
    for text, label, _liked in ROWS:
        sheet.append([text, label])
    path = tmp_path / "book.xlsx"
    book.save(path)

    tab = _tab(main_window)
    _open(qtbot, main_window, path)
    combo = _combo(tab, "sheetCombo")
    assert combo.isVisible() and _buddy_label(tab, combo).isVisible()
    assert [combo.itemText(i) for i in range(combo.count())] == ["Read me", "Data"]
    assert combo.currentText() == "Data"
    assert tab.table.model().rowCount() == 12
    assert _combo(tab, "textColumnCombo").currentText() == "review"
    assert "not the first sheet 'Read me'" in tab.warning_banner.text()
    assert "Sheet" in tab.summary.toPlainText()

    combo.setCurrentIndex(combo.findText("Read me"))
    combo.activated.emit(combo.currentIndex())  # what a user's pick emits
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 1
    assert tab.table.model().index(0, 1).data() == "Read me: the reviews are on the next sheet."
    assert combo.currentText() == "Read me"
    assert _combo(tab, "textColumnCombo").currentText() == "column 1"
    assert "not the first sheet" not in tab.warning_banner.text()
    assert main_window.state.workspace.dataset.report.sheet == "Read me"


def test_delimiter_box_takes_any_single_character(qtbot, main_window, tmp_path):
    """The raw Financial PhraseBank file is ``sentence@label``: type @ as the delimiter."""
    path = tmp_path / "Sentences_AllAgree.txt"
    sentences = [
        ("Operating profit rose to EUR 13.1 mn from EUR 8.7 mn , the company said .", "positive"),
        ("The company , based in Helsinki , employs 50 people .", "neutral"),
        ("Net sales decreased by 5 % , and the outlook is weak .", "negative"),
        ("The order is worth EUR 2 mn .", "neutral"),
        ("Profit before taxes doubled .", "positive"),
        ("Sales fell sharply in Finland .", "negative"),
    ]
    path.write_text("\n".join(f"{s}@{label}" for s, label in sentences) + "\n", "latin-1")
    tab = _tab(main_window)
    _open(qtbot, main_window, path)
    assert tab.row_count_label.text().startswith("6 rows · 0 classes"), "read as plain lines"

    combo = _combo(tab, "delimiterCombo")
    assert combo.isEditable()
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "@")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 6
    assert tab.table.model().index(1, 1).data() == sentences[1][0]
    assert tab.row_count_label.text().startswith("6 rows · 3 classes")
    assert combo.currentText() == "'@'" and combo.currentData() == "@"
    assert "'@'" in tab.summary.toPlainText()

    # More than one character is refused with a message; the file stays as read.
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "@@")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    assert "must be one character" in main_window.statusBar().currentMessage()
    assert combo.currentText() == "'@'"
    assert not tab.is_busy() and tab.table.model().rowCount() == 6


def test_a_data_set_loaded_elsewhere_is_shown(qtbot, main_window, small_csv):
    """The workspace owns the data: whatever file it holds, the Dataset tab shows."""
    from desktop_app.core.data.dataset import load_dataset

    tab = _tab(main_window)
    main_window.tabs.setCurrentWidget(tab)
    main_window.state.workspace.set_dataset(load_dataset(str(small_csv)))
    qtbot.waitUntil(lambda: tab.file_label.text() == "reviews.csv", timeout=20000)
    _wait_idle(qtbot, tab)
    assert tab.table.model().rowCount() == 12
    assert tab.row_count_label.text().startswith("12 rows · 3 classes")
