"""The Label tab, driven like an analyst: keys only, counts, undo, reopen, retrain, export.

Projects are made here from a few dozen generated sentences; the model is VADER until the
Retrain test trains a tiny one-epoch BiLSTM, so every test stays within seconds.
"""

from __future__ import annotations

import csv
import json
import random
import re

import pytest
from PySide6.QtCore import Qt

POSITIVE = ["great", "wonderful", "delightful", "superb", "moving", "charming", "brilliant"]
NEGATIVE = ["awful", "boring", "dreadful", "tedious", "clumsy", "dull", "terrible"]
NEUTRAL = ["on tuesday", "at noon", "in the hall", "by bus", "with a map", "in april"]
FILLER = ["the film", "this movie", "the plot", "the cast", "the ending", "the script"]
LABELS = ("negative", "neutral", "positive")


def _rows(n: int, labelled: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = LABELS[i % 3]
        if label == "positive":
            text = f"{rng.choice(FILLER)} is {rng.choice(POSITIVE)} and {rng.choice(POSITIVE)}"
        elif label == "negative":
            text = f"{rng.choice(FILLER)} is {rng.choice(NEGATIVE)} and {rng.choice(NEGATIVE)}"
        else:
            text = f"{rng.choice(FILLER)} is shown {rng.choice(NEUTRAL)}"
        rows.append({"text": f"{text} #{i}", "label": label if i < labelled else None})
    return rows


@pytest.fixture
def project_path(tmp_path):
    from desktop_app.core.project.store import ProjectStore

    path = tmp_path / "reviews.sstudio"
    ProjectStore.create(path, _rows(60, 9), labels=list(LABELS)).close()
    return path


def _open(qtbot, window, path):
    window.settings.setValue("label/annotator", "tester")
    tab = window.tab_widgets["labelTab"]
    with qtbot.waitSignal(tab.queue_reordered, timeout=60000):
        window.open_path(str(path))
    assert window.tabs.currentWidget() is tab
    return tab


def _count_text(tab, name: str) -> str:
    return tab.findChild(type(tab.progress_label), f"count_{name}").text()


def test_label_20_items_with_keys_counts_undo_reopen(qtbot, main_window, project_path):
    from desktop_app.core.project.store import ProjectStore

    tab = _open(qtbot, main_window, project_path)
    assert main_window.windowTitle().startswith("reviews.sstudio")
    assert "9 of 60 rows labelled" in tab.progress_label.text().replace("<b>", "").replace(
        "</b>", ""
    )
    done: dict[int, str] = {}
    seen_texts = []
    for i in range(20):
        row = tab.current_row()
        assert row is not None and row not in done
        seen_texts.append(tab.card_text())
        key = i % 3
        qtbot.keyClick(tab.card, Qt.Key(Qt.Key.Key_1 + key))
        done[row] = LABELS[key]
        assert tab.current_row() != row  # the next item is on the card at once
    assert len(set(seen_texts)) == 20
    counts = {name: int(_count_text(tab, name)) for name in LABELS}
    assert counts == {"negative": 3 + 7, "neutral": 3 + 7, "positive": 3 + 6}
    assert "29 of 60" in tab.progress_label.text().replace("<b>", "").replace("</b>", "")
    assert "This session: 20 labels" in tab.rate_label.text()

    # Undo (Backspace, then Ctrl+Z) brings back the last two rows, unlabelled.
    last_two = list(done)[-2:]
    qtbot.keyClick(tab.card, Qt.Key.Key_Backspace)
    assert tab.current_row() == last_two[1]
    assert tab.store.row(last_two[1]).label is None
    assert "unlabelled" in tab.card.info_label.text()
    qtbot.keyClick(tab.card, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.current_row() == last_two[0]
    assert int(_count_text(tab, LABELS[18 % 3])) == counts[LABELS[18 % 3]] - 1
    assert int(_count_text(tab, LABELS[19 % 3])) == counts[LABELS[19 % 3]] - 1
    # Label it again, then the other undone row comes back next.
    qtbot.keyClick(tab.card, Qt.Key.Key_3)
    assert tab.current_row() == last_two[1]
    qtbot.keyClick(tab.card, Qt.Key.Key_2)
    done[last_two[0]], done[last_two[1]] = "positive", "neutral"

    # ← shows the previous row with its label; → moves on again.
    current = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_Left)
    assert tab.current_row() == last_two[1]
    assert "labelled" in tab.card.info_label.text() and "neutral" in tab.card.info_label.text()
    qtbot.keyClick(tab.card, Qt.Key.Key_Right)
    assert tab.current_row() == current
    # S skips without labelling.
    qtbot.keyClick(tab.card, Qt.Key.Key_S)
    assert tab.store.row(current).label is None and tab.current_row() != current

    # Close the project (as closing the app does), reopen: every label is there.
    main_window.project_menu.close_project()
    assert main_window.windowTitle() == "Sentiment Studio"
    with ProjectStore.open(project_path) as store:
        for row, label in done.items():
            assert store.row(row).label == label
            assert store.history(row)[-1].annotator == "tester"
        assert store.counts()["labelled"] == 29
    tab = _open(qtbot, main_window, project_path)
    assert "29 of 60" in tab.progress_label.text().replace("<b>", "").replace("</b>", "")
    dataset = main_window.state.workspace.dataset  # what the other tabs read
    assert dataset is not None
    assert int((dataset.frame["label"].notna()).sum()) == 29


def test_enter_accepts_suggestion_and_hidden_mode(qtbot, main_window, project_path):
    tab = _open(qtbot, main_window, project_path)
    qtbot.waitUntil(lambda: "Suggestion:" in tab.card.suggestion_label.text(), timeout=30000)
    row = tab.current_row()
    suggested = tab.card.suggestion_label.text().split("<b>")[1].split("</b>")[0]
    qtbot.keyClick(tab.card, Qt.Key.Key_Return)
    assert tab.store.row(row).label == suggested

    tab.hide_check.setChecked(True)
    assert "hidden" in tab.card.suggestion_label.text()
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_Return)  # hidden: Enter does not label blind
    assert tab.current_row() == row and tab.store.row(row).label is None
    qtbot.keyClick(tab.card, Qt.Key.Key_1)
    qtbot.keyClick(tab.card, Qt.Key.Key_Left)  # answered: the suggestion shows now
    assert "Suggestion:" in tab.card.suggestion_label.text()


def test_orders_file_and_random(qtbot, main_window, project_path):
    tab = _open(qtbot, main_window, project_path)
    tab.order_combo.setCurrentIndex(tab.order_combo.findData("file"))
    shown = []
    for _ in range(3):
        shown.append(tab.current_row())
        qtbot.keyClick(tab.card, Qt.Key.Key_S)
    assert shown == sorted(shown)
    tab.order_combo.setCurrentIndex(tab.order_combo.findData("random"))
    first = []
    for _ in range(5):
        first.append(tab.current_row())
        qtbot.keyClick(tab.card, Qt.Key.Key_S)
    assert first != sorted(first)
    tab.review_all_check.setChecked(True)  # labelled rows come too
    tab.order_combo.setCurrentIndex(tab.order_combo.findData("file"))
    assert tab.current_row() == 1 and tab.store.row(1).label is not None


def test_agreement_review_duplicates_and_export(qtbot, main_window, project_path, tmp_path):
    tab = _open(qtbot, main_window, project_path)
    workspace = main_window.state.workspace
    store = tab.store
    for row, (a, b) in zip(
        range(10, 22), [("negative", "negative"), ("positive", "neutral")] * 6, strict=True
    ):
        workspace.label(row, a, "ann")  # as another annotator's labels would come in
        workspace.label(row, b, "bob")
    tab.side.setCurrentIndex(2)
    assert "Cohen's kappa" in tab.kappa_label.text()
    assert tab.disagreement_list.count() == 6
    # A conflicting duplicate shows in the review list.
    workspace.apply(tab.session.add_rows([{"text": store.row(1).text, "label": "positive"}]))
    assert "of 61 rows labelled" in tab.progress_label.text()
    tab.side.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not tab.review_list.controller.is_busy(), timeout=5000)
    assert any("conflicting" in text for text in tab.review_list.shown_texts())

    tab.labelled_only_check.setChecked(True)
    out = tmp_path / "labels.csv"
    report = tab.export_to(str(out))
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert report["rows"] == len(rows) == store.counts()["labelled"]
    assert {r["annotator"] for r in rows} >= {"bob"}


def test_retrain_starts_a_job_and_queue_reorders(qtbot, main_window, tmp_path):
    from desktop_app.core.project.store import ProjectStore

    path = tmp_path / "retrain.sstudio"
    ProjectStore.create(path, _rows(90, 60, seed=1), labels=list(LABELS)).close()
    settings = main_window.settings
    settings.setValue(
        "training/config",
        json.dumps({"model": "bilstm", "epochs": 1, "batch_size": 16, "embedding_dim": 16,
                    "hidden_size": 16, "patience": 0, "threads": 1, "device": "cpu"}),
    )  # fmt: skip
    tab = _open(qtbot, main_window, path)
    service = main_window.service
    before = [tab.current_row(), *tab.queue.upcoming(10)]
    with qtbot.waitSignal(
        service.started, timeout=10000, check_params_cb=lambda j, n: n == "train"
    ):
        qtbot.mouseClick(tab.retrain_button, Qt.MouseButton.LeftButton)
    assert tab.retrain_button.text() == "Cancel retraining"
    # Labelling goes on while the worker trains.
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_2)
    assert tab.store.row(row).label == "neutral"
    with qtbot.waitSignal(
        tab.queue_reordered, timeout=120000, check_params_cb=lambda why: why == "scores"
    ):
        pass
    qtbot.waitUntil(lambda: main_window.state.model_info.get("kind") == "bilstm", timeout=10000)
    assert tab.retrain_button.text() == "Retrain with my labels"
    # The status says what it trained on: the 60 rows labelled when Retrain was pressed.
    sizes = re.search(
        r"Retrained on (\d+) training, (\d+) validation and (\d+) test rows; test accuracy",
        tab.status_label.text(),
    )
    assert sizes and sum(int(n) for n in sizes.groups()) == 60, tab.status_label.text()
    # The result stays on screen, with its interval, until dismissed; the run is kept with
    # the project.
    banner = tab.page.retrain_result
    test_rows = int(sizes.group(3))
    assert banner.isVisible() and f"n = {test_rows})" in banner.label.text()
    assert "Kept as run bilstm · retrain.sstudio · " in banner.label.text()
    after = [tab.current_row(), *tab.queue.upcoming(10)]
    assert after[1:] != before[2:12]

    # The queue now follows the new model's margins: check them with a predict job.
    upcoming = tab.queue.upcoming(8)
    texts = [tab.store.row(i).text for i in upcoming]
    with qtbot.waitSignal(
        service.result, timeout=30000, check_params_cb=lambda j, n, p: n == "predict"
    ) as blocker:
        service.submit("predict", {"texts": texts})
    margins = []
    for probs in blocker.args[2]["probabilities"]:
        top = sorted(probs, reverse=True)
        margins.append(top[0] - top[1])
    assert margins == pytest.approx(sorted(margins), abs=1e-4)

    # The run is recorded and its model saved beside the project, for the next opening.
    qtbot.waitUntil(lambda: tab.store.last_model_folder() is not None, timeout=30000)
    runs = tab.store.training_runs()
    assert len(runs) == 1 and runs[0]["kind"] == "bilstm" and runs[0]["config"]["epochs"] == 1
    assert "retrain.models" in tab.store.last_model_folder()
    qtbot.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden()

    # Reopening the project restores its last model.
    main_window.project_menu.close_project()
    with qtbot.waitSignal(
        service.result, timeout=30000, check_params_cb=lambda j, n, p: n == "use_vader"
    ):
        service.submit("use_vader", {})
    tab = _open(qtbot, main_window, path)
    assert main_window.state.model_info.get("kind") == "bilstm"
    assert "retrain.models" in (main_window.state.model_info.get("folder") or "")


def test_annotator_is_asked_once_when_a_project_opens(qtbot, main_window, project_path):
    from PySide6.QtWidgets import QInputDialog

    tab = main_window.tab_widgets["labelTab"]
    assert not main_window.settings.value("label/annotator")
    main_window.open_path(str(project_path))
    dialog = tab.findChild(QInputDialog, "annotatorDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.setTextValue("Robin")
    dialog.accept()
    assert main_window.settings.value("label/annotator") == "Robin"
    assert tab.annotator_button.text() == "Annotator: Robin"
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_1)
    assert tab.store.history(row)[-1].annotator == "Robin"


def test_highlight_words_shows_lime_colours(qtbot, main_window, project_path):
    tab = _open(qtbot, main_window, project_path)
    with qtbot.waitSignal(main_window.service.result, timeout=60000,
                          check_params_cb=lambda j, n, p: n == "explain"):  # fmt: skip
        tab.lime_check.setChecked(True)
    assert "lime-word" in tab.card.text_label.text()
    assert tab.card_text().startswith(tab.store.row(tab.current_row()).text[:10])


def test_opening_a_dataset_offers_a_project(qtbot, main_window, tmp_path):
    from desktop_app.core.data.dataset import load_dataset

    data = tmp_path / "reviews.csv"
    data.write_text("text,label\nlovely film,positive\nawful film,negative\nok film,\n", "utf-8")
    dataset = load_dataset(data)
    tab = main_window.tab_widgets["labelTab"]
    main_window.state.workspace.set_dataset(dataset)  # what the Dataset tab does on loading
    assert tab.offer_bar.isVisibleTo(tab)
    assert "reviews.csv" in tab.offer_label.text()
    main_window.settings.setValue("label/annotator", "tester")
    with qtbot.waitSignal(tab.queue_reordered, timeout=60000):
        assert tab.create_project(str(tmp_path / "reviews.sstudio"), dataset, source=str(data))
    assert not tab.offer_bar.isVisibleTo(tab)
    assert main_window.windowTitle().startswith("reviews.sstudio")
    assert tab.store.counts()["labelled"] == 2 and tab.current_row() == 3
    assert main_window.project_menu.recent()[0].endswith("reviews.sstudio")
    # Save as: the copy is the open project now, in the title and the recent list.
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_1)
    assert tab.save_project_as(str(tmp_path / "copy.sstudio"))
    assert main_window.windowTitle().startswith("copy.sstudio")
    assert main_window.project_menu.recent()[0].endswith("copy.sstudio")
    assert tab.store.row(row).label == tab.store.labels[0]
    qtbot.keyClick(tab.card, Qt.Key.Key_1)
    from desktop_app.core.project.store import ProjectStore

    with ProjectStore.open(tmp_path / "reviews.sstudio") as original:
        assert original.counts()["labelled"] == 3  # the later label went to the copy only


def test_review_finds_a_contradicted_label_and_note_key(qtbot, main_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from desktop_app.core.project.store import ProjectStore

    good = ["I absolutely loved this, wonderful", "Great film, fantastic acting", "What a delight",
            "Brilliant and moving, loved it", "Superb, happy I watched it", "An excellent, joyful film",
            "Wonderful cast, great story", "Amazing, I adore it", "Fantastic experience, so good",
            "Lovely and charming, a joy"]  # fmt: skip
    bad = ["Terrible, I hated every minute", "Awful film, boring and bad", "What a disaster",
           "Dreadful and dull, hated it", "Horrible, a waste of time", "A miserable, painful film",
           "Bad acting, awful story", "Disgusting, I loathe it", "Worst experience, so bad",
           "Ugly and tedious, a chore"]  # fmt: skip
    rows = [{"text": t, "label": "positive"} for t in good]
    rows += [{"text": t, "label": "negative"} for t in bad]
    rows += [{"text": "Absolutely wonderful, I loved it so much, brilliant", "label": "negative"}]
    rows += [{"text": "The bus leaves at noon", "label": None}]
    path = tmp_path / "review.sstudio"
    ProjectStore.create(path, rows).close()
    tab = _open(qtbot, main_window, path)
    tab.side.setCurrentIndex(1)
    with qtbot.waitSignal(main_window.service.result, timeout=60000,
                          check_params_cb=lambda j, n, p: n == "review_labels"):  # fmt: skip
        qtbot.mouseClick(tab.review_button, Qt.MouseButton.LeftButton)
    review = tab.review_list
    qtbot.waitUntil(lambda: not review.controller.is_busy(), timeout=5000)
    texts = review.shown_texts()
    flagged = [r for r, text in enumerate(texts) if "the model says positive" in text]
    assert flagged and review.row_id(flagged[0]) == 21
    index = review.view.model().index(flagged[0], 1)
    review.view.doubleClicked.emit(index)  # double-click: the row opens on the card
    assert tab.current_row() == 21 and "loved it so much" in tab.card_text()
    qtbot.keyClick(tab.card, Qt.Key.Key_2)  # relabel it: labels are negative (1), positive (2)
    assert tab.store.row(21).label == "positive"

    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("check sarcasm", True))
    row = tab.current_row()
    qtbot.keyClick(tab.card, Qt.Key.Key_N)
    assert tab.store.history(row)[-1].note == "check sarcasm"
    assert "check sarcasm" in tab.card.note_label.text()


def test_the_session_line_reads_as_a_sentence(main_window):
    tab = main_window.tab_widgets["labelTab"]
    panel = tab.page.progress_panel
    panel.show_rate(1, 0.0)  # one label: no speed yet
    assert tab.rate_label.text() == "This session: 1 label"
    panel.show_rate(12, 340.4)
    assert tab.rate_label.text() == "This session: 12 labels · 340 labels/hour"
