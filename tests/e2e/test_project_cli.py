"""`python -m desktop_app project`: import, export, stats, clear errors (in subprocesses)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "project", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "review", "sentiment"])
        writer.writerow([1, "Loved every minute of it", "positive"])
        writer.writerow([2, "Dull and far too long", "negative"])
        writer.writerow([3, '=HYPERLINK("http://x") not bad at all', ""])
        writer.writerow([4, "Café au lait, très bien", ""])
        writer.writerow([5, "I would not watch it again", ""])
    return path


def test_import_stats_export(tmp_path):
    project = tmp_path / "reviews.sstudio"
    data = _data(tmp_path)
    out = _run(
        str(project),
        "--import",
        str(data),
        "--text-column",
        "review",
        "--label-column",
        "sentiment",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["created"] is True
    assert doc["imported"] == 5
    assert doc["labelled"] == 2 and doc["total"] == 5
    assert doc["labels"] == ["negative", "positive"]
    assert doc["metadata_columns"] == ["id"]

    # Label one row as another annotator would, then look at the statistics.
    from desktop_app.core.project.store import ProjectStore

    with ProjectStore.open(project) as store:
        store.label(4, "positive", "alice")

    out = _run(str(project), "--stats", "--json")
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["labelled"] == 3
    assert stats["per_class"] == {"negative": 1, "positive": 2}
    assert stats["annotators"] == {"alice": 1}

    out = _run(str(project), "--stats")
    assert out.returncode == 0, out.stderr
    assert "3 labelled" in out.stdout and "alice 1" in out.stdout

    export = tmp_path / "labels.csv"
    out = _run(str(project), "--export", str(export))
    assert out.returncode == 0, out.stderr
    with open(export, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5  # every row by default
    # The file's columns in its order (text and label once, as ours), then ours.
    assert list(rows[0]) == [
        "id", "text", "label", "row", "source_row", "original_label", "split", "annotator",
        "labelled_at", "note",
    ]  # fmt: skip
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["source_row"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert [r["row"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["label"] for r in rows] == ["positive", "negative", "", "positive", ""]
    assert rows[3]["text"] == "Café au lait, très bien" and rows[3]["annotator"] == "alice"
    assert rows[2]["text"].startswith("'=HYPERLINK")  # neutralised for spreadsheets

    out = _run(
        str(project), "--export", str(tmp_path / "labelled.jsonl"), "--labelled-only", "--json"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["rows"] == 3
    lines = (tmp_path / "labelled.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["label"] for line in lines] == ["positive", "negative", "positive"]

    # --import on an existing project adds rows.
    out = _run(
        str(project),
        "--import",
        str(data),
        "--text-column",
        "review",
        "--label-column",
        "sentiment",
    )
    assert out.returncode == 0, out.stderr
    assert "Added to" in out.stdout
    with ProjectStore.open(project) as store:
        assert store.row_count() == 10
        assert store.row(4).label == "positive"


def test_errors_are_one_line(tmp_path):
    not_project = tmp_path / "notes.sstudio"
    not_project.write_text("hello", encoding="utf-8")
    out = _run(str(not_project), "--stats")
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "not a Sentiment Studio project" in out.stderr
    assert "Traceback" not in out.stderr

    out = _run(str(tmp_path / "missing.sstudio"), "--export", str(tmp_path / "x.csv"))
    assert out.returncode == 2 and "does not exist" in out.stderr

    out = _run(str(tmp_path / "p.sstudio"), "--stats", "--export", "x.csv")
    assert out.returncode != 0 and "not allowed with" in out.stderr


def test_project_open_in_the_app_is_read_but_not_written(tmp_path):
    from desktop_app.core.project.store import ProjectStore
    from tests.core.other_instance import Other

    project = tmp_path / "held.sstudio"
    ProjectStore.create(project, [("good", "positive"), ("bad", "negative"), "meh"]).close()
    app = Other(project)  # a live app instance has it open for labelling
    try:
        out = _run(str(project), "--import", str(_data(tmp_path)))
        assert out.returncode == 2
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
        assert out.stderr.startswith("error: Cannot add rows to held.sstudio: it is open in")
        assert f"(process {app.proc.pid})" in out.stderr and "Close the project there" in out.stderr

        out = _run(str(project), "--stats", "--json")  # reading it is fine meanwhile
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["labelled"] == 2
        assert app.send("label") == "ok"  # and the app labels on
    finally:
        app.close()


def test_damaged_meta_is_a_warning(tmp_path):
    import sqlite3

    from desktop_app.core.project.store import ProjectStore

    project = tmp_path / "damaged.sstudio"
    ProjectStore.create(project, [("good", "positive"), ("bad", "negative")]).close()
    conn = sqlite3.connect(project)
    with conn:
        conn.execute("UPDATE meta SET value = '[oops' WHERE key = 'labels'")
    conn.close()
    out = _run(str(project), "--stats")
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith("warning: The project's saved list of labels is not valid JSON")
    assert "2 labelled" in out.stdout and "negative" in out.stdout


def test_apply_labels(tmp_path):
    from desktop_app.core.project.store import ProjectStore

    project = tmp_path / "reviews.sstudio"
    out = _run(str(project), "--import", str(_data(tmp_path)), "--text-column", "review")
    assert out.returncode == 0, out.stderr
    # Label the export elsewhere, as a spreadsheet user would, and bring the labels back.
    export = tmp_path / "todo.csv"
    assert _run(str(project), "--export", str(export)).returncode == 0
    with open(export, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[2]["label"] = "positive"  # a pool row
    rows[1]["label"] = "positive"  # a relabel
    rows[4]["label"] = "mixed"  # not a class yet
    with open(export, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    out = _run(str(project), "--apply-labels", str(export))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: Labels that are not classes") and "'mixed'" in out.stderr
    assert "--add-classes" in out.stderr and out.stderr.count("\n") == 1
    with ProjectStore.open(project) as store:
        assert store.event_count() == 0  # nothing applied

    out = _run(
        str(project), "--apply-labels", str(export), "--annotator", "carol", "--add-classes",
        "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["applied"] == 3 and doc["unchanged"] == 1 and doc["empty"] == 1
    assert doc["unknown_rows"] == 0 and doc["unknown_labels"] == 1
    assert doc["added_classes"] == ["mixed"] and doc["annotator"] == "carol"
    assert doc["labelled"] == 4
    with ProjectStore.open(project) as store:
        assert [r.label for r in store.rows()] == [
            "positive", "positive", "positive", None, "mixed",
        ]  # fmt: skip
        assert store.history(3)[0].annotator == "carol"

    labels = tmp_path / "more.csv"
    labels.write_text("source_row,label\n3,negative\n42,negative\n", encoding="utf-8")
    out = _run(str(project), "--apply-labels", str(labels))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Applied 1 of 2 labels") and "as 'import'" in out.stdout
    assert "match no row of the project (line 3: source_row 42)" in out.stderr

    out = _run(str(project), "--export", str(tmp_path / "x.csv"), "--annotator", "dan")
    assert out.returncode == 2 and "go with --apply-labels" in out.stderr
