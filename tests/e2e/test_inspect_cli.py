"""`python -m desktop_app inspect` in a subprocess: JSON output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def inspect(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "inspect", *args],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


def test_json_document(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        "review,stars\ncafé au lait,1\nbad,0\n\nbad,1\nok,\nsix,1\nseven,0\n", encoding="utf-8"
    )
    out = inspect(str(path), "--json")
    assert out.returncode == 0, out.stderr.decode()
    doc = json.loads(out.stdout.decode("utf-8"))  # exactly one JSON document
    assert "café au lait" in out.stdout.decode("utf-8")  # non-ASCII written as itself
    for key in (
        "rows lines_read dropped encoding delimiter text_column label_column labels "
        "unlabelled duplicates conflicting_duplicates warnings notes examples format"
    ).split():
        assert key in doc, key
    assert doc["rows"] == 6 and doc["lines_read"] == 8
    assert doc["dropped"] == {"blank line": 1}
    assert (doc["encoding"], doc["delimiter"], doc["format"]) == ("utf-8", ",", "csv")
    assert (doc["text_column"], doc["label_column"]) == ("review", "stars")
    assert doc["labels"] == {"negative": 2, "positive": 3}
    assert doc["unlabelled"] == 1
    assert (doc["duplicates"], doc["conflicting_duplicates"]) == (1, 1)
    assert doc["examples"] == ["café au lait", "bad", "bad", "ok", "six"]
    assert "[" in out.stderr.decode()  # progress went to standard error


def test_column_options_and_human_report(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("title\tbody\tc\nx one\tgood\tp\ny two\tbad\tn\n", encoding="utf-8")
    out = inspect(str(path), "--text-column", "body", "--label-column", "", "--json")
    assert out.returncode == 0, out.stderr.decode()
    doc = json.loads(out.stdout)
    assert (doc["text_column"], doc["label_column"], doc["unlabelled"]) == ("body", None, 2)
    human = inspect(str(path), "--label-column", "c")
    assert human.returncode == 0
    text = human.stdout.decode()
    assert "Rows kept:   2" in text and "Label column: c" in text


def test_header_overrides(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("review,label\ngreat film,pos\nawful,neg\n", encoding="utf-8")
    detected = json.loads(inspect(str(path), "--json").stdout)
    assert (detected["has_header"], detected["rows"]) == (True, 2)
    out = inspect(str(path), "--no-header", "--json")
    assert out.returncode == 0, out.stderr.decode()
    doc = json.loads(out.stdout)
    assert (doc["has_header"], doc["rows"]) == (False, 3)
    assert doc["columns"] == ["column 1", "column 2"]
    assert doc["examples"][0] == "review"
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\nc,d\n", encoding="utf-8")
    doc = json.loads(inspect(str(plain), "--header", "--json").stdout)
    assert (doc["has_header"], doc["rows"], doc["columns"]) == (True, 1, ["a", "b"])


def test_bad_file_exits_non_zero_with_one_line(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    out = inspect(str(path), "--json")
    assert out.returncode == 2
    assert out.stdout == b""
    lines = out.stderr.decode().strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("error: ") and "binary" in lines[0]
    missing = inspect(str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and b"does not exist" in missing.stderr


def test_rt_polarity_neg_done_when(shared_data):
    out = inspect(str(shared_data / "sentiment" / "rt-polarity.neg"), "--json")
    assert out.returncode == 0, out.stderr.decode()
    doc = json.loads(out.stdout)
    assert doc["rows"] == 5331 and doc["encoding"] == "windows-1252"


def test_no_qt_is_imported():
    code = (
        "import sys; from desktop_app.cli import main; "
        "rc = main(['inspect', sys.argv[1], '--json']); "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'; "
        "sys.exit(rc)"
    )
    data = ROOT / "tests" / "e2e" / "test_inspect_cli.py"  # any text file works
    out = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr.decode()


def test_sheet_option_and_warnings(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book.active["A1"] = "Read me first"
    data = book.create_sheet("Reviews")
    data.append(["review", "label"])
    for i in range(6):
        data.append([f"review number {i}", "pos" if i % 2 else "neg"])
    path = tmp_path / "book.xlsx"
    book.save(path)

    doc = json.loads(inspect(str(path), "--json").stdout)
    assert (doc["sheet"], doc["sheets"], doc["rows"]) == ("Reviews", ["Read me", "Reviews"], 6)
    assert any("not the first sheet 'Read me'" in w for w in doc["warnings"])
    human = inspect(str(path)).stdout.decode()
    assert "Sheet:       Reviews (also: Read me)" in human
    assert "Warning:     Read the sheet 'Reviews'" in human

    out = inspect(str(path), "--sheet", "Read me", "--json")
    assert out.returncode == 0, out.stderr.decode()
    doc = json.loads(out.stdout)
    assert (doc["sheet"], doc["rows"], doc["examples"]) == ("Read me", 1, ["Read me first"])
    missing = inspect(str(path), "--sheet", "Nope")
    assert missing.returncode == 2
    assert "no sheet 'Nope'. Its sheets: 'Read me', 'Reviews'" in missing.stderr.decode()
