"""Results tables: CSV/XLSX neutralise spreadsheet formulas by default; JSONL stays exact."""

from __future__ import annotations

import csv
import json

import pytest

from desktop_app.core.data.export import is_formula_like, protect_cell, write_table
from desktop_app.core.errors import UserError

ROWS = [
    {"text": "=1+2", "p": 0.1234567890123456, "n": -3},
    {"text": "+cmd|' /C calc'!A0", "p": -0.5, "n": 7},
    {"text": "-2+3", "p": 1e-17, "n": 0},
    {"text": "@user great film", "p": 0.5, "n": 1},
    {"text": "\tTabbed", "p": 0.25, "n": 2},
    {"text": 'plain, with "quotes" and ünïcödé', "p": 0.75, "n": 3},
    {"text": "-1.5", "p": None, "n": 4},
]


def test_formula_detection():
    for value in ("=A1", "+x", "-x", "@SUM(1)", "\tx", "\rx"):
        assert is_formula_like(value) and protect_cell(value) == "'" + value
    for value in ("abc", "-1.5", "+3", "1e5", "", 5, -2.0, None):
        assert not is_formula_like(value) and protect_cell(value) == value


def test_csv_neutralises_formula_cells_by_default(tmp_path):
    path = tmp_path / "out.csv"
    report = write_table(ROWS, path)
    assert report["protected"] and report["neutralised_cells"] == 5
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["text"] for r in rows] == [
        "'=1+2",
        "'+cmd|' /C calc'!A0",
        "'-2+3",
        "'@user great film",
        "'\tTabbed",
        'plain, with "quotes" and ünïcödé',
        "-1.5",
    ]
    assert rows[0]["n"] == "-3"  # numbers are numbers, never quoted
    assert float(rows[0]["p"]) == 0.1234567890123456

    raw = tmp_path / "raw.csv"
    report = write_table(ROWS, raw, protect_formulas=False)
    assert not report["protected"] and report["neutralised_cells"] == 0
    with raw.open(encoding="utf-8", newline="") as handle:
        assert [r["text"] for r in csv.DictReader(handle)] == [r["text"] for r in ROWS]


def test_xlsx_neutralises_and_never_stores_formulas(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    report = write_table(ROWS, path)
    assert report["format"] == "xlsx" and report["neutralised_cells"] == 5
    sheet = load_workbook(path).active
    texts = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert texts[0] == "'=1+2" and texts[3] == "'@user great film"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)

    raw = tmp_path / "raw.xlsx"
    write_table(ROWS, raw, protect_formulas=False)
    sheet = load_workbook(raw).active
    first = sheet.cell(row=2, column=1)
    assert first.value == "=1+2" and first.data_type == "s"  # text, not a formula
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_jsonl_is_always_exact(tmp_path):
    path = tmp_path / "out.jsonl"
    report = write_table(ROWS, path, protect_formulas=True)
    assert not report["protected"]
    back = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert back == ROWS  # formulas, floats (to the last bit) and None all exact


def test_dataframes_and_bad_paths(tmp_path):
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"text": ["@a", "b"], "score": [np.float32(0.5), np.nan]})
    path = tmp_path / "f.jsonl"
    write_table(frame, path)
    assert [json.loads(x) for x in path.read_text().splitlines()] == [
        {"text": "@a", "score": 0.5},
        {"text": "b", "score": None},
    ]
    with pytest.raises(UserError, match="extension"):
        write_table(ROWS, tmp_path / "out.txt")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError):
        write_table(ROWS, blocker / "out.csv")


def test_streamed_rows_and_the_files_own_columns(tmp_path):
    import datetime

    import pandas as pd

    from desktop_app.core.data.export import cells_as_text, kept_names

    def rows():
        yield {"id": "007", "text": "=cmd"}
        yield {"id": "8", "text": "fine"}

    report = write_table(rows(), tmp_path / "s.csv", columns=["id", "text"])
    assert report["rows"] == 2 and report["neutralised_cells"] == 1
    report = write_table(iter(()), tmp_path / "empty.csv", columns=["id", "text"])
    assert report["rows"] == 0
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").strip() == "id,text"

    assert kept_names(["id", "split", "text", "orig_text"], {"split", "text"}) == [
        "id", "orig_split", "orig_orig_text", "orig_text",
    ]  # fmt: skip
    assert cells_as_text(pd.Series([1, 2])) == ["1", "2"]
    assert cells_as_text(pd.Series([5.0, None, 2.5])) == ["5", None, "2.5"]
    assert cells_as_text(pd.Series(["é", None], dtype="str")) == ["é", None]
    values = pd.Series([True, {"a": "ü"}, datetime.date(2024, 1, 2), pd.NA], dtype=object)
    assert cells_as_text(values) == ["True", '{"a": "ü"}', "2024-01-02", None]
