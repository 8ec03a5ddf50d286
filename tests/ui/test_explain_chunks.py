"""The Explain tab shows how the model read a long text: one row per window, with its span
and probabilities; selecting a window greys the rest of the text."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.core.tiny_models import FILLER, NEGATIVE, POSITIVE, make_tiny_bert

LONG_WAIT = 60000
WORDS = POSITIVE + NEGATIVE + FILLER


def words(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(WORDS[i] for i in rng.integers(0, len(WORDS), n))


@pytest.fixture(scope="module")
def tiny_bert_folder(tmp_path_factory):
    """A saved tiny BERT classifier that reads 64 tokens at a time."""
    from desktop_app.core.models.transformer import TransformerModel

    base = make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
    model = TransformerModel.create(str(base), ["negative", "positive"])
    folder = tmp_path_factory.mktemp("saved") / "tiny"
    model.save(folder)
    return folder


def load(qtbot, window, folder) -> None:
    with qtbot.waitSignal(
        window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda j, name, p: name == "load_model",
    ):
        window.service.submit("load_model", {"folder": str(folder)})


def explain(qtbot, window, text):
    tab = window.tab_widgets["explainTab"]
    window.tabs.setCurrentWidget(tab)
    tab.options.samples_combo.setCurrentText("500")
    tab.options.runs_spin.setValue(1)
    tab.text_edit.setPlainText(text)
    with qtbot.waitSignal(
        window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda j, name, p: name == "explain",
    ):
        qtbot.mouseClick(tab.explain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.result is not None, timeout=LONG_WAIT)
    return tab


def test_a_long_text_shows_each_window_and_selecting_one_shows_its_passage(
    qtbot, main_window, tiny_bert_folder
):
    load(qtbot, main_window, tiny_bert_folder)
    text = ". ".join(words(9, seed=i) for i in range(30)) + "."  # 300 words, 30 sentences
    tab = explain(qtbot, main_window, text)
    result = tab.result
    chunks = result["chunks"]
    assert len(chunks) > 2  # the tiny BERT reads 62 text tokens at a time
    view = tab.panel.chunk_view
    assert view.isVisibleTo(tab)
    table = view.table
    assert table.rowCount() == len(chunks)
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:4] == ["#", "Characters", "Tokens", "Predicted"]
    assert "P(positive)" in headers and headers[-1] == "Passage"
    p = headers.index("P(positive)")
    shown = [float(table.item(r, p).text()) for r in range(len(chunks))]
    expected = [c["probabilities"]["positive"] for c in chunks]
    assert shown == pytest.approx(expected, abs=5e-4)
    summary = view.summary.text()
    assert f"{len(chunks)}</b> overlapping windows" in summary
    label = result["label"]
    assert f"{result['probabilities'][label]:.3f}" in summary  # the document: their mean
    assert "length-weighted mean" in summary  # what the sentence view explains

    # Sorting by a probability column, then selecting the top row: its passage shows.
    table.sortItems(p, Qt.SortOrder.DescendingOrder)
    table.selectRow(0)
    top = max(chunks, key=lambda c: c["probabilities"]["positive"])
    selections = tab.panel.view.extraSelections()
    assert selections, "the text outside the window is greyed"
    document = tab.panel.view.document().toPlainText()
    outside = "".join(s.cursor.selectedText() for s in selections)
    inside_len = len(document) - len(outside)
    assert abs(inside_len - (top["end"] - top["start"])) <= 3
    first_words = text[top["start"] : top["end"]].split()[:3]
    cursor = tab.panel.view.textCursor()
    assert document[cursor.position() :].split()[:3] == first_words

    table.clearSelection()
    assert tab.panel.view.extraSelections() == []


def test_a_short_text_hides_the_window_table(qtbot, main_window, tiny_bert_folder):
    load(qtbot, main_window, tiny_bert_folder)
    tab = explain(qtbot, main_window, "a great film")
    assert len(tab.result["chunks"]) == 1
    assert not tab.panel.chunk_view.isVisibleTo(tab)
