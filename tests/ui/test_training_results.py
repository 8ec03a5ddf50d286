"""The Training tab's results belong to a model: when another model arrives they are marked.

And the results stay readable: class names whole and apart in the confusion matrix.
"""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtWidgets import QLabel

from tests.ui.training_helpers import (
    MPL_WARNING,
    click,
    is_train,
    set_tiny_bilstm,
    split_dataset,
    training_tab,
)

pytestmark = [MPL_WARNING, pytest.mark.usefixtures("quit_without_asking")]


@pytest.fixture
def dataset(tmp_path):
    return split_dataset(tmp_path)


def _banner(tab) -> QLabel:
    return tab.findChild(QLabel, "staleResultsBanner")


def _train(qtbot, tab, service) -> dict:
    with qtbot.waitSignal(service.result, timeout=60000, check_params_cb=is_train) as got:
        click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)
    return got.args[2]


def _model_job(qtbot, service, name: str, params: dict) -> None:
    with qtbot.waitSignal(service.model_changed, timeout=30000):
        service.submit(name, params)


def test_results_are_marked_when_another_model_arrives(
    qtbot, main_window, dataset, tmp_path, monkeypatch
):
    from desktop_app.ui.training import dialogs

    service = main_window.service
    main_window.state.workspace.set_dataset(dataset)
    tab = training_tab(main_window)
    set_tiny_bilstm(tab, epochs=1)
    result = _train(qtbot, tab, service)
    banner = _banner(tab)
    assert banner.isHidden()  # the results are the current model's
    accuracy = f"{result['metrics']['accuracy']:.3f}"
    assert tab.metrics_view.table.item(0, 1).text() == accuracy

    # Saving keeps the model (and its id): nothing to mark.
    folder = tmp_path / "bilstm-model"
    folder.mkdir()
    monkeypatch.setattr(dialogs, "choose_export_folder", lambda *args: str(folder))
    monkeypatch.setattr(dialogs, "choose_folder", lambda *args: str(folder))
    with qtbot.waitSignal(service.finished, timeout=30000):
        click(qtbot, tab.save_button)
    assert banner.isHidden()

    # Reset to VADER (as the Predict tab or a project without a model does): marked.
    _model_job(qtbot, service, "use_vader", {})
    assert banner.isVisible()
    assert "From model BiLSTM" in banner.text() and "VADER" in banner.text()
    assert tab.metrics_view.table.item(0, 1).text() == accuracy  # kept, for comparison
    assert "the results shown are from BiLSTM" in tab.log_view.toPlainText()

    # Loading a model (even the same folder: a new model object) keeps the mark.
    with qtbot.waitSignal(service.model_changed, timeout=30000):
        click(qtbot, tab.load_button)
    assert banner.isVisible() and "From model BiLSTM" in banner.text()

    # A new run clears the mark; its results are the new current model's.
    _train(qtbot, tab, service)
    assert banner.isHidden()

    # Retrained elsewhere (the Label tab's "Retrain with my labels" submits a train job).
    from desktop_app.core.training.data import TrainData

    data = TrainData.from_dataset(dataset)
    config = dict(tab.current_config(), epochs=1)
    _model_job(qtbot, service, "train", {"config": config, "data": data.to_dict()})
    assert banner.isVisible() and "From model BiLSTM" in banner.text()


def test_confusion_matrix_class_names_are_whole_and_apart(qtbot, main_window):
    """Three long-ish class names at the default window size: every name shows in full,
    inside the chart, and no two overlap."""
    tab = training_tab(main_window)
    labels = ["very negative", "negative", "neutral", "positive", "very positive"]
    n = len(labels)
    matrix = [[5 if i == j else 1 for j in range(n)] for i in range(n)]
    per_class = {
        label: {"precision": 0.7, "recall": 0.6, "f1": 0.65, "support": 9} for label in labels
    }
    result = {
        "metrics": {
            "accuracy": 0.6,
            "macro_f1": 0.6,
            "labels": labels,
            "per_class": per_class,
            "confusion_matrix": matrix,
        },
        "model_info": {"name": "BiLSTM", "kind": "bilstm"},
        "test_examples": [],
    }
    view = tab.metrics_view
    view.show_result(result)
    confusion = view.confusion
    qtbot.waitUntil(lambda: bool(confusion.labels) and not confusion.figure.stale, timeout=5000)
    renderer = confusion.canvas.get_renderer()
    fig_box = confusion.figure.bbox
    for axis_labels in (confusion.ax.get_xticklabels(), confusion.ax.get_yticklabels()):
        # Whole names, none cut (long ones may take two lines under the chart).
        assert [t.get_text().replace("\n", " ") for t in axis_labels] == labels
        boxes = [t.get_window_extent(renderer) for t in axis_labels]
        for box in boxes:
            assert fig_box.x0 <= box.x0 and box.x1 <= fig_box.x1, (box, fig_box)
            assert fig_box.y0 <= box.y0 and box.y1 <= fig_box.y1, (box, fig_box)
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b), (a, b)
    # The class rows of the metrics table show the names too.
    table = view.table
    names = [table.item(r, 0).text().strip() for r in range(1, table.rowCount())]  # no baseline
    assert names == labels
    column = table.columnWidth(0)
    metrics = table.fontMetrics()
    assert all(metrics.horizontalAdvance(f"    {label}") < column for label in labels)
