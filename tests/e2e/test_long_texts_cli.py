"""Long texts on the command line: ``--long-text`` and the ``chunks`` column with a tiny saved
BERT, and (slow) issue 12's measure: MiniLM trained on sentences reads full movie reviews."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> Path:
    """A tiny BERT (64 positions) saved as a model folder with a training length of 12."""
    from desktop_app.core.models.transformer import TransformerModel
    from tests.core.tiny_models import make_tiny_bert

    base = make_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")
    model = TransformerModel.create(str(base), ["negative", "positive"])
    model.max_length = 12
    folder = tmp_path_factory.mktemp("saved") / "model"
    model.save(folder)
    return folder


LONG = " ".join(["the film was good and the plot was dull"] * 20)  # 180 tokens
K = 5  # windows of 62 tokens (64 with [CLS] and [SEP]) sharing at least 31: plan_windows(180, 62)


def test_predict_file_has_a_chunks_column_and_truncate_reads_one(tiny_folder, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text(f"text,label\ngood film,positive\n{LONG},negative\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = cli("predict", str(tiny_folder), "--file", str(data), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["long_text"] == "chunk" and summary["long_texts"] == 1
    assert summary["chunks"] == 1 + K and summary["truncated"] == 0
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["chunks"] for row in rows] == ["1", str(K)] and "truncated" not in rows[0]
    cut = cli("predict", str(tiny_folder), "--file", str(data), "--out", str(out),
              "--long-text", "truncate")  # fmt: skip
    assert cut.returncode == 0, cut.stderr
    assert "1 text was longer than the model reads at once (64 tokens) and truncated" in cut.stdout


def test_predict_text_json_gives_chunk_details(tiny_folder):
    done = cli("predict", str(tiny_folder), "--text", LONG, "--text", "good", "--json")
    assert done.returncode == 0, done.stderr
    long, short = json.loads(done.stdout)["results"]
    assert long["chunks"] == K and short["chunks"] == 1 and "chunk_details" not in short
    spans = [(c["start"], c["end"]) for c in long["chunk_details"]]
    assert spans[0][0] == 0 and spans[-1][1] == len(LONG)
    assert f"({K} chunks)" in cli("predict", str(tiny_folder), "--text", LONG).stdout


def test_evaluate_reports_chunks_and_refuses_an_unknown_mode(tiny_folder, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text(f"text,label\ngood film,positive\n{LONG},negative\n", encoding="utf-8")
    done = cli("evaluate", str(tiny_folder), str(data), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["long_texts"], doc["chunks"], doc["truncated"]) == (1, 1 + K, 0)
    assert doc["inference_limit"] == 64
    cut = json.loads(cli("evaluate", str(tiny_folder), str(data), "--long-text", "truncate",
                         "--json").stdout)  # fmt: skip
    assert (cut["long_texts"], cut["chunks"], cut["truncated"]) == (1, 2, 1)
    bad = cli("evaluate", str(tiny_folder), str(data), "--long-text", "middle")
    assert bad.returncode == 2 and "--long-text" in bad.stderr


def movie_reviews_csv(zip_path: Path, out: Path, per_class: int = 200) -> None:
    """The first ``per_class`` pos and neg files of movie_reviews (sorted by name) as text,label."""
    with zipfile.ZipFile(zip_path) as archive:
        names = sorted(archive.namelist())
        rows = []
        for folder, label in (("pos", "positive"), ("neg", "negative")):
            files = [n for n in names if f"/{folder}/" in n and n.endswith(".txt")][:per_class]
            rows += [(archive.read(n).decode("utf-8"), label) for n in files]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)


@pytest.mark.slow
def test_minilm_trained_on_sentences_reads_movie_reviews_whole(shared_data, tmp_path):
    """Issue 12: trained on rt_polarity snippets, evaluated on full reviews (~800 tokens)."""
    reviews = shared_data / "nltk_data" / "corpora" / "movie_reviews.zip"
    if not reviews.is_file():
        pytest.skip(f"{reviews} not found")
    data = tmp_path / "reviews.csv"
    movie_reviews_csv(reviews, data)
    folder = tmp_path / "minilm"
    train = shared_data / "sentiment" / "rt_polarity.csv"
    done = cli("train", str(train), "--model", "minilm", "--epochs", "1", "--out", str(folder),
               timeout=3600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = cli("evaluate", str(folder), str(data), "--json", timeout=3600)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["rows"] == 400 and doc["truncated"] == 0
    assert doc["long_texts"] > 300 and doc["chunks"] > 2 * doc["rows"]
    assert doc["accuracy"] >= 0.82, doc
