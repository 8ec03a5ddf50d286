"""The Label tab when saving is not possible: read-only, in use elsewhere, locked, damaged.

What the user sees is asserted: the banner's text, the card staying on its row, the
window title, the question when another instance has the project, and no dialog per key.
"""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from desktop_app.core.project.store import ProjectStore
from tests.core.other_instance import Other
from tests.ui.test_label_tab import LABELS, _open, _rows


@pytest.fixture
def project_path(tmp_path):
    path = tmp_path / "reviews.sstudio"
    ProjectStore.create(path, _rows(30, 9), labels=list(LABELS)).close()
    return path


def _answer(object_name: str, button: str) -> list[str]:
    """Click ``button`` in the modal box ``object_name`` as soon as it shows; its text goes
    into the returned list."""
    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if box is None or box.objectName() != object_name:
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        box.findChild(QPushButton, button).click()

    QTimer.singleShot(0, click)
    return seen


def _open_boxes() -> list[str]:
    return [
        w.text()
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible()
    ]


def _labelled(path) -> dict[int, str]:
    with ProjectStore.open(path, mode="read_only") as store:
        return {r.id: r.label for r in store.rows() if r.label is not None}


def test_read_only_project_has_a_banner_and_refuses_labels_quietly(
    qtbot, main_window, project_path, tmp_path, monkeypatch
):
    from desktop_app.core.project import file as project_file

    reason = f"The folder {project_path.parent} is read-only (SQLite needs to create files)."
    monkeypatch.setattr(project_file, "write_problem", lambda path: reason)
    before = _labelled(project_path)
    tab = _open(qtbot, main_window, project_path)
    banner = tab.banner
    assert banner.isVisible() and banner.copy_button.isVisible()
    assert f"Read-only. {reason} Labels cannot be saved here" in banner.text()
    assert main_window.windowTitle().startswith("reviews.sstudio (read-only)")
    assert not tab.retrain_button.isEnabled() and not tab.labels_button.isEnabled()

    row = tab.current_row()
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3):
        qtbot.keyClick(tab.card, key)
    assert tab.current_row() == row  # nothing was labelled, so the card stays
    assert banner.text().startswith("Not saved: “positive”: the project is read-only here.")
    assert _open_boxes() == []  # the banner answers, not a dialog per key
    qtbot.keyClick(tab.card, Qt.Key.Key_Backspace)
    assert "Undo: The project reviews.sstudio is read-only here" in banner.text()
    assert _labelled(project_path) == before

    # Save a copy… from the banner, then label the copy.
    monkeypatch.undo()
    copy = tmp_path / "mine.sstudio"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(copy), ""))
    qtbot.mouseClick(banner.copy_button, Qt.MouseButton.LeftButton)
    assert tab.project_path == str(copy)
    assert not banner.isVisible()
    assert main_window.windowTitle().startswith("mine.sstudio —")
    assert tab.retrain_button.isEnabled()
    with qtbot.waitSignal(tab.labelled, timeout=5000) as blocker:
        qtbot.keyClick(tab.card, Qt.Key.Key_3)
    assert blocker.args == [row, "positive"]
    assert _labelled(copy)[row] == "positive"
    assert _labelled(project_path) == before


def test_second_instance_is_asked_read_only_or_take_over(qtbot, main_window, project_path):
    other = Other(project_path)
    try:
        seen = _answer("projectInUseDialog", "openReadOnlyButton")
        tab = _open(qtbot, main_window, project_path)
        assert f"(process {other.proc.pid})" in seen[0]
        assert tab.store.read_only
        assert "it is open for labelling by" in tab.banner.text()
        row = tab.current_row()
        qtbot.keyClick(tab.card, Qt.Key.Key_1)
        assert tab.current_row() == row
        assert other.send("label") == "ok"  # the first instance labels on

        seen = _answer("projectInUseDialog", "cancelButton")
        assert main_window.project_menu.open_project(str(project_path)) is False
        assert seen and tab.store.read_only  # cancelled: still the read-only view

        _answer("projectInUseDialog", "takeOverButton")
        tab = _open(qtbot, main_window, project_path)
        assert not tab.store.read_only and not tab.banner.isVisible()
        row = tab.current_row()
        with qtbot.waitSignal(tab.labelled, timeout=5000):
            qtbot.keyClick(tab.card, Qt.Key.Key_2)
        assert _labelled(project_path)[row] == "neutral"
        answer = other.send("label")  # the first instance is told, and saves nothing
        assert answer.startswith("ProjectReadOnly: ") and "took the project over" in answer
    finally:
        other.close()


def test_taken_over_while_open_turns_read_only(qtbot, main_window, project_path):
    tab = _open(qtbot, main_window, project_path)
    thief = Other(project_path, mode="take_over")
    try:
        tab.writer.heartbeat()  # what the heartbeat timer does every 15 s
        assert tab.store.read_only
        assert f"(process {thief.proc.pid})" in tab.banner.text()
        assert "took the project over" in tab.banner.text()
        assert "(read-only)" in main_window.windowTitle()
        row = tab.current_row()
        qtbot.keyClick(tab.card, Qt.Key.Key_1)
        assert tab.current_row() == row
        assert thief.send("label") == "ok"
    finally:
        thief.close()


def test_label_key_press_before_the_heartbeat_notices_a_take_over(qtbot, main_window, project_path):
    tab = _open(qtbot, main_window, project_path)
    thief = Other(project_path, mode="take_over")
    try:
        row = tab.current_row()
        qtbot.keyClick(tab.card, Qt.Key.Key_1)  # checked inside the label's transaction
        assert tab.current_row() == row
        assert "Not saved: “negative”: the project is read-only now." in tab.banner.text()
        assert row not in _labelled(project_path)
    finally:
        thief.close()


def test_label_waits_visibly_while_another_program_holds_the_lock(qtbot, main_window, project_path):
    tab = _open(qtbot, main_window, project_path)
    row = tab.current_row()
    other = sqlite3.connect(project_path, isolation_level=None)  # say, an SQLite browser
    other.execute("BEGIN IMMEDIATE")
    try:
        qtbot.keyClick(tab.card, Qt.Key.Key_2)
        assert tab.current_row() == row  # not saved yet: the card stays
        text = tab.banner.text()
        assert "Not saved yet: “neutral”. The project is locked by another program" in text
        assert "retrying in" in text
        qtbot.keyClick(tab.card, Qt.Key.Key_3)
        assert "“positive”: wait until “neutral” is saved" in tab.banner.text()
        _answer("pendingLabelDialog", "keepWaitingButton")
        assert tab.confirm_close() is False  # quitting now would lose it: asked first
    finally:
        other.execute("ROLLBACK")
        other.close()
    with qtbot.waitSignal(tab.labelled, timeout=15000) as blocker:
        pass  # retried with back-off until the lock went
    assert blocker.args == [row, "neutral"]
    assert tab.current_row() != row
    assert not tab.banner.isVisible()
    assert tab.confirm_close() is True
    assert _labelled(project_path)[row] == "neutral"


def test_damaged_meta_is_a_note_and_labelling_works(qtbot, main_window, project_path):
    conn = sqlite3.connect(project_path)
    with conn:
        conn.execute("UPDATE meta SET value = '[\"negative\"' WHERE key = 'labels'")
    conn.close()
    tab = _open(qtbot, main_window, project_path)
    assert tab.banner.text().startswith("Note: The project's saved list of labels is not valid")
    # The labels come from the rows instead, in their keys' order.
    assert [b.text() for b in tab.card.buttons] == ["1  negative", "2  neutral", "3  positive"]
    row = tab.current_row()
    with qtbot.waitSignal(tab.labelled, timeout=5000):
        qtbot.keyClick(tab.card, Qt.Key.Key_1)
    assert _labelled(project_path)[row] == "negative"


def test_closing_with_a_label_still_locked_out_says_it_was_not_saved(
    qtbot, main_window, project_path
):
    tab = _open(qtbot, main_window, project_path)
    row = tab.current_row()
    other = sqlite3.connect(project_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        qtbot.keyClick(tab.card, Qt.Key.Key_3)
        assert "Not saved yet: “positive”" in tab.banner.text()
        tab.close_project()  # one last try, then it says so: nothing is lost silently
        boxes = _open_boxes()
        assert len(boxes) == 1 and boxes[0].startswith(f"The label “positive” for row {row} could")
        assert "locked by another program" in boxes[0]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert row not in _labelled(project_path)
