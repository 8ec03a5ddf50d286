"""The predict and explain subcommands, run as a user would (subprocesses, VADER)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_predict_text_json():
    out = cli("predict", "vader", "--text", "I love it", "--text", "awful, just awful", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["labels"] == ["negative", "neutral", "positive"]
    first, second = doc["results"]
    assert first["label"] == "positive" and second["label"] == "negative"
    assert set(first["probabilities"]) == set(doc["labels"])
    assert abs(sum(first["probabilities"].values()) - 1) < 1e-6
    assert first["truncated"] is False
    assert doc["model"]["kind"] == "vader"


def test_explain_json_keys_and_exports(tmp_path):
    html, weights = tmp_path / "e.html", tmp_path / "w.csv"
    text = "The plot was dull but the acting was wonderful"
    out = cli(
        "explain", "vader", "--text", text, "--num-samples", "300", "--seed", "5",
        "--runs", "2", "--json", "--html", str(html), "--csv", str(weights),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    for key in ("label", "probabilities", "words", "deletion_check", "timings"):
        assert key in doc
    assert doc["label"] == "positive"
    assert set(doc["probabilities"]) == {"negative", "neutral", "positive"}
    words = doc["words"]
    assert {"word", "mean_weight", "sd", "sign_agreement"} <= set(words[0])
    assert words[0]["word"] == "wonderful" and words[0]["mean_weight"] > 0
    strengths = [abs(w["mean_weight"]) for w in words]
    assert strengths == sorted(strengths, reverse=True)
    check = doc["deletion_check"]
    assert {"k", "top_k_drop", "random_drop"} <= set(check)
    assert check["k"] >= 1 and check["top_k_drop"] > check["random_drop"]
    assert doc["timings"]["total_s"] > 0 and "model_s" in doc["timings"]
    assert doc["seeds"] == [5, 6] and doc["audit"]["model_fingerprint"] == "vader"
    assert "wonderful" in html.read_text(encoding="utf-8")
    assert "# lime_version:" in weights.read_text(encoding="utf-8")


def test_predict_file_writes_a_protected_spreadsheet(tmp_path):
    from openpyxl import load_workbook

    data = tmp_path / "tweets.csv"
    data.write_text(
        "text,label\n"
        '"@user what a great day",positive\n'
        '"=HYPERLINK(""http://x"") terrible",negative\n'
        '"this is awful",positive\n',
        encoding="utf-8",
    )
    out_path = tmp_path / "out.xlsx"
    out = cli("predict", "vader", "--file", str(data), "--out", str(out_path), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["rows"] == 3 and doc["labelled"] == 3
    assert abs(doc["accuracy"] - 2 / 3) < 1e-9
    assert doc["output"]["neutralised_cells"] == 2
    sheet = load_workbook(out_path).active
    header = [c.value for c in sheet[1]]
    texts = [row[header.index("text")].value for row in sheet.iter_rows(min_row=2)]
    assert texts[0] == "'@user what a great day"

    jsonl = tmp_path / "out.jsonl"
    out = cli("predict", "vader", "--file", str(data), "--out", str(jsonl))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["text"] == "@user what a great day"  # JSONL exact


def test_predict_file_keeps_the_files_columns(tmp_path):
    import csv

    data = tmp_path / "tickets.csv"
    data.write_text(
        "ticket,text,label,confidence,shop\n"
        "T-007,I love it,positive,high,Café Ω\n"
        "T-008,awful just awful,negative,low,\n",
        encoding="utf-8",
    )
    out_path = tmp_path / "out.csv"
    out = cli("predict", "vader", "--file", str(data), "--out", str(out_path), "--keep-columns")
    assert out.returncode == 0, out.stderr
    with open(out_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:5] == ["source_row", "ticket", "orig_confidence", "shop", "text"]
    assert [r["ticket"] for r in rows] == ["T-007", "T-008"]
    assert [r["shop"] for r in rows] == ["Café Ω", ""]
    assert [r["orig_confidence"] for r in rows] == ["high", "low"]
    assert float(rows[0]["confidence"]) > 0.5 and rows[0]["true_label"] == "positive"
    out = cli("predict", "vader", "--text", "good", "--keep-columns")
    assert out.returncode == 2 and "go with --file" in out.stderr


def test_user_errors_are_one_line():
    out = cli("predict", "vader", "--file", "whatever.csv")
    assert out.returncode == 2 and out.stderr.strip().startswith("error: --file needs --out")
    out = cli("explain", "/no/such/model", "--text", "hi")
    assert out.returncode == 2 and "error:" in out.stderr and "Traceback" not in out.stderr


def test_empty_text_is_refused_with_one_line():
    for command, what in (("predict", "no text to predict"), ("explain", "no text to explain")):
        out = cli(command, "vader", "--text", "")
        assert out.returncode == 2, (command, out.stdout)
        assert out.stdout == ""
        assert out.stderr.strip().splitlines() == [out.stderr.strip()]
        assert out.stderr.startswith("error: ") and what in out.stderr
    out = cli("predict", "vader", "--text", "good", "--text", "  ")
    assert out.returncode == 2 and "1 of the 2 texts are empty" in out.stderr
