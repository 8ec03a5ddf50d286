"""Issue 11 from the command line: the leakage guard in `evaluate` and `predict`, classes that
don't match, and every training run kept (`runs list/show/compare/rename/pin/delete`)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.core.tiny_models import sentences

ROOT = Path(__file__).resolve().parents[2]


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        OMP_NUM_THREADS="1",
        SENTIMENT_STUDIO_HOME=str(home),
    )
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


def unique_reviews(tmp_path: Path) -> Path:
    texts, labels = sentences(60)
    texts = [f"{text} {i}" for i, text in enumerate(texts)]  # no two rows alike
    return write_csv(tmp_path / "reviews.csv", texts, labels)


def test_evaluate_and_predict_leave_out_the_training_rows(tmp_path):
    home = tmp_path / "home"
    data = unique_reviews(tmp_path)
    out = tmp_path / "model"
    train = cli(
        home, "train", str(data), "--model", "bilstm", "--out", str(out), "--epochs", "1",
        "--batch-size", "8", "--threads", "1", "--json",
    )  # fmt: skip
    assert train.returncode == 0, train.stderr
    trained = json.loads(train.stdout)
    sizes = trained["sizes"]
    assert trained["run"]["id"] and trained["accuracy_ci"] is not None  # 6 test rows
    assert (out / "seen_texts.safetensors").is_file()

    run = cli(home, "evaluate", str(out), str(data), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["excluded_seen"] == sizes["train"] + sizes["validation"]
    assert doc["rows"] == sizes["test"] == sum(map(sum, doc["confusion_matrix"]))
    assert doc["seen_by_split"] == {"train": sizes["train"], "validation": sizes["validation"]}
    assert doc["guard"] == "applied" and doc["include_seen"] is False
    assert doc["run"]["id"] == trained["run"]["id"]
    assert len(doc["accuracy_ci"]) == 2 and len(doc["macro_f1_ci"]) == 2

    table = tmp_path / "predictions.csv"
    run = cli(home, "predict", str(out), "--file", str(data), "--out", str(table))
    assert run.returncode == 0, run.stderr
    with open(table, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 60  # every row is written ...
    assert [int(r["source_row"]) for r in rows] == list(range(60))
    label = f"{trained['run']['name']} ({trained['run']['id']})"
    assert {r["model"] for r in rows} == {label}
    seen = [r["seen"] for r in rows]
    assert seen.count("train") == sizes["train"]
    assert seen.count("validation") == sizes["validation"]
    assert seen.count("") == sizes["test"]
    # ... and the accuracy printed leaves the seen rows out
    assert f"n = {sizes['test']})" in run.stdout
    assert f"Left out {sizes['train'] + sizes['validation']} rows the model saw" in run.stdout


def test_subset_classes_and_the_runs_commands(tmp_path):
    home = tmp_path / "home"
    reviews = unique_reviews(tmp_path)
    texts, labels = sentences(20)
    three = write_csv(
        tmp_path / "three.csv",
        [*texts, *(f"the film was shown on day {i}" for i in range(10))],
        [*labels, *(["neutral"] * 10)],
    )
    # a 3-class model (VADER, kept as a run and saved) evaluated on a 2-class file
    vader = tmp_path / "vader3"
    run = cli(home, "train", str(three), "--model", "vader", "--out", str(vader), "--json")
    assert run.returncode == 0, run.stderr
    first = json.loads(run.stdout)["run"]
    assert first["kind"] == "vader"
    run = cli(home, "evaluate", str(vader), str(reviews), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["labels"] == ["negative", "neutral", "positive"]
    assert any("neutral" in warning for warning in doc["warnings"])
    assert "warning:" in run.stderr
    within = doc["within_file_classes"]
    assert within["labels"] == ["negative", "positive"]
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix"} <= set(within)
    assert within["accuracy"] >= doc["accuracy"]
    assert doc["excluded_seen"] == 0 and doc["guard"] == "applied"  # VADER saw nothing

    run = cli(home, "train", str(reviews), "--model", "vader", "--out", str(tmp_path / "v2"))
    assert run.returncode == 0, run.stderr

    listed = cli(home, "runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)["runs"]
    assert len(runs) == 2 and runs[1]["id"] == first["id"]  # newest first
    keys = {"id", "name", "kind", "created", "folder", "pinned", "data", "metrics"}
    for entry in runs:
        assert keys <= set(entry)
        assert entry["metrics"]["accuracy"] is not None and entry["metrics"]["macro_f1"] is not None
    second = runs[0]
    assert second["data"] == "reviews.csv"

    compare = cli(home, "runs", "compare", first["id"], second["id"], "--json")
    assert compare.returncode == 0, compare.stderr
    doc = json.loads(compare.stdout)
    assert doc["a"]["id"] == first["id"] and "accuracy" in doc["metrics"]
    assert "different data" in " ".join(doc["notes"])

    assert cli(home, "runs", "rename", first["id"], "VADER three classes").returncode == 0
    assert cli(home, "runs", "pin", first["id"][:15]).returncode == 0
    shown = json.loads(cli(home, "runs", "show", "VADER three classes", "--json").stdout)
    assert shown["id"] == first["id"] and shown["pinned"] is True
    assert shown["sizes"] and shown["metrics"]["confusion_matrix"]
    text = cli(home, "runs", "list").stdout
    assert "VADER three classes" in text and "1 pinned" in text
    assert " kB" in text or " MB" in text  # the disk the runs take
    gone = cli(home, "runs", "delete", second["id"])
    assert gone.returncode == 0 and "Deleted" in gone.stdout
    missing = cli(home, "runs", "show", second["id"])
    assert missing.returncode == 2 and missing.stderr.startswith("error: No run")
