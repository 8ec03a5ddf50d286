"""A project keeps every column of the imported file: metadata, exports, old projects."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from desktop_app.core.data.dataset import load_dataset
from desktop_app.core.errors import ProjectError
from desktop_app.core.project.schema import SCHEMA_VERSION, migrate
from desktop_app.core.project.store import ProjectStore, import_data

# review_id/product/when are plain metadata; split and annotator collide with the export's
# own columns; orig_split is the file's own and keeps its name (so split -> orig_orig_split).
COLUMNS = [
    "review_id",
    "product",
    "review",
    "split",
    "sentiment",
    "annotator",
    "orig_split",
    "when",
]
ROWS = [
    ["R-001", "Café crème", "Loved every minute", "a", "positive", "x", "o1", "2024-01-02"],
    ["R-002", "Ωmega 東京", "Dull, far too long", "b", "negative", "y", "o2", "2024-01-03"],
    ["R-003", "naïve — “quoted”", "Not sure what to think", "c", "", "z", "", "2024-01-04"],
    ["R-004", "", "A film about 猫", "", "positive", "", "o4", ""],
]
EXPORTED = [
    "review_id", "product", "text", "orig_orig_split", "label", "orig_annotator", "orig_split",
    "when", "row", "source_row", "original_label", "split", "annotator", "labelled_at", "note",
]  # fmt: skip


def _write(tmp_path: Path, fmt: str) -> Path:
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    path = tmp_path / f"reviews.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        frame.to_excel(path, index=False)
    else:
        with open(path, "w", encoding="utf-8") as fh:
            for row in ROWS:
                fh.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False))
                fh.write("\n")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        return frame.to_dict("records")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


@pytest.mark.parametrize("source", ["csv", "xlsx", "jsonl"])
@pytest.mark.parametrize("target", ["csv", "xlsx", "jsonl"])
def test_file_columns_round_trip(tmp_path, source, target):
    data = _write(tmp_path, source)
    store, added, _created = import_data(
        tmp_path / "p.sstudio", str(data), text_column="review", label_column="sentiment"
    )
    with store:
        assert added == 4
        others = ["review_id", "product", "split", "annotator", "orig_split", "when"]
        assert store.metadata_columns() == others
        meta = store.metadata(2)
        assert meta["product"] == "Ωmega 東京" and meta["split"] == "b"
        assert meta["annotator"] == "y" and meta["when"] == "2024-01-03"
        store.label(3, "negative", "alice", note="hm")
        out = tmp_path / f"labels.{target}"
        report = store.export(out)
    assert report["columns"] == EXPORTED and report["rows"] == 4
    rows = _read(out)
    assert list(rows[0]) == EXPORTED
    for row, original in zip(rows, ROWS, strict=True):
        values = dict(zip(COLUMNS, original, strict=True))
        # The file's own columns, unchanged, colliding names with orig_ ...
        assert row["review_id"] == values["review_id"]
        assert row["product"] == values["product"]
        assert row["when"] == values["when"]
        assert row["orig_orig_split"] == values["split"]  # orig_split is the file's own
        assert row["orig_annotator"] == values["annotator"]
        assert row["orig_split"] == values["orig_split"]
        # ... the text and label columns once, under our names.
        assert row["text"] == values["review"]
    assert [r["label"] for r in rows] == ["positive", "negative", "negative", "positive"]
    assert [r["original_label"] for r in rows] == ["positive", "negative", "", "positive"]
    assert [r["source_row"] for r in rows] == ["0", "1", "2", "3"]
    assert [r["row"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[2]["annotator"] == "alice" and rows[2]["note"] == "hm"
    assert rows[2]["split"] in ("train", "validation", "test")


def test_old_project_opens_with_no_metadata(tmp_path):
    path = tmp_path / "old.sstudio"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=2)
    conn.executemany(
        "INSERT INTO rows(id, text, original_label, label, split, source_row) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(1, "good", "positive", "positive", "train", 4), (2, "bad", None, None, "", 7)],
    )
    conn.close()
    with ProjectStore.open(path) as store:
        assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert store.metadata_columns() == [] and store.metadata(1) == {}
        assert store.card_columns() == []
        report = store.export(tmp_path / "old.csv")
        assert report["columns"] == [
            "row", "source_row", "text", "label", "original_label", "split", "annotator",
            "labelled_at", "note",
        ]  # fmt: skip
        rows = _read(tmp_path / "old.csv")
        assert [(r["row"], r["source_row"]) for r in rows] == [("5", "4"), ("8", "7")]
        # Rows imported into it from now on keep their columns.
        store.add_rows(load_dataset(_write(tmp_path, "csv")))
        assert store.metadata_columns()[:2] == ["review_id", "product"]
        assert store.metadata(1)["review_id"] is None
        assert store.metadata(3)["review_id"] == "R-001"


def test_second_file_with_other_columns(tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("id,text,label,shop\n1,good film,positive,A\n2,bad film,negative,B\n")
    second = tmp_path / "b.csv"
    second.write_text("comment,colour,id\nfine I guess,blue,9\n")
    store, _n, _created = import_data(tmp_path / "p.sstudio", str(first))
    store.close()
    store, _n, _created = import_data(tmp_path / "p.sstudio", str(second), label_column="")
    with store:
        assert store.file_columns() == [
            ("id", ""), ("text", "text"), ("label", "label"), ("shop", ""), ("colour", ""),
        ]  # fmt: skip
        assert store.metadata_rows([1, 3]) == {
            1: {"id": "1", "shop": "A", "colour": None},
            3: {"id": "9", "shop": None, "colour": "blue"},
        }
        rows = store.export_rows()
    assert [r["text"] for r in rows] == ["good film", "bad film", "fine I guess"]
    assert [r["id"] for r in rows] == ["1", "2", "9"]
    assert [r["source_row"] for r in rows] == [0, 1, 0]  # each file counts from 0


def test_card_columns_are_kept_in_the_project(tmp_path):
    store, _n, _created = import_data(tmp_path / "p.sstudio", str(_write(tmp_path, "csv")))
    with store:
        store.set_card_columns(["when", "review_id"])
        with pytest.raises(ProjectError, match="no column 'stars'"):
            store.set_card_columns(["stars"])
    with ProjectStore.open(tmp_path / "p.sstudio") as again:
        assert again.card_columns() == ["when", "review_id"]
        assert again.get_state("label.card_columns") == ["when", "review_id"]


def test_to_dataset_keeps_the_rows_place_in_the_file(tmp_path):
    data = tmp_path / "gaps.csv"
    data.write_text("text,label\nfirst,positive\n,negative\nthird,negative\n\nfifth,positive\n")
    dataset = load_dataset(data)
    assert dataset.frame["source_row"].tolist() == [0, 2, 4]  # blank texts dropped
    store = ProjectStore.create(tmp_path / "p.sstudio", dataset)
    with store:
        view = store.to_dataset()
        assert view.frame["source_row"].tolist() == [0, 2, 4]
        assert [r["source_row"] for r in store.export_rows()] == [0, 2, 4]


def test_many_rows_keep_their_cells(tmp_path):
    n = 12_345  # several insert batches
    frame = pd.DataFrame(
        {
            "id": [f"id-{i:05d}" for i in range(n)],
            "text": [f"text number {i}" for i in range(n)],
            "label": ["positive" if i % 2 else "negative" for i in range(n)],
            "score": list(range(n)),
        }
    )
    frame.to_csv(tmp_path / "big.csv", index=False)
    store, added, _created = import_data(tmp_path / "p.sstudio", str(tmp_path / "big.csv"))
    with store:
        assert added == n
        assert store.metadata(n) == {"id": f"id-{n - 1:05d}", "score": str(n - 1)}
        report = store.export(tmp_path / "out.jsonl", labelled_only=True)
    assert report["rows"] == n
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])
    assert last["id"] == f"id-{n - 1:05d}" and last["score"] == str(n - 1)
    assert last["source_row"] == n - 1
