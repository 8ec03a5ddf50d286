"""Applying a table of source_row,label to a project: label events, counts, all or nothing."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import ProjectError
from desktop_app.core.project.apply import UnknownLabels, read_label_file
from desktop_app.core.project.store import ProjectStore, split_for_row

ROWS = [
    {"text": "I love this film", "label": "positive", "source_row": 0},
    {"text": "Terrible, boring", "label": "negative", "source_row": 1},
    {"text": "It was fine I guess", "source_row": 2},
    {"text": "What a waste of time", "source_row": 3},
    {"text": "Best day ever", "source_row": 4},
]


@pytest.fixture
def project(tmp_path):
    store = ProjectStore.create(tmp_path / "p.sstudio", ROWS)
    yield store
    store.close()


def test_labels_become_label_events(project):
    items = [
        ("line 2", "2", "negative"),  # applied (a pool row: it gets its split)
        ("line 3", "0", "positive"),  # unchanged
        ("line 4", 1, "positive"),  # applied (relabelled)
        ("line 5", "99", "negative"),  # no such row
        ("line 6", "abc", "negative"),  # not a row number
        ("line 7", "4", ""),  # no label: skipped
        ("line 8", "3.0", " negative "),  # applied
    ]
    report = project.apply_labels(items)
    assert report["rows"] == 7
    assert report["applied"] == 3 and report["unchanged"] == 1
    assert report["unknown_rows"] == 2 and report["empty"] == 1
    assert report["unknown_labels"] == 0 and report["added_classes"] == []
    assert report["examples"]["unknown_rows"] == ["line 5: source_row 99", "line 6: source_row abc"]
    assert [r.label for r in project.rows()] == [
        "positive", "positive", "negative", "negative", None,
    ]  # fmt: skip
    history = project.history(3)
    assert [(e.kind, e.label, e.previous_label, e.annotator) for e in history] == [
        ("label", "negative", None, "import")
    ]
    assert project.row(3).split == split_for_row(3, project.fractions)
    assert project.history(2)[0].previous_label == "negative"
    # Each is undoable like a key press.
    assert project.undo("import").row_id == 4
    assert project.row(4).label is None


def test_unknown_label_applies_nothing(project):
    before = project.event_count()
    items = [("line 2", "2", "negative"), ("line 3", "3", "mixed"), ("line 4", "4", "mixed")]
    with pytest.raises(UnknownLabels, match=r"'mixed' \(2 rows\)") as info:
        project.apply_labels(items, "bob")
    assert info.value.labels == {"mixed": 2}
    assert project.event_count() == before and project.row(3).label is None
    assert project.labels == ["negative", "positive"]

    report = project.apply_labels(items, "bob", add_classes=True)
    assert report["applied"] == 3 and report["unknown_labels"] == 2
    assert report["added_classes"] == ["mixed"]
    assert project.labels == ["negative", "positive", "mixed"]
    assert project.annotator_labels("bob") == {3: "negative", 4: "mixed", 5: "mixed"}


def test_a_row_number_shared_by_two_imports_is_not_guessed(project):
    project.add_rows([{"text": "from another file", "source_row": 2}])
    report = project.apply_labels([("line 2", 2, "positive"), ("line 3", 3, "positive")])
    assert report["ambiguous_rows"] == 1 and report["applied"] == 1
    assert project.row(3).label is None and project.row(6).label is None


def test_the_same_row_twice_is_two_events(project):
    report = project.apply_labels(
        [("a", 2, "positive"), ("b", 2, "negative"), ("c", 2, "negative")]
    )
    assert report["applied"] == 2 and report["unchanged"] == 1
    assert [e.label for e in project.history(3)] == ["positive", "negative"]
    assert project.row(3).label == "negative"


def test_many_labels_in_one_transaction(tmp_path):
    n = 20_000
    store = ProjectStore.create(
        tmp_path / "big.sstudio", [{"text": f"text {i}", "source_row": i} for i in range(n)]
    )
    with store:
        store.set_labels(["negative", "positive"])
        items = [(f"line {i + 2}", str(i), "positive" if i % 3 else "negative") for i in range(n)]
        report = store.apply_labels(items)
        assert report["applied"] == n
        counts = store.counts()
        assert counts["labelled"] == n
        assert counts["per_class"] == {"negative": 6667, "positive": 13333}
        assert sum(counts["splits"].values()) == n


def test_read_label_files(tmp_path):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("text,source_row,label\nx,3,positive\ny,007,\n", encoding="utf-8")
    assert read_label_file(csv_path) == [("line 2", "3", "positive"), ("line 3", "007", "")]
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_text('{"source_row": 1, "label": "négatif"}\n', encoding="utf-8")
    assert read_label_file(jsonl) == [("line 1", 1, "négatif")]
    bad = tmp_path / "bad.csv"
    bad.write_text("row,label\n1,positive\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="no column source_row"):
        read_label_file(bad)
    with pytest.raises(ProjectError, match="does not exist"):
        read_label_file(tmp_path / "missing.csv")
