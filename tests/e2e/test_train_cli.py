"""`train` and `evaluate` subcommands in subprocesses: one JSON document, errors in one line."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.core.tiny_models import sentences

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def write_csv(path: Path, texts, labels) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review", "sentiment"])
        writer.writerows(zip(texts, labels, strict=True))
    return path


def test_train_then_evaluate_json(tmp_path):
    texts, labels = sentences(60)
    data = write_csv(tmp_path / "reviews.csv", texts, labels)
    out = tmp_path / "model"
    run = cli(
        "train",
        str(data),
        "--model",
        "bilstm",
        "--out",
        str(out),
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--lr",
        "0.01",
        "--threads",
        "1",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert {
        "accuracy",
        "macro_f1",
        "per_class",
        "confusion_matrix",
        "labels",
        "train_seconds",
    } <= set(doc)
    assert doc["labels"] == ["negative", "positive"]
    assert sum(map(sum, doc["confusion_matrix"])) == 6  # 10% of 60 rows
    assert doc["sizes"] == {"train": 48, "validation": 6, "test": 6}
    assert "epoch 2/2" in run.stderr  # progress goes to standard error
    assert (out / "training.json").is_file()

    # evaluate on a file with one class only, and an unlabelled row: skipped and counted;
    # its rows are training rows, scored here only because --include-seen asks for it
    pos = [t for t, lab in zip(texts, labels, strict=True) if lab == "positive"][:10]
    subset = write_csv(
        tmp_path / "subset.csv", [*pos, "an unlabelled text"], ["positive"] * 10 + [""]
    )
    run = cli("evaluate", str(out), str(subset), "--json", "--include-seen")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["rows"] == 10 and doc["skipped_unlabelled"] == 1
    assert doc["excluded_seen"] == 0 and 0 < doc["seen_rows"] <= 10 and doc["guard"] == "included"
    assert "not a held-out estimate" in doc["notes"][0]
    assert doc["labels"] == ["negative", "positive"] and doc["model"] == "bilstm"
    assert doc["per_class"]["positive"]["support"] == 10

    # a label the model does not know is a clear one-line error
    bad = write_csv(tmp_path / "bad.csv", texts[:6], ["neutral"] * 6)
    run = cli("evaluate", str(out), str(bad), "--label-column", "sentiment")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines()[-1].startswith("error: ") and "neutral" in run.stderr
    assert "Traceback" not in run.stderr


def _project(tmp_path: Path, labelled: int) -> tuple[Path, list[str]]:
    from desktop_app.core.project.store import ProjectStore

    texts, labels = sentences(60)
    project = tmp_path / "p.sstudio"
    rows = [
        {"text": t, "label": lab if i < labelled else None}
        for i, (t, lab) in enumerate(zip(texts, labels, strict=True))
    ]
    ProjectStore.create(project, rows).close()
    return project, labels


def test_train_a_model_on_a_project(tmp_path):
    project, _labels = _project(tmp_path, 30)
    run = cli(
        "train", str(project), "--model", "bilstm", "--out", str(tmp_path / "m"), "--epochs",
        "1", "--threads", "1", "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert sum(doc["sizes"].values()) == 30 and doc["data"] == str(project)
    assert doc["labels"] == ["negative", "positive"] and doc["model"] == "bilstm"
    assert (tmp_path / "m" / "training.json").is_file()


def test_train_on_a_project_uses_its_current_labels(tmp_path):
    from desktop_app.core.project.store import ProjectStore

    project, labels = _project(tmp_path, 30)
    run = cli("train", str(project), "--model", "vader", "--out", str(tmp_path / "v"), "--json")
    assert run.returncode == 0, run.stderr
    assert sum(json.loads(run.stdout)["sizes"].values()) == 30
    # Label ten more rows: the next run trains on them too, each in its project split.
    with ProjectStore.open(project) as store:
        for row_id in range(31, 41):
            store.label(row_id, labels[row_id - 1], "alice")
        splits = store.split_data()
    run = cli("train", str(project), "--model", "vader", "--out", str(tmp_path / "w"), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["sizes"] == {name: len(splits[name][0]) for name in splits}
    assert sum(doc["sizes"].values()) == 40

    run = cli("train", str(project), "--model", "vader", "--out", str(tmp_path / "x"),
              "--test-split", "0.2")  # fmt: skip
    assert run.returncode == 2 and "--test-split: for data files only" in run.stderr
