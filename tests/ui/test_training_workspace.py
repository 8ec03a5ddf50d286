"""Labels made in the Label tab a moment ago are what the Training tab trains on.

Driven like a user: open a project with unlabelled rows, label rows with key presses on the
Label tab's card, switch to the Training tab, press Start, and read the run's train /
validation / test counts from the run line; then undo one label (Backspace) and train again.
"""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.ui.training_helpers import (
    MPL_WARNING,
    NEGATIVE,
    POSITIVE,
    click,
    is_train,
    run_counts,
    set_tiny_bilstm,
    training_tab,
)

pytestmark = [MPL_WARNING, pytest.mark.usefixtures("quit_without_asking")]

LABELS = ("negative", "neutral", "positive")
ROWS, LABELLED = 90, 45
NEW_LABELS = 12


@pytest.fixture
def project_path(tmp_path):
    from desktop_app.core.project.store import ProjectStore

    rng = random.Random(0)
    rows = []
    for i in range(ROWS):
        label = LABELS[i % 3]
        if label == "neutral":
            text = f"the film is shown on day {i}"
        else:
            words = POSITIVE if label == "positive" else NEGATIVE
            text = f"the plot is {rng.choice(words)} and {rng.choice(words)} #{i}"
        rows.append({"text": text, "label": label if i < LABELLED else None})
    path = tmp_path / "reviews.sstudio"
    ProjectStore.create(path, rows, labels=list(LABELS)).close()
    return path


def _store_sizes(path) -> dict[str, int]:
    """The split sizes of the project's labelled rows, read from the file on its own."""
    from desktop_app.core.project.store import ProjectStore

    store = ProjectStore.open(path, mode="read_only")
    try:
        return {name: len(texts) for name, (texts, _labels) in store.split_data().items()}
    finally:
        store.close()


def _labelled(window) -> int:
    return window.state.workspace.session.counts()["labelled"]


def _open_project(qtbot, window, path):
    window.settings.setValue("label/annotator", "tester")  # no "who is labelling?" question
    label_tab = window.tab_widgets["labelTab"]
    window.open_path(str(path))
    if window.state.workspace.session is None:
        pytest.skip("the Label tab does not open projects through the workspace yet")
    qtbot.waitUntil(
        lambda: label_tab.card.isVisible() and bool(label_tab.card_text()), timeout=60000
    )
    return label_tab


def _train_and_read_counts(qtbot, window) -> tuple[dict[str, int], str]:
    tab = training_tab(window)
    set_tiny_bilstm(tab, epochs=1)
    with qtbot.waitSignal(window.service.result, timeout=60000, check_params_cb=is_train):
        click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)
    line = tab.findChild(QLabel, "runDataLabel").text()
    return run_counts(line), line


def test_training_uses_the_labels_just_made_and_undone(qtbot, main_window, project_path):
    label_tab = _open_project(qtbot, main_window, project_path)
    assert _labelled(main_window) == LABELLED

    for i in range(NEW_LABELS):  # keys 1, 2, 3: negative, neutral, positive
        qtbot.keyClick(label_tab.card, Qt.Key(Qt.Key.Key_1 + i % 3))
        qtbot.waitUntil(lambda n=i: _labelled(main_window) == LABELLED + n + 1, timeout=5000)

    # The Training tab shows, and trains on, the project as it is now.
    tab = training_tab(main_window)
    summary = tab.findChild(QLabel, "trainingDatasetLabel").text()
    assert f"{LABELLED + NEW_LABELS} of {ROWS} rows labelled" in summary
    counts, line = _train_and_read_counts(qtbot, main_window)
    assert "reviews.sstudio (project, current labels)" in line
    assert sum(counts.values()) == LABELLED + NEW_LABELS
    assert counts == _store_sizes(project_path)
    assert tab.log_view.toPlainText().count("reviews.sstudio (project, current labels)") == 1

    # Undo the last label in the Label tab (Backspace), train again: one row fewer.
    main_window.tabs.setCurrentWidget(label_tab)
    qtbot.keyClick(label_tab.card, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: _labelled(main_window) == LABELLED + NEW_LABELS - 1, timeout=5000)
    again, _line = _train_and_read_counts(qtbot, main_window)
    assert sum(again.values()) == LABELLED + NEW_LABELS - 1
    assert again == _store_sizes(project_path)
    assert sum(abs(again[s] - counts[s]) for s in counts) == 1  # the undone row's split
    summary = tab.findChild(QLabel, "trainingDatasetLabel").text()
    assert f"{LABELLED + NEW_LABELS - 1} of {ROWS} rows labelled" in summary
