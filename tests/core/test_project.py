"""The project store: labels persist, undo and history, migrations, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.core.errors import ProjectError
from desktop_app.core.project.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from desktop_app.core.project.store import ProjectStore, split_for_row

ROWS = [
    ("I love this film", "positive"),
    ("Terrible, boring, too long", "negative"),
    ("It was fine I guess", None),
    ("What a waste of time", None),
    ("Best day ever", None),
    ("I love this film", "negative"),  # a conflicting duplicate
]


@pytest.fixture
def project(tmp_path: Path) -> ProjectStore:
    store = ProjectStore.create(tmp_path / "p.sstudio", ROWS)
    yield store
    store.close()


def test_create_keeps_file_labels_as_original_and_current(project):
    rows = project.rows()
    assert [r.text for r in rows] == [t for t, _ in ROWS]
    assert [r.label for r in rows] == [lab for _, lab in ROWS]
    assert [r.original_label for r in rows] == [lab for _, lab in ROWS]
    assert project.labels == ["negative", "positive"]
    counts = project.counts()
    assert counts["total"] == 6
    assert counts["labelled"] == 3
    assert counts["per_class"] == {"negative": 2, "positive": 1}
    assert project.unlabelled_ids() == [3, 4, 5]
    # Labelled rows got a split; unlabelled ones have none yet.
    assert all(r.split in ("train", "validation", "test") for r in rows if r.label)
    assert all(r.split == "" for r in rows if r.label is None)


def test_a_new_class_joins_the_labels(project):
    project.label(3, "mixed", "alice")  # declared in the label's own transaction
    assert project.labels == ["negative", "positive", "mixed"]
    with ProjectStore.open(project.path, mode="read_only") as reader:
        assert reader.labels == ["negative", "positive", "mixed"]


def test_label_reopen_label_is_there(tmp_path):
    path = tmp_path / "p.sstudio"
    store = ProjectStore.create(path, ROWS)
    event = store.label(3, "neutral", "alice", note="sarcasm?")
    assert event > 0
    store._conn.close()  # no clean close: no checkpoint, the WAL holds the label
    store._conn = None
    reopened = ProjectStore.open(path)
    row = reopened.row(3)
    assert row.label == "neutral"
    assert row.original_label is None
    assert row.split == split_for_row(3, reopened.fractions)
    assert reopened.unlabelled_ids() == [4, 5]
    exported = {r["row"]: r for r in reopened.export_rows()}
    assert exported[3]["annotator"] == "alice"
    assert exported[3]["note"] == "sarcasm?"
    assert exported[3]["labelled_at"]
    reopened.close()


def test_undo_restores_previous_label_and_history_keeps_everything(project):
    project.label(3, "neutral", "alice")
    project.label(3, "positive", "alice")
    project.label(4, "negative", "alice")
    undone = project.undo()
    assert undone.row_id == 4 and undone.label == "negative"
    assert project.row(4).label is None
    undone = project.undo()
    assert undone.row_id == 3 and undone.label == "positive"
    assert project.row(3).label == "neutral"
    history = project.history(3)
    assert [(e.kind, e.label, e.previous_label) for e in history] == [
        ("label", "neutral", None),
        ("label", "positive", "neutral"),
        ("undo", "neutral", "positive"),
    ]
    assert [e.undone for e in history] == [False, True, False]
    assert all(e.annotator == "alice" for e in history)
    # Undo reaches the first label, then there is nothing left.
    assert project.undo().row_id == 3
    assert project.row(3).label is None
    assert project.undo() is None
    assert project.counts()["labelled"] == 3


def test_undo_of_one_annotator_leaves_the_other(project):
    project.label(3, "neutral", "alice")
    project.label(4, "negative", "bob")
    assert project.undo("alice").row_id == 3
    assert project.row(4).label == "negative"


def test_split_is_deterministic_and_follows_fractions():
    fractions = {"train": 0.8, "validation": 0.1, "test": 0.1}
    splits = [split_for_row(i, fractions) for i in range(1, 5001)]
    assert splits == [split_for_row(i, fractions) for i in range(1, 5001)]
    share = splits.count("train") / len(splits)
    assert 0.77 < share < 0.83
    assert splits.count("validation") > 400 and splits.count("test") > 400
    assert split_for_row(7, {"train": 0, "validation": 0, "test": 1}) == "test"


def test_agreement_kappa_and_disagreements(project):
    for row_id, a, b in [
        (3, "neutral", "neutral"),
        (4, "negative", "negative"),
        (5, "positive", "neutral"),
    ]:
        project.label(row_id, a, "alice")
        project.label(row_id, b, "bob")
    result = project.agreement("alice", "bob")
    assert result["rows"] == 3
    assert result["agreement"] == pytest.approx(2 / 3)
    from sklearn.metrics import cohen_kappa_score

    expected = cohen_kappa_score(
        ["neutral", "negative", "positive"], ["neutral", "negative", "neutral"]
    )
    assert result["kappa"] == pytest.approx(expected)
    assert [d["row_id"] for d in result["disagreements"]] == [5]
    assert result["disagreements"][0]["alice"] == "positive"


def test_conflicting_duplicates_and_labels_per_hour(project):
    dups = project.conflicting_duplicates()
    assert len(dups) == 1
    assert dups[0]["text"] == "I love this film"
    assert dups[0]["labels"] == {"positive": 1, "negative": 1}
    assert project.labels_per_hour() == 0.0
    for row_id in (3, 4, 5):
        project.label(row_id, "neutral", "alice")
    assert project.labels_per_hour() > 0


def test_training_runs_and_app_state(project, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    run = project.add_training_run("bilstm", {"epochs": 1}, {"accuracy": 0.5}, {"epochs": []})
    assert project.last_model_folder() is None
    project.set_run_model_folder(run, str(folder))
    assert project.last_model_folder() == str(folder)
    project.set_state("label.order", "uncertainty")
    assert project.get_state("label.order") == "uncertainty"
    assert project.get_state("missing", 3) == 3
    assert project.training_runs()[0]["config"] == {"epochs": 1}


def test_export_every_row_or_labelled_only(project, tmp_path):
    project.label(3, "neutral", "alice")
    out = tmp_path / "labels.csv"
    assert project.export(out)["rows"] == 6
    import csv

    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6
    assert rows[3]["label"] == ""
    assert rows[2]["label"] == "neutral" and rows[2]["annotator"] == "alice"
    assert project.export(tmp_path / "labelled.jsonl", labelled_only=True)["rows"] == 4


def test_save_as_copies_everything(project, tmp_path):
    project.label(3, "neutral", "alice")
    copy = project.save_as(tmp_path / "copy")
    assert copy.path.name == "copy.sstudio"
    assert copy.row(3).label == "neutral"
    assert len(copy.history(3)) == 1
    copy.close()


def _make_v1_project(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=1)
    conn.execute("""INSERT INTO meta(key, value) VALUES ('labels', '["negative", "positive"]')""")
    conn.execute(
        'INSERT INTO meta(key, value) VALUES (\'fractions\', \'{"train": 0.8, "validation": 0.1, "test": 0.1}\')'
    )
    conn.executemany(
        "INSERT INTO rows(id, text, original_label, label, split, source_row) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (1, "good", "positive", "positive", "train", 0),
            (2, "bad", None, "negative", "test", 1),
            (3, "meh", None, None, "", 2),
        ],
    )
    conn.execute(
        "INSERT INTO label_events(row_id, label, previous_label, annotator, created_at) VALUES (2, 'negative', NULL, 'old', 1.0)"
    )
    conn.close()


def test_migration_from_schema_v1(tmp_path):
    assert SCHEMA_VERSION >= 2 and set(MIGRATIONS) == set(range(1, SCHEMA_VERSION + 1))
    path = tmp_path / "old.sstudio"
    _make_v1_project(path)
    store = ProjectStore.open(path)
    version = store._conn.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    assert (tmp_path / "old.sstudio.v1.bak").exists()
    assert store.row(2).label == "negative"
    history = store.history(2)
    assert history[0].kind == "label" and history[0].annotator == "old" and history[0].note is None
    # The new columns work: undo the old label, add a note.
    assert store.undo().row_id == 2
    assert store.row(2).label is None
    store.label(3, "negative", "new", note="migrated")
    store.close()
    again = ProjectStore.open(path)
    assert again.row(3).label == "negative"
    assert again.history(3)[0].note == "migrated"
    again.close()


def test_not_a_project_gives_clear_error(tmp_path):
    text_file = tmp_path / "data.sstudio"
    text_file.write_text("text,label\nhello,positive\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="not a Sentiment Studio project"):
        ProjectStore.open(text_file)
    other_db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other_db)
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="SQLite database but not a Sentiment Studio project"):
        ProjectStore.open(other_db)
    with pytest.raises(ProjectError, match="does not exist"):
        ProjectStore.open(tmp_path / "missing.sstudio")


def test_corrupt_file_gives_clear_error(tmp_path):
    path = tmp_path / "p.sstudio"
    store = ProjectStore.create(path, [(f"text number {i} " * 20, "positive") for i in range(500)])
    store.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    page = 4096
    data[2 * page : 6 * page] = b"\xde\xad\xbe\xef" * page  # wipe pages in the middle
    path.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match="damaged"):
        ProjectStore.open(path)


def test_truncated_file_gives_clear_error(tmp_path):
    path = tmp_path / "p.sstudio"
    store = ProjectStore.create(path, [(f"text number {i} " * 20, "positive") for i in range(500)])
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProjectError, match="damaged"):
        ProjectStore.open(path)


def test_newer_version_gives_clear_error(tmp_path):
    path = tmp_path / "p.sstudio"
    ProjectStore.create(path, ROWS).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectError, match="newer version"):
        ProjectStore.open(path)


def test_opening_never_runs_stored_triggers(tmp_path):
    path = tmp_path / "p.sstudio"
    ProjectStore.create(path, ROWS).close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER evil AFTER UPDATE ON rows BEGIN DELETE FROM label_events; END")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="trigger"):
        ProjectStore.open(path)
