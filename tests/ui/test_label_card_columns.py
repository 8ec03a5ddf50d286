"""The Label card shows the file's columns the user picks; the choice is kept in the
project; the Label tab's export writes every original column, then the label columns; the
label suggestions follow the Model menu's long-text setting."""

from __future__ import annotations

import csv

import pytest

from desktop_app.core.data.dataset import load_dataset

ROWS = [
    ("R-001", "phone", "2024-01-02", "I love this wonderful phone", "positive"),
    ("R-002", "desk", "2024-01-03", "the worst desk, awful", "negative"),
    ("R-003", "Café crème", "", "what a lovely cup", ""),
    ("R-004", "lamp", "2024-01-05", "broken and useless", ""),
]
COLUMNS = ["review_id", "product", "when", "text", "label"]


@pytest.fixture
def project_path(tmp_path):
    from desktop_app.core.project.store import ProjectStore

    data = tmp_path / "reviews.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    path = tmp_path / "reviews.sstudio"
    ProjectStore.create(path, load_dataset(str(data)), labels=["negative", "positive"]).close()
    return path


def _open(qtbot, window, path):
    window.settings.setValue("label/annotator", "tester")
    tab = window.tab_widgets["labelTab"]
    with qtbot.waitSignal(tab.queue_reordered, timeout=60000):
        window.open_path(str(path))
    return tab


def _menu_actions(tab) -> dict:
    return {a.text(): a for a in tab.page.columns_button.menu().actions()}


def test_card_shows_the_picked_columns_and_the_project_keeps_them(
    qtbot, main_window, project_path, tmp_path
):
    tab = _open(qtbot, main_window, project_path)
    assert tab.page.columns_button.isEnabled()
    actions = _menu_actions(tab)
    assert list(actions) == ["review_id", "product", "when"]
    assert tab.card.metadata_text() == "", "nothing picked yet: no metadata line"

    actions["product"].trigger()
    actions["review_id"].trigger()  # shown in the file's order, whatever the order of picks
    row = tab.current_row()
    cells = dict(zip(COLUMNS, ROWS[tab.session.source_row(row)], strict=True))
    assert (
        tab.card.metadata_text()
        == f"review_id: {cells['review_id']}  ·  product: {cells['product']}"
    )
    assert tab.store.card_columns() == ["review_id", "product"]

    # The next row shows its own values.
    from PySide6.QtCore import Qt

    qtbot.keyClick(tab.card, Qt.Key.Key_S)
    row = tab.current_row()
    cells = dict(zip(COLUMNS, ROWS[tab.session.source_row(row)], strict=True))
    assert cells["review_id"] in tab.card.metadata_text()

    # Reopened: the choice comes back from the project.
    tab.close_project()
    tab = _open(qtbot, main_window, project_path)
    actions = _menu_actions(tab)
    assert [name for name, a in actions.items() if a.isChecked()] == ["review_id", "product"]
    assert tab.card.metadata_text().startswith("review_id: R-00")
    actions["review_id"].trigger()
    actions["product"].trigger()
    assert tab.card.metadata_text() == "" and tab.store.card_columns() == []

    # The export: every original column in the file's order, then the label columns.
    out = tmp_path / "labels.csv"
    tab.export_to(str(out))
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        written = list(reader)
    assert header[:5] == COLUMNS
    assert header[5:] == ["row", "source_row", "original_label", "split", "annotator",
                          "labelled_at", "note"]  # fmt: skip
    assert [r["review_id"] for r in written] == [r[0] for r in ROWS]
    assert [r["product"] for r in written] == [r[1] for r in ROWS]


def test_suggestions_are_scored_again_when_long_texts_are_read_another_way(
    qtbot, main_window, project_path
):
    tab = _open(qtbot, main_window, project_path)
    qtbot.waitUntil(lambda: "Suggestion:" in tab.card.suggestion_label.text(), timeout=30000)
    inference = main_window.state.inference
    with qtbot.waitSignal(
        main_window.service.result,
        timeout=30000,
        check_params_cb=lambda j, n, p: n == "score_pool",
    ) as scored:
        inference.set("long_text", "truncate")
        assert "Suggestion:" not in tab.card.suggestion_label.text()  # dropped at once
    assert scored.args[2]["long_text"] == "truncate"
    qtbot.waitUntil(lambda: "Suggestion:" in tab.card.suggestion_label.text(), timeout=30000)
