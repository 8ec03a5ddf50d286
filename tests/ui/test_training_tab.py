"""The Training tab, driven like a user: Start, watch, read metrics, click the matrix, Cancel, quit.

A tiny BiLSTM on a small generated CSV (tests/ui/training_helpers.py) keeps every run to a few
seconds.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from tests.ui.conftest import announce_model
from tests.ui.training_helpers import (
    MPL_WARNING,
    click,
    is_train,
    set_tiny_bilstm,
    split_dataset,
    training_tab,
    write_csv,
)

pytestmark = [MPL_WARNING, pytest.mark.usefixtures("quit_without_asking")]


@pytest.fixture
def dataset(tmp_path):
    return split_dataset(tmp_path)


def test_train_tiny_model_shows_plot_metrics_and_confusion_examples(
    qtbot, main_window, dataset, tmp_path, monkeypatch
):
    from desktop_app.ui.training import dialogs

    service = main_window.service
    main_window.state.workspace.set_dataset(dataset)
    tab = training_tab(main_window)
    assert "reviews.csv" in tab.dataset_label.text()
    set_tiny_bilstm(tab, epochs=2)

    with qtbot.assertNotEmitted(service.failed, wait=0):
        with qtbot.waitSignal(service.result, timeout=60000, check_params_cb=is_train) as got:
            click(qtbot, tab.start_button)
            assert not tab.start_button.isEnabled()
            assert tab.cancel_button.isEnabled()
        qtbot.waitUntil(lambda: tab.start_button.isEnabled(), timeout=10000)
    result = got.args[2]
    assert not result["cancelled"]

    # What the run was computed on: the file and its 60/20/20 split of 120 rows.
    run_line = tab.findChild(QLabel, "runDataLabel").text()
    assert "BiLSTM on reviews.csv (file): 72 train · 24 validation · 24 test texts" in run_line
    assert "BiLSTM on reviews.csv (file): 72 train · 24 validation · 24 test" in (
        tab.log_view.toPlainText()
    )

    # The live plot drew every step the worker reported, and one validation point per epoch.
    qtbot.waitUntil(
        lambda: tab.loss_plot.point_count() == len(result["history"]["steps"]), timeout=5000
    )
    assert tab.loss_plot.point_count() > 0
    assert tab.loss_plot.epoch_point_count() == 2

    # Metrics table: this model, the VADER baseline, one row per class.
    table = tab.metrics_view.table
    rows = [table.item(r, 0).text().strip() for r in range(table.rowCount())]
    assert rows == ["This model", "VADER baseline", "negative", "positive"]
    assert table.item(0, 1).text() == f"{result['metrics']['accuracy']:.3f}"
    summary = tab.metrics_view.summary.text()
    assert "Test accuracy" in summary and "truncated" in summary
    assert "truncated" in tab.log_view.toPlainText()

    # Confusion matrix: clicking the (true negative, predicted negative) cell lists its texts.
    confusion = tab.metrics_view.confusion
    qtbot.waitUntil(lambda: confusion.labels == ["negative", "positive"], timeout=5000)
    qtbot.waitUntil(lambda: not confusion.figure.stale, timeout=5000)
    x, y = confusion.cell_center(0, 0)
    qtbot.mouseClick(
        confusion.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(round(x)), int(round(y)))
    )
    expected = result["metrics"]["confusion_matrix"][0][0]
    assert expected > 0
    qtbot.waitUntil(lambda: not tab.metrics_view.cell_examples.controller.is_busy(), timeout=5000)
    examples = tab.metrics_view.examples_table.model()
    assert tab.metrics_view.pages.currentWidget() is tab.metrics_view.cell_examples
    assert examples.rowCount() == expected
    assert examples.index(0, 1).data() == "negative" and examples.index(0, 2).data() == "negative"
    assert examples.index(0, 3).data().endswith("%")

    # The status bar names the new model, kept as a run (nothing to lose on Quit); the
    # settings are remembered.
    assert "(not saved)" not in main_window.model_label.text()
    assert main_window.state.model_info["saved"] is True
    assert "Kept as run bilstm · reviews.csv · " in tab.log_view.toPlainText()
    stored = json.loads(main_window.settings.value("training/config"))
    assert stored["model"] == "bilstm" and stored["epochs"] == 2 and stored["threads"] == 1
    assert tab.current_config() == stored

    # Export model… into a folder that does not exist yet, then Load model… (dialogs
    # replaced).
    assert tab.save_button.text() == "Export model…"
    folder = tmp_path / "exports" / "saved-model"
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "choose_export_folder", lambda *args: str(folder))
    monkeypatch.setattr(dialogs, "choose_folder", lambda *args: str(folder))
    monkeypatch.setattr(dialogs, "ask_overwrite", lambda parent, text: asked.append(text))
    with qtbot.waitSignal(service.finished, timeout=30000):
        click(qtbot, tab.save_button)
    assert (folder / "training.json").is_file()
    assert asked == []  # a new folder: nothing to ask
    assert main_window.state.model_info["folder"] == str(folder)

    # Exporting there again asks first; "Cancel" leaves the folder as it was.
    before = (folder / "training.json").stat().st_mtime_ns
    click(qtbot, tab.save_button)
    assert len(asked) == 1 and "already holds a model" in asked[0]
    assert not tab.model_files.busy  # nothing was submitted
    assert (folder / "training.json").stat().st_mtime_ns == before
    assert "Export cancelled" in tab.log_view.toPlainText()
    with qtbot.waitSignal(
        service.result, timeout=30000, check_params_cb=lambda j, n, p: n == "load_model"
    ):
        click(qtbot, tab.load_button)
    assert main_window.state.model_info["folder"] == str(folder)
    assert main_window.state.model_info["kind"] == "bilstm"


def test_settings_come_back_in_a_new_window(qtbot, main_window, dataset):
    from desktop_app.ui.tabs.training_tab import TrainingTab

    tab = training_tab(main_window)
    set_tiny_bilstm(tab, epochs=3)
    tab.picker.vectors_edit.setText("/tmp/vectors.txt")
    tab.save_settings()
    again = TrainingTab(main_window.state)
    qtbot.addWidget(again)
    assert again.model_combo.currentData() == "bilstm"
    assert again.form.field("epochs").value() == 3
    assert again.current_config()["vectors_path"] == "/tmp/vectors.txt"
    assert again.threads_spin.value() == 1
    # Each model keeps its own values; MiniLM still shows its defaults.
    again.model_combo.setCurrentIndex(again.model_combo.findData("minilm"))
    assert again.current_config()["epochs"] == 4
    assert "hidden_size" not in again.form.shown()
    assert not again.form.field("hidden_size").isVisibleTo(again)


def test_cancel_stops_a_run(qtbot, main_window, dataset):
    service = main_window.service
    main_window.state.workspace.set_dataset(dataset)
    tab = training_tab(main_window)
    set_tiny_bilstm(tab, epochs=200, batch_size=2)

    with qtbot.waitSignal(
        service.partial, timeout=60000, check_params_cb=lambda j, k, p: k == "step"
    ):
        click(qtbot, tab.start_button)
    with qtbot.waitSignal(service.finished, timeout=20000):
        click(qtbot, tab.cancel_button)
    qtbot.waitUntil(lambda: tab.start_button.isEnabled(), timeout=5000)
    text = tab.metrics_view.summary.text() + tab.log_view.toPlainText()
    assert "Cancel" in text
    # Cancel lands in a training step or in the epoch's validation, depending on timing.
    log_text = tab.log_view.toPlainText()
    assert (
        "Training stopped by Cancel during epoch" in log_text
        or "Training stopped by Cancel while validating epoch" in log_text
        or "Cancelled before" in text
    ), log_text
    if "during epoch" in log_text:  # the results say it as a sentence too
        assert "Stopped by Cancel during epoch" in tab.metrics_view.summary.text()
        assert " of 200, after step " in tab.metrics_view.summary.text()
    assert tab.progress_label.text().startswith("Cancelled")
    assert not service.is_busy()


def test_start_refuses_without_usable_data(qtbot, main_window, tmp_path):
    from desktop_app.core.data.dataset import load_dataset

    service = main_window.service
    tab = training_tab(main_window)
    click(qtbot, tab.start_button)
    assert "No dataset is open" in tab.log_view.toPlainText()

    one_class = load_dataset(write_csv(tmp_path / "one.csv", rows=30, labels=("positive",)))
    main_window.state.workspace.set_dataset(one_class)
    click(qtbot, tab.start_button)
    assert "only one class (positive)" in tab.log_view.toPlainText()

    few = load_dataset(write_csv(tmp_path / "few.csv", rows=5))
    main_window.state.workspace.set_dataset(few)
    set_tiny_bilstm(tab)
    click(qtbot, tab.start_button)
    assert "Only 5 labelled texts: too few" in tab.log_view.toPlainText()

    boxes = [b for b in main_window.findChildren(QMessageBox) if b.objectName() == "errorDialog"]
    assert len(boxes) == 3 and boxes[-1].windowTitle() == "Cannot start training"
    assert tab.start_button.isEnabled() and not tab.is_training()

    # Twelve rows, not split yet: Start splits them 80/10/10 (stratified, seed 0) and trains.
    unsplit = load_dataset(write_csv(tmp_path / "unsplit.csv", rows=12))
    main_window.state.workspace.set_dataset(unsplit)
    assert "not split yet" in tab.dataset_label.text()
    set_tiny_bilstm(tab, epochs=1)
    with qtbot.waitSignal(service.result, timeout=60000, check_params_cb=is_train) as got:
        click(qtbot, tab.start_button)
    assert "not split yet: using a stratified 80/10/10 split" in tab.log_view.toPlainText()
    assert (
        sum(got.args[2]["metrics"]["confusion_matrix"][0])
        + sum(got.args[2]["metrics"]["confusion_matrix"][1])
        == 1
    )  # 10% of 12 rows
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)


def test_closing_while_training_asks_then_exits_cleanly(
    qtbot, main_window, dataset, monkeypatch, quit_without_asking
):
    from desktop_app.ui.training import dialogs

    service = main_window.service
    main_window.state.workspace.set_dataset(dataset)
    tab = training_tab(main_window)
    set_tiny_bilstm(tab, epochs=200, batch_size=2)
    with qtbot.waitSignal(
        service.partial, timeout=60000, check_params_cb=lambda j, k, p: k == "step"
    ):
        click(qtbot, tab.start_button)

    # "Cancel" in the question: the window stays and training goes on.
    monkeypatch.setattr(dialogs, "ask_quit", lambda parent, text: False)
    main_window.close()
    assert main_window.isVisible() and tab.is_training()
    assert service.thread.isRunning()

    # "Quit anyway": the run is cancelled, the worker thread stops, the window closes.
    asked = quit_without_asking
    monkeypatch.setattr(dialogs, "ask_quit", lambda parent, text: asked.append(text) or True)
    main_window.close()
    assert asked and "still training" in asked[0]
    assert not main_window.isVisible()
    assert not service.thread.isRunning()


def test_only_a_model_whose_run_was_not_kept_asks_before_quitting(
    qtbot, main_window, quit_without_asking
):
    tab = training_tab(main_window)
    # saved False: the run could not be kept (the runs folder was not writable).
    announce_model(main_window, {"name": "BiLSTM", "kind": "bilstm", "saved": False})
    assert "not kept as a run" in tab.model_label.text()
    assert tab.confirm_close() is True
    assert quit_without_asking == [
        "BiLSTM could not be kept as a run and is not exported. Quit anyway and lose it?"
    ]
    announce_model(main_window, {"name": "BiLSTM", "kind": "bilstm", "saved": True})
    assert tab.confirm_close() is True
    assert len(quit_without_asking) == 1  # a saved model: no question


def test_ctrl_t_brings_the_tab_forward(qtbot, main_window):
    from PySide6.QtWidgets import QApplication

    tab = main_window.tab_widgets["trainingTab"]
    main_window.tabs.setCurrentWidget(main_window.tab_widgets["datasetTab"])
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window, timeout=5000)
    qtbot.keyClick(main_window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert main_window.tabs.currentWidget() is tab
    assert tab.start_button.hasFocus()
