"""LabelSession and prepare_training_data: the project is the truth for labels and training."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import UserError
from desktop_app.core.labelling.session import LabelSession
from desktop_app.core.project.store import ProjectStore
from desktop_app.core.training.data import prepare_training_data


def _rows(n: int, labelled: int) -> list[dict]:
    labels = ("negative", "positive")
    return [
        {"text": f"text number {i}", "label": labels[i % 2] if i < labelled else None}
        for i in range(n)
    ]


@pytest.fixture
def session(tmp_path):
    store = ProjectStore.create(
        tmp_path / "p.sstudio", _rows(40, 8), labels=["negative", "positive"]
    )
    yield LabelSession(store)
    store.close()


def test_labels_and_undo_change_the_counts_and_the_training_data(session):
    assert session.counts()["labelled"] == 8
    with pytest.raises(UserError, match="Only 8 labelled texts"):
        prepare_training_data(session)
    pool = session.unlabelled_ids()
    changes = [
        session.label(row, ("negative", "positive")[i % 2], "me") for i, row in enumerate(pool[:12])
    ]
    assert [c.version for c in changes] == list(range(1, 13))
    assert changes[0].what == "labels" and changes[0].row_ids == (pool[0],)
    assert session.counts()["labelled"] == 20 and session.is_labelled(pool[0])
    data, notes = prepare_training_data(session)
    assert sum(data.sizes().values()) == 20
    assert data.fingerprint == session.fingerprint()  # one fingerprint for both
    assert notes
    event, change = session.undo("me")
    assert event.row_id == pool[11] and change.row_ids == (pool[11],)
    assert not session.is_labelled(pool[11]) and session.counts()["labelled"] == 19
    again, _ = prepare_training_data(session)
    assert sum(again.sizes().values()) == 19

    # A row's split comes from its id: labelling more rows never moves it.
    def split_of(data, text):
        for name, texts in (
            ("train", data.train_texts),
            ("validation", data.val_texts),
            ("test", data.test_texts),
        ):
            if text in texts:
                return name

    for row in pool[:11]:
        assert split_of(data, session.text(row)) == split_of(again, session.text(row))
    assert session.dataset().frame["label"].notna().sum() == 19


def test_prepare_training_data_from_a_dataset_splits_when_needed(tmp_path):
    from desktop_app.core.data.dataset import load_dataset

    path = tmp_path / "d.csv"
    path.write_text(
        "text,label\n" + "".join(f"t{i},{'pos' if i % 2 else 'neg'}\n" for i in range(50))
    )
    dataset = load_dataset(str(path))
    data, notes = prepare_training_data(dataset)
    assert data.sizes() == {"train": 40, "validation": 5, "test": 5}
    assert "80/10/10" in notes[0]
    with pytest.raises(UserError, match="No dataset"):
        prepare_training_data(None)


def test_counts_and_changes_after_label_undo_and_class_edit(session):
    before = session.counts()
    assert before == {
        "total": 40,
        "labelled": 8,
        "unlabelled": 32,
        "per_class": {"negative": 4, "positive": 4},
    }
    row = session.unlabelled_ids()[0]
    change = session.label(row, "positive", "me")
    assert change.to_dict() == {
        "what": "labels",
        "row_ids": [row],
        "version": 1,
        "label": "positive",
        "previous": None,
    }
    assert session.label_of(row) == "positive" and session.store.row(row).label == "positive"
    assert session.counts()["per_class"] == {"negative": 4, "positive": 5}
    relabel = session.label(row, "negative", "me")  # a second label moves the count
    assert relabel.version == 2 and relabel.details["previous"] == "positive"
    assert session.counts()["per_class"] == {"negative": 5, "positive": 4}

    event, undo = session.undo("me")
    assert event.label == "negative" and undo.version == 3 and undo.details["undo"]
    assert session.label_of(row) == "positive"  # the label before it, as in the store
    assert session.counts()["per_class"] == {"negative": 4, "positive": 5}
    session.undo("me")
    assert session.label_of(row) is None and session.counts() == before
    assert session.undo("nobody") == (None, None)  # nothing to undo: no change, no version
    assert session.version == 4

    classes = session.set_classes(["positive", "negative", "mixed"])
    assert classes.what == "classes" and classes.version == 5
    assert classes.details["classes"] == ["positive", "negative", "mixed"]
    assert session.labels == ["positive", "negative", "mixed"]
    assert session.counts()["per_class"] == {"positive": 4, "negative": 4, "mixed": 0}


def test_the_queue_asks_the_session_and_remembers_its_place(session, tmp_path):
    queue = session.make_queue()
    assert queue.order == "uncertainty" and not queue.include_labelled
    first = queue.current
    assert first is not None and not session.is_labelled(first)
    nxt = queue.upcoming(1)[0]
    session.label(nxt, "negative", "me")  # labelled: the queue skips it without being told
    assert nxt not in queue.upcoming(40)
    queue.set_order("file", include_labelled=False)
    queue.restart()
    queue.advance()
    session.save_queue(queue)

    again = LabelSession(session.store).make_queue()
    assert again.order == "file" and again.current == queue.current

    readonly = ProjectStore.open(session.path, mode="read_only")
    try:
        ro = LabelSession(readonly)
        ro.save_queue(ro.make_queue())  # read-only: nothing written, nothing raised
        assert ro.make_queue().current == queue.current
    finally:
        readonly.close()


def test_rows_added_and_refresh_are_changes(session):
    change = session.add_rows([{"text": "a new one", "label": None}])
    assert change.what == "rows" and change.details["added"] == 1
    assert session.counts()["total"] == 41
    session.store.label(session.ids[-1], "positive", "elsewhere")  # behind the session's back
    assert not session.is_labelled(session.ids[-1])
    refreshed = session.refresh()
    assert refreshed.what == "rows" and session.is_labelled(session.ids[-1])
