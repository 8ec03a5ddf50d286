"""``--precision`` on the command line: ``predict --json`` names what ran, prediction files
get a ``precision`` column, ``evaluate --json`` has the key (a tiny saved BERT)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_long_texts_cli import cli, tiny_folder  # noqa: F401, F811 - the fixture


def test_a_prediction_file_and_json_name_the_precision(tiny_folder, tmp_path: Path):  # noqa: F811
    folder = tiny_folder
    done = cli("predict", str(folder), "--text", "good film", "--precision", "bf16", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["precision"] == "bf16" and doc["results"][0]["label"] in ("negative", "positive")
    data = tmp_path / "data.csv"
    data.write_text("text,label\ngood film,positive\nbad plot,negative\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = cli("predict", str(folder), "--file", str(data), "--out", str(out), "--precision",
               "fp32", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["precision"] == "fp32"
    assert out.read_text(encoding="utf-8").splitlines()[0].endswith(",precision")
    bad = cli("predict", str(folder), "--text", "good", "--precision", "int8")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    done = cli("evaluate", str(folder), str(data), "--precision", "bf16", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["precision"] == "bf16"
