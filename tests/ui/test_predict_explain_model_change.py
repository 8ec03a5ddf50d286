"""After a model is retrained, loaded or reset to VADER, the Predict and Explain tabs show
nothing the previous model computed unless it is marked as the previous model's.

Real worker jobs change the model (``train``, ``save_model``, ``load_model``, ``use_vader``);
the assertions read what the user sees: bars, labels, table rows and headers, the summary
line, the history entries, the banner over the explanation.
"""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt

from tests.core.tiny_models import train_data

LONG_WAIT = 60000
VADER = "VADER (lexicon, no training)"
THREE = {"negative", "neutral", "positive"}
TWO = {"negative", "positive"}
BILSTM = {
    "model": "bilstm",
    "epochs": 2,
    "batch_size": 8,
    "lr": 1e-2,
    "embedding_dim": 16,
    "hidden_size": 16,
    "device": "cpu",
    "threads": 1,
}
ROWS = [
    ("a wonderful and lovely film", "positive"),
    ("a dull and boring story", "negative"),
    ("great acting, excellent plot", "positive"),
    ("terrible, awful and dreadful", "negative"),
]


@pytest.fixture(scope="module")
def saved_bilstm(tmp_path_factory):
    """A tiny BiLSTM trained here (core, no worker) and saved, for "Load model"."""
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.train import train_model

    folder = tmp_path_factory.mktemp("bilstm") / "model"
    train_model(TrainConfig.from_dict(BILSTM), train_data()).model.save(str(folder))
    return str(folder)


@pytest.fixture
def reviews(tmp_path):
    path = tmp_path / "reviews.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(ROWS)
    return str(path)


def _tabs(window):
    return window.tab_widgets["predictTab"], window.tab_widgets["explainTab"]


def _wait_result(qtbot, window, name):
    return qtbot.waitSignal(
        window.service.result, timeout=LONG_WAIT, check_params_cb=lambda j, n, p: n == name
    )


def _change_model(qtbot, window, name, params):
    """Run a model job in the worker and wait for its announcement and its end."""
    with qtbot.waitSignal(window.state.model_changed, timeout=LONG_WAIT):
        job = window.service.submit(name, params)
    qtbot.waitUntil(lambda: not job.active, timeout=LONG_WAIT)
    return window.state.model_info


def _leave_saved(qtbot, window):
    """No unsaved model at the end: closing the window would ask whether to quit without it."""
    if window.state.model_info.get("saved") is False:
        _change_model(qtbot, window, "use_vader", {})


def _predict_text(qtbot, window, text):
    predict, _ = _tabs(window)
    single = predict.single
    window.tabs.setCurrentWidget(predict)
    single.text_edit.setPlainText(text)
    with _wait_result(qtbot, window, "predict"):
        qtbot.keyClick(single.text_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _predict_file(qtbot, window, path=None):
    panel = _tabs(window)[0].file
    if path is not None:
        panel.load_file(path)
        qtbot.waitUntil(panel.batch_button.isEnabled, timeout=LONG_WAIT)
    with _wait_result(qtbot, window, "predict_batch"):
        qtbot.mouseClick(panel.batch_button, Qt.MouseButton.LeftButton)


def _headers(panel):
    model = panel.table.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def _explain(qtbot, window, text):
    _, explain = _tabs(window)
    window.tabs.setCurrentWidget(explain)
    explain.options.samples_combo.setCurrentText("200")
    explain.options.runs_spin.setValue(1)
    explain.text_edit.setPlainText(text)
    with _wait_result(qtbot, window, "explain"):
        qtbot.mouseClick(explain.explain_button, Qt.MouseButton.LeftButton)


def _everything_with_the_current_model(qtbot, window, reviews):
    _predict_text(qtbot, window, "What a great, lovely movie!")
    _predict_file(qtbot, window, reviews)
    _explain(qtbot, window, "a great film with a terrible ending")


def test_retrained_model_clears_predictions_and_marks_the_rest(
    qtbot, main_window, reviews, tmp_path
):
    window = main_window
    predict, explain = _tabs(window)
    single, panel = predict.single, predict.file
    with qtbot.assertNotEmitted(window.service.failed):
        _everything_with_the_current_model(qtbot, window, reviews)
    assert set(single.prob_bars.bars()) == THREE
    assert panel.table.model().rowCount() == len(ROWS)
    assert "P(neutral)" in _headers(panel)
    assert "Accuracy" in panel.summary_label.text() and VADER in panel.summary_label.text()
    assert explain.panel.stale_text() == ""

    # Retrain: a two-class BiLSTM from the train job.
    try:
        data = train_data().to_dict()
        info = _change_model(qtbot, window, "train", {"config": BILSTM, "data": data})
        assert info["name"] == "BiLSTM" and info["labels"] == ["negative", "positive"]
        assert "BiLSTM" in predict.model_label.text() and "BiLSTM" in explain.model_label.text()

        # Predict, one text: no bars of the old model; the history keeps the entry, marked.
        assert single.prob_bars.bars() == {} and single.prediction() == ""
        assert "Another model is now current (BiLSTM)" in single.result_label.text()
        old_vader = f"Earlier model, no longer current: {VADER}"
        texts = single.history_texts()
        assert texts[0] == old_vader and texts[1].startswith("positive ") and len(texts) == 2
        assert (
            f"From model {VADER} (no longer the current model)" in single.history.item(1).toolTip()
        )
        # Predict, a file: the table and the accuracy are gone, the rows stay loaded.
        assert panel.table.model().rowCount() == 0 and "P(neutral)" not in _headers(panel)
        assert "Accuracy" not in panel.summary_label.text()
        summary = panel.summary_label.text()
        assert "Another model is now current" in summary
        assert f"the predictions of {VADER} were cleared" in summary
        assert not panel.export_button.isEnabled() and panel.batch_button.isEnabled()
        # Explain: the explanation stays under a banner naming its model.
        assert explain.panel.stale_label.isVisibleTo(explain)
        assert f"From model {VADER} (no longer the current model)" in explain.panel.stale_text()
        assert "great" in [w.lower() for w in explain.panel.view.highlighted_words()]
        assert explain.options.classes() == ["negative", "positive"]

        # The new model's results: two classes, no P(neutral), an unmarked history entry.
        _predict_text(qtbot, window, "a lovely film")
        assert set(single.prob_bars.bars()) == TWO
        assert "no longer" not in single.result_label.text()
        texts = single.history_texts()
        assert texts[0].startswith("negative ") or texts[0].startswith("positive ")
        assert texts[0].endswith("· a lovely film") and texts[1] == old_vader and len(texts) == 3
        _predict_file(qtbot, window)
        assert panel.table.model().rowCount() == len(ROWS)
        assert "P(neutral)" not in _headers(panel) and "P(positive)" in _headers(panel)
        assert "predicted with BiLSTM" in panel.summary_label.text()
        _explain(qtbot, window, "a wonderful film")
        assert explain.panel.stale_text() == ""

        # Saving keeps the model (and its id): nothing is cleared or marked.
        folder = str(tmp_path / "saved")
        saved = _change_model(qtbot, window, "save_model", {"folder": folder})
        assert saved["id"] == info["id"] and saved["saved"]
        assert set(single.prob_bars.bars()) == TWO
        assert panel.table.model().rowCount() == len(ROWS)
        assert "Accuracy" in panel.summary_label.text()
        assert explain.panel.stale_text() == ""
        assert single.history_texts()[0].endswith("· a lovely film")
    finally:
        _leave_saved(qtbot, window)


def test_loaded_model_and_vader_clear_predictions(qtbot, main_window, reviews, saved_bilstm):
    window = main_window
    predict, explain = _tabs(window)
    single, panel = predict.single, predict.file
    _everything_with_the_current_model(qtbot, window, reviews)
    vader_id = window.state.model_info["id"]

    # Load model…: the loaded BiLSTM replaces VADER.
    info = _change_model(qtbot, window, "load_model", {"folder": saved_bilstm})
    assert info["id"] != vader_id and info["folder"] == saved_bilstm
    assert single.prob_bars.bars() == {}
    assert single.history_texts()[0] == f"Earlier model, no longer current: {VADER}"
    assert panel.table.model().rowCount() == 0
    assert "Accuracy" not in panel.summary_label.text()
    assert f"From model {VADER}" in explain.panel.stale_text()

    # Its own results, then back to VADER (two classes): those are cleared or marked in turn.
    _predict_text(qtbot, window, "a lovely film")
    _predict_file(qtbot, window)
    _explain(qtbot, window, "a wonderful film")
    assert set(single.prob_bars.bars()) == TWO and panel.table.model().rowCount() == len(ROWS)
    _change_model(qtbot, window, "use_vader", {"labels": ["negative", "positive"]})
    assert "VADER" in predict.model_label.text()
    assert single.prob_bars.bars() == {}
    assert panel.table.model().rowCount() == 0
    assert "the predictions of BiLSTM were cleared" in panel.summary_label.text()
    assert "From model BiLSTM (no longer the current model)" in explain.panel.stale_text()
    texts = single.history_texts()
    assert texts[0] == "Earlier model, no longer current: BiLSTM"
    assert texts[1].endswith("· a lovely film")
    assert texts[2] == f"Earlier model, no longer current: {VADER}"  # the 3-class VADER

    # Clicking an old entry brings it back, marked as the old model's.
    rect = single.history.visualItemRect(single.history.item(1))
    qtbot.mouseClick(single.history.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert single.text_edit.toPlainText() == "a lovely film"
    assert set(single.prob_bars.bars()) == TWO
    assert "From model BiLSTM (no longer the current model)" in single.result_label.text()
