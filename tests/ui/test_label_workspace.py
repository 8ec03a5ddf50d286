"""The Label tab is a view of the open project: what it writes every tab reads at once.

Labels, undos and class edits made in the tab go through the workspace (one announcement
each) and are what ``state.workspace.dataset`` serves to the Dataset, Training and Predict
tabs; a label given elsewhere shows in the tab's counts and queue. Suggestions only ever
offer the project's classes and are dropped when another model is announced.
"""

from __future__ import annotations

import html

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QPushButton

from desktop_app.core.project.store import ProjectStore
from tests.ui.conftest import announce_model
from tests.ui.test_label_tab import LABELS, _open, _rows


@pytest.fixture
def project_path(tmp_path):
    path = tmp_path / "reviews.sstudio"
    ProjectStore.create(path, _rows(60, 9), labels=list(LABELS)).close()
    return path


def _label_in_dataset(window, text: str):
    frame = window.state.workspace.dataset.frame
    value = frame.loc[frame["text"] == text, "label"].iloc[0]
    return None if pd.isna(value) else value


def _count(tab, name: str) -> int:
    return int(tab.findChild(type(tab.progress_label), f"count_{name}").text())


def test_label_and_undo_are_announced_once_and_read_through_the_workspace(
    qtbot, main_window, project_path, monkeypatch
):
    tab = _open(qtbot, main_window, project_path)
    workspace = main_window.state.workspace
    changes: list[dict] = []
    workspace.changed.connect(changes.append)
    assert int(workspace.dataset.frame["label"].notna().sum()) == 9

    row = tab.current_row()
    text = tab.card_text()
    assert _label_in_dataset(main_window, text) is None
    qtbot.keyClick(tab.card, Qt.Key.Key_3)
    assert [(c["what"], c["row_ids"], c["source"]) for c in changes] == [
        ("labels", [row], "project")
    ]
    assert _label_in_dataset(main_window, text) == "positive"
    assert int(workspace.dataset.frame["label"].notna().sum()) == 10

    qtbot.keyClick(tab.card, Qt.Key.Key_Backspace)
    assert len(changes) == 2 and changes[1]["what"] == "labels" and changes[1]["row_ids"] == [row]
    assert tab.current_row() == row and "unlabelled" in tab.card.info_label.text()
    assert _label_in_dataset(main_window, text) is None
    assert int(workspace.dataset.frame["label"].notna().sum()) == 9

    # A label given elsewhere (another tab, an import) shows here: counts, and the queue
    # no longer offers that row.
    upcoming = tab.queue.upcoming(1)[0]
    workspace.label(upcoming, "negative", "elsewhere")
    assert len(changes) == 3
    assert "10 of 60 rows labelled" in tab.progress_label.text().replace("<b>", "").replace(
        "</b>", ""
    )
    assert _count(tab, "negative") == 4
    qtbot.keyClick(tab.card, Qt.Key.Key_S)
    assert tab.current_row() != upcoming

    # A class edit: one announcement, a new key on the card, a new count.
    monkeypatch.setattr(
        QInputDialog, "getText", lambda *a, **k: ("negative, neutral, positive, mixed", True)
    )
    qtbot.mouseClick(tab.labels_button, Qt.MouseButton.LeftButton)
    assert [c["what"] for c in changes[3:]] == ["classes"]
    assert changes[3]["classes"] == ["negative", "neutral", "positive", "mixed"]
    assert [b.text() for b in tab.card.buttons][-1] == "4  mixed"
    assert _count(tab, "mixed") == 0
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_4)
    assert tab.store.row(row).label == "mixed" and _count(tab, "mixed") == 1
    assert "mixed" in set(workspace.dataset.frame["label"].dropna())

    # Closing the project is announced too: the other tabs no longer see its rows.
    main_window.project_menu.close_project()
    assert changes[-1]["what"] == "project" and workspace.session is None


def test_suggestions_never_offer_a_class_the_project_does_not_have(qtbot, main_window, tmp_path):
    """VADER knows negative, neutral and positive; this project has no "neutral"."""
    path = tmp_path / "two.sstudio"
    rows = _rows(24, 0)
    ProjectStore.create(path, rows, labels=["negative", "positive"]).close()
    neutral_texts = [r["text"] for r in rows if "shown" in r["text"]]
    with qtbot.waitSignal(main_window.service.result, timeout=30000,
                          check_params_cb=lambda j, n, p: n == "predict") as blocker:  # fmt: skip
        main_window.service.submit("predict", {"texts": neutral_texts})
    assert "neutral" in blocker.args[2]["predicted"]  # the model itself would say neutral

    tab = _open(qtbot, main_window, path)
    tab.order_combo.setCurrentIndex(tab.order_combo.findData("file"))
    seen = set()
    for _ in range(len(rows)):
        text = html.unescape(tab.card.suggestion_label.text())
        assert "Suggestion:" in text, text
        suggested = text.split("<b>")[1].split("</b>")[0]
        assert suggested in ("negative", "positive")
        assert "the model's “neutral” is left out" in text
        seen.add(tab.card_text())
        qtbot.keyClick(tab.card, Qt.Key.Key_S)
    assert {t for t in seen if "shown" in t} == set(neutral_texts)
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_Return)  # Enter accepts: a project class
    assert tab.store.row(row).label in ("negative", "positive")


def test_another_model_drops_the_suggestions_and_rescores(qtbot, main_window, project_path):
    tab = _open(qtbot, main_window, project_path)
    qtbot.waitUntil(lambda: "Suggestion:" in tab.card.suggestion_label.text(), timeout=30000)
    with qtbot.waitSignal(main_window.service.started, timeout=10000,
                          check_params_cb=lambda j, n: n == "score_pool"):  # fmt: skip
        announce_model(main_window, {"name": "Other model", "kind": "bilstm", "labels": LABELS})
        assert "Suggestion:" not in tab.card.suggestion_label.text()  # dropped at once
        assert "Other model" in tab.card.suggestion_label.text()  # "Waiting for …"
    qtbot.waitUntil(lambda: "Suggestion:" in tab.card.suggestion_label.text(), timeout=30000)


def test_a_project_opened_or_closed_through_the_workspace_is_what_the_tab_shows(
    qtbot, main_window, project_path, tmp_path
):
    """The tab follows the workspace, whoever opens or closes a project there."""
    tab = _open(qtbot, main_window, project_path)
    workspace = main_window.state.workspace
    old_store = tab.store
    other = tmp_path / "other.sstudio"
    ProjectStore.create(other, _rows(12, 0), labels=list(LABELS)).close()
    with qtbot.waitSignal(tab.project_changed, timeout=5000,
                          check_params_cb=lambda path: path.endswith("other.sstudio")):  # fmt: skip
        workspace.open_project(ProjectStore.open(other))
    assert old_store.closed and tab.store is workspace.session.store
    assert main_window.windowTitle().startswith("other.sstudio")
    assert "0 of 12 rows labelled" in tab.progress_label.text().replace("<b>", "").replace(
        "</b>", ""
    )
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_1)
    assert tab.store.row(row).label == "negative"

    store = tab.store
    workspace.close_project()
    assert store.closed and tab.store is None and tab.current_row() is None
    assert main_window.windowTitle() == "Sentiment Studio"
    assert tab.findChild(QPushButton, "openProjectButton").isVisible()
