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
