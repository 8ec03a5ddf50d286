"""The Training tab's Runs page: every run is kept; loading one brings back its results as
they were; two runs compare side by side; rename, pin and delete write to the registry."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tests.ui.training_helpers import (
    MPL_WARNING,
    click,
    is_train,
    set_tiny_bilstm,
    split_dataset,
    training_tab,
)

pytestmark = [MPL_WARNING, pytest.mark.usefixtures("quit_without_asking")]


def _train(qtbot, tab, epochs: int) -> dict:
    # The Dataset tab looks for NLTK corpora in the background at start-up; importing nltk
    # there and for the BiLSTM's tokenizer at once trips nltk's circular imports.
    dataset_tab = tab.window().tab_widgets["datasetTab"]
    qtbot.waitUntil(lambda: dataset_tab.sample_corpora is not None, timeout=30000)
    set_tiny_bilstm(tab, epochs=epochs)
    with qtbot.waitSignal(tab.state.service.result, timeout=60000, check_params_cb=is_train) as got:
        click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)
    return got.args[2]


def _show_runs(qtbot, tab):
    tab.right_tabs.setCurrentWidget(tab.runs_view)
    qtbot.waitUntil(tab.runs_view.isVisible, timeout=5000)
    return tab.runs_view


def _row_texts(view, column: int) -> list[str]:
    model = view.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_runs_are_kept_loaded_and_compared(qtbot, main_window, tmp_path, monkeypatch):
    from desktop_app.core.runs.registry import default_runs_folder
    from desktop_app.ui.training import dialogs
    from desktop_app.ui.training.runs_model import ACCURACY, NAME, PINNED

    service = main_window.service
    main_window.state.workspace.set_dataset(split_dataset(tmp_path))
    tab = training_tab(main_window)
    first = _train(qtbot, tab, epochs=1)
    second = _train(qtbot, tab, epochs=2)
    assert first["run"]["id"] != second["run"]["id"]

    view = _show_runs(qtbot, tab)
    assert view.registry.folder == default_runs_folder()
    assert view.model.rowCount() == 2  # newest first
    ids = [view.model.record(r).id for r in range(2)]
    assert ids == [second["run"]["id"], first["run"]["id"]]
    assert "2 runs (0 pinned) take" in view.place_label.text()
    assert " MB" in view.place_label.text() or " kB" in view.place_label.text()
    # 24 test rows: accuracy carries its 95 % interval.
    accuracy = _row_texts(view, ACCURACY)[1]
    assert accuracy.startswith(f"{first['metrics']['accuracy']:.3f} (") and "n = 24" in accuracy

    # Load the first run: it becomes the current model and its results reappear as they were
    # (the second run's results were on screen).
    view.select_ids([first["run"]["id"]])
    assert view.load_button.isEnabled() and not view.compare_button.isEnabled()
    with qtbot.waitSignal(
        service.result, timeout=30000, check_params_cb=lambda j, n, p: n == "load_run"
    ):
        click(qtbot, view.load_button)
    qtbot.waitUntil(lambda: tab.right_tabs.currentWidget() is tab.run_panel, timeout=5000)
    table = tab.metrics_view.table
    assert table.item(0, 1).text() == f"{first['metrics']['accuracy']:.3f}"
    assert table.item(0, 2).text() == f"{first['metrics']['macro_f1']:.3f}"
    assert "n = 24" in tab.metrics_view.summary.text()
    expected = first["metrics"]["confusion_matrix"]
    # the matrix is drawn on the next turn of the event loop, after the table
    qtbot.waitUntil(lambda: tab.metrics_view.confusion.matrix == expected, timeout=5000)
    qtbot.waitUntil(
        lambda: tab.loss_plot.point_count() == len(first["history"]["steps"]), timeout=5000
    )
    assert tab.loss_plot.epoch_point_count() == 1
    run_line = tab.run_panel.run_label.text()
    assert first["run"]["name"] in run_line and "72 train · 24 validation · 24 test" in run_line
    assert not tab.run_panel.stale()
    info = main_window.state.model_info
    assert info["folder"].endswith(f"{first['run']['id']}/model") and info["saved"] is True

    # Compare the two: A is the older run, B the newer; the verdict is in words.
    view = _show_runs(qtbot, tab)
    view.select_ids(ids)
    assert view.compare_button.isEnabled() and not view.load_button.isEnabled()
    click(qtbot, view.compare_button)
    panel = view.compare_panel
    assert panel.isVisible()
    assert first["run"]["id"] in panel.title.text().split("B</b>")[0]
    verdict = panel.verdict.text()
    assert "no significant difference" in verdict or "is better on this test split" in verdict
    assert "McNemar's exact test on the 24 test rows" in verdict
    rows = [panel.table.item(r, 0).text().strip() for r in range(panel.table.rowCount())]
    assert rows[:2] == ["Test accuracy", "Test macro-F1"]
    assert panel.table.item(0, 1).text().startswith(f"{first['metrics']['accuracy']:.3f}")
    assert panel.table.item(0, 2).text().startswith(f"{second['metrics']['accuracy']:.3f}")
    diff = second["metrics"]["accuracy"] - first["metrics"]["accuracy"]
    assert panel.table.item(0, 3).text() == f"{diff:+.3f}"
    assert panel.line_count() == 4  # training and validation loss of each run

    # Rename inline (F2), pin with the button: both written to the run's run.json.
    row = view.model.row_of(first["run"]["id"])
    view.select_ids([first["run"]["id"]])
    view.table.setCurrentIndex(view.model.index(row, NAME))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    editor = view.table.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == first["run"]["name"]
    editor.selectAll()
    qtbot.keyClicks(editor, "baseline, one epoch")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop
    qtbot.waitUntil(lambda: view.model.index(row, NAME).data() == "baseline, one epoch")
    record = view.model.record(view.model.row_of(first["run"]["id"]))
    saved = json.loads((record.folder / "run.json").read_text(encoding="utf-8"))
    assert saved["name"] == "baseline, one epoch"
    click(qtbot, view.pin_button)
    assert view.model.index(row, PINNED).data(Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Checked
    )
    assert json.loads((record.folder / "run.json").read_text(encoding="utf-8"))["pinned"]
    assert view.pin_button.text() == "Unpin"

    # Delete asks; "Cancel" keeps the run, "Delete" removes it and its files.
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_delete_runs", lambda parent, text: asked.append(text))
    view.select_ids([second["run"]["id"]])
    click(qtbot, view.delete_button)
    assert len(asked) == 1 and view.model.rowCount() == 2
    monkeypatch.setattr(dialogs, "ask_delete_runs", lambda parent, text: True)
    folder = view.model.record(view.model.row_of(second["run"]["id"])).folder
    click(qtbot, view.delete_button)
    assert view.model.rowCount() == 1 and not folder.exists()
    assert _row_texts(view, NAME) == ["baseline, one epoch"]


def test_a_projects_runs_stay_with_the_project(qtbot, main_window, tmp_path):
    from desktop_app.core.project.store import ProjectStore
    from desktop_app.core.runs.registry import project_runs_folder

    dataset = split_dataset(tmp_path)
    path = tmp_path / "reviews.sstudio"
    store = ProjectStore.create(path, dataset, labels=["negative", "positive"])
    main_window.state.workspace.open_project(store)
    tab = training_tab(main_window)
    result = _train(qtbot, tab, epochs=1)
    view = _show_runs(qtbot, tab)
    assert view.registry.folder == project_runs_folder(path)
    assert [view.model.record(r).id for r in range(view.model.rowCount())] == [result["run"]["id"]]
    assert "this project's runs" in view.place_label.text()
    assert (project_runs_folder(path) / result["run"]["id"] / "model" / "training.json").is_file()
    main_window.state.workspace.close_project()
    store.close()


def test_export_dialog_takes_a_folder_that_does_not_exist_yet(qtbot, tmp_path):
    """Qt's own folder dialog refuses a new name ("Directory not found"); ours takes it."""
    from desktop_app.ui.training.dialogs import ExportFolderDialog

    dialog = ExportFolderDialog(None, "Export the model into a folder", str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.selectFile(str(tmp_path / "new-model"))
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.chosen == str(tmp_path / "new-model")
    assert not (tmp_path / "new-model").exists()  # the export creates it, not the dialog

    existing = tmp_path / "old-model"
    existing.mkdir()
    dialog = ExportFolderDialog(None, "Export the model into a folder", str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.selectFile(str(existing))
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.chosen == str(existing)
