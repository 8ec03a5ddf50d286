"""The loader corpus: awkward real-world files, each written by its test.

Every case either loads correctly or says exactly what it dropped, merged or changed:
the tests check the row counts, the warnings' words and the decoded text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from desktop_app.core.data.dataset import LoadOptions, load_dataset
from desktop_app.core.data.encoding import decode_text, implausible_1252
from desktop_app.core.data.readers import SAMPLE_BYTES
from desktop_app.core.errors import DatasetError

POSITIVE = ["good", "fine", "great", "nice", "superb"]
NEGATIVE = ["bad", "dull", "awful", "poor", "weak"]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def texts(ds) -> list[str]:
    return ds.frame["text"].astype("str").tolist()


def labels(ds) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in ds.frame["label"].tolist()]


def one_warning(ds, *words: str) -> str:
    """The one warning that holds all ``words``."""
    found = [w for w in ds.report.warnings if all(word in w for word in words)]
    assert len(found) == 1, (words, ds.report.warnings)
    return found[0]


def short_rows(n: int) -> list[tuple[str, str]]:
    """Texts shorter than their labels: column guessing by length alone would swap them."""
    return [
        (POSITIVE[i % 5], "positive") if i % 2 else (NEGATIVE[i % 5], "negative") for i in range(n)
    ]


# -- header ---------------------------------------------------------------------------------
def test_repeated_column_name_is_renamed_and_the_header_is_not_a_row(tmp_path):
    rows = short_rows(200)
    body = "".join(f"{t},{lab},{'yes' if i % 3 else 'no'}\n" for i, (t, lab) in enumerate(rows))
    ds = load_dataset(write(tmp_path / "dup.csv", "text,label,label\n" + body))
    r = ds.report
    assert (r.has_header, r.rows, r.lines_read) == (True, 200, 201)
    assert r.columns == ["text", "label", "label 2"]
    assert (r.text_column, r.label_column) == ("text", "label")
    assert ds.labels == ["negative", "positive"]  # no class called "label"
    assert texts(ds)[:2] == ["bad", "fine"]
    assert "'label' -> 'label 2'" in one_warning(ds, "Repeated column names")
    assert ds.raw["label 2"].tolist()[:3] == ["no", "yes", "yes"]


def test_repeated_name_next_to_an_existing_numbered_name(tmp_path):
    path = write(tmp_path / "x.csv", "text,label,label 2,label\ngood,pos,a,b\nbad,neg,c,d\n")
    ds = load_dataset(path)
    assert ds.report.columns == ["text", "label", "label 2", "label 3"]
    assert "'label' -> 'label 3'" in one_warning(ds, "Repeated column names")


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path):
    rows = short_rows(200)
    body = "".join(f"{t};{lab}\n" for t, lab in rows)
    body = body.replace("great;positive\n", ";positive\n", 1)  # one empty text, to see its line
    ds = load_dataset(write(tmp_path / "excel.csv", "sep=;\ntext;label\n" + body))
    r = ds.report
    assert (r.delimiter, r.has_header, r.lines_read, r.rows) == (";", True, 202, 199)
    assert r.columns == ["text", "label"] and ds.labels == ["negative", "positive"]
    assert any("'sep=;'" in n and "not read as a row" in n for n in r.notes)
    empty_line = 3 + [t for t, _ in rows].index("great")
    assert r.drop_examples["empty text"] == [f"line {empty_line}:  | positive"]
    assert r.warnings == []


def test_sep_line_without_a_header_and_with_a_tab(tmp_path):
    path = write(tmp_path / "x.csv", "sep=\\t\nlovely film\tpos\nawful film\tneg\n")
    ds = load_dataset(path)
    assert (ds.report.delimiter, ds.report.has_header, ds.report.rows) == ("\t", False, 2)
    assert texts(ds) == ["lovely film", "awful film"]


# -- encodings ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad_line", [5, 3002])  # inside the first 64 KB, and far after it
def test_utf8_file_with_one_latin1_line_keeps_utf8_for_the_rest(tmp_path, bad_line):
    rows = [f"café au lait number {i:05d},positive" for i in range(3001)]
    lines = ["text,label", *rows]
    raw = b"".join(
        (line + "\n").encode("latin-1" if n == bad_line else "utf-8")
        for n, line in enumerate(lines, start=1)
    )
    assert len(raw) > SAMPLE_BYTES
    ds = load_dataset(write(tmp_path / "mixed.csv", raw))
    assert ds.report.rows == 3001
    assert ds.report.encoding == "utf-8"
    assert texts(ds) == [row.split(",")[0] for row in rows]  # "café" everywhere, no "cafÃ©"
    warning = one_warning(ds, "not valid UTF-8")
    assert f"1 line is not valid UTF-8 and was decoded as windows-1252 (line {bad_line})" in warning


def test_mixed_encoding_names_the_count_and_the_first_lines(tmp_path):
    lines = [f"crème brûlée {i}" for i in range(40)]
    bad = {3, 9, 12, 20, 21, 30, 33}
    raw = b"".join(
        (line + "\n").encode("cp1252" if n in bad else "utf-8")
        for n, line in enumerate(lines, start=1)
    )
    ds = load_dataset(write(tmp_path / "mixed.txt", raw))
    assert texts(ds) == lines
    warning = one_warning(ds, "not valid UTF-8")
    assert warning.startswith("7 lines are not valid UTF-8 and were decoded as windows-1252")
    assert "(lines 3, 9, 12, 20, 21, …)" in warning


def test_a_legacy_file_without_utf8_lines_is_one_encoding_without_a_warning(tmp_path):
    raw = "text,label\nplain,pos\nbuñuel à côté,neg\n".encode("cp1252")
    ds = load_dataset(write(tmp_path / "x.csv", raw))
    assert ds.report.encoding == "windows-1252" and ds.report.warnings == []
    assert texts(ds) == ["plain", "buñuel à côté"]


JAPANESE = [
    "とてもよいえいがでした",
    "すばらしいおはなしです",
    "つまらないえいがでした",
    "ながくてたいくつでした",
]


def test_shift_jis_that_windows_1252_decodes_goes_to_charset_normalizer(tmp_path):
    rows = [(JAPANESE[i % 4], "pos" if i % 4 < 2 else "neg") for i in range(200)]
    content = "text,label\n" + "".join(f"{t},{lab}\n" for t, lab in rows)
    raw = content.encode("shift_jis")
    raw.decode("cp1252")  # strict Windows-1252 would accept these bytes
    ds = load_dataset(write(tmp_path / "ja.csv", raw))
    assert ds.report.encoding in ("cp932", "shift_jis")
    assert texts(ds) == [t for t, _ in rows]
    warning = one_warning(ds, "Windows-1252", "implausible", "charset-normalizer chose")
    assert ds.report.encoding in warning


def test_western_text_stays_windows_1252():
    french = (
        "À côté de l'église, l'été fut très réussi ; « Où êtes-vous ? » dit-elle. "
        "Über die Brücke gehen Mädchen; São João, coração, ação. Æsir og Þór. “Quoted” — "
    ) * 20
    assert implausible_1252(french) is None
    decoded = decode_text(french.encode("cp1252"))
    assert (decoded.encoding, decoded.text, decoded.warnings) == ("windows-1252", french, [])


# -- quotes ---------------------------------------------------------------------------------
def _stray_quote_csv(path: Path) -> Path:
    lines = ["text,label"]
    for n in range(2, 31):
        text = f"review number {n} was fine"
        if n == 5:
            text = '"Best film ever'  # opens a quoted field that never closes here
        if n == 11:
            text = 'I said "no" twice'  # the next quote closes it, six lines later
        lines.append(f"{text},{'pos' if n % 2 else 'neg'}")
    return write(path, "\n".join(lines) + "\n")


def test_stray_quote_merging_a_few_lines_is_a_warning_with_line_numbers(tmp_path):
    ds = load_dataset(_stray_quote_csv(tmp_path / "stray.csv"))
    r = ds.report
    assert (r.lines_read, r.rows) == (30, 23)
    merged = texts(ds)[3]
    assert merged.startswith("Best film ever,pos\nreview number 6 was fine,neg\n")
    warning = one_warning(ds, "unbalanced double quote")
    assert "merged lines 5-11 into one row" in warning
    assert "6 of those lines look like rows" in warning and "line 5" in warning
    # Rows after the merge still know their lines.
    assert ds.report.drop_examples == {}
    assert ds._table.where(4) == "line 12"


def test_quoted_multiline_reviews_stay_as_they_are(tmp_path):
    reviews = [
        ("A fine film.\nThe cast, all of them, shine.\nGo and see it.", "pos"),
        ("Dull.\n\nI left early, sadly.", "neg"),
        ("Short and sweet", "pos"),
        ("Too long,\nand too loud,\nand too late.", "neg"),
    ]
    body = "".join(f'"{t}",{lab}\n' for t, lab in reviews)
    ds = load_dataset(write(tmp_path / "reviews.csv", "review,label\n" + body))
    assert texts(ds) == [t for t, _ in reviews]
    assert ds.report.warnings == []
    assert any("3 records hold line breaks inside quotes" in n for n in ds.report.notes)
    assert ds._table.where(3) == "line 9"


# -- folders --------------------------------------------------------------------------------
def test_folder_reads_txt_in_any_case_and_sub_folders_and_lists_what_it_skipped(tmp_path):
    root = tmp_path / "reviews"
    for i in range(5):
        write(root / "pos" / f"p{i}.txt", f"{POSITIVE[i]} film")
        write(root / "neg" / f"n{i}.txt", f"{NEGATIVE[i]} film")
    write(root / "pos" / "UPPER.TXT", "LOUD AND GOOD")
    write(root / "pos" / "2019" / "deep.txt", "good old film")
    write(root / "neg" / "notes.md", "# not a review")
    write(root / "readme.md", "about these files")
    write(root / "neg" / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(root / "neg" / "image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(32)) * 8)
    ds = load_dataset(root)
    r = ds.report
    assert (r.rows, r.lines_read) == (12, 12)
    assert sorted(ds.raw["file"]) == sorted(
        [f"pos/p{i}.txt" for i in range(5)]
        + [f"neg/n{i}.txt" for i in range(5)]
        + ["pos/UPPER.TXT", "pos/2019/deep.txt"]
    )
    assert ds.stats().labels == {"neg": 5, "pos": 7}
    warning = one_warning(ds, "Not read: 4 files")
    for item in (
        "neg/.DS_Store: hidden",
        "neg/image.txt: binary, not text",
        "neg/notes.md: not a .txt file",
        "readme.md: not in a class folder",
    ):
        assert item in warning
    assert any("sub-folders included (1 files came from sub-folders)" in n for n in r.notes)


def test_many_skipped_files_are_counted_by_reason(tmp_path):
    root = tmp_path / "reviews"
    write(root / "pos" / "a.txt", "good")
    write(root / "neg" / "b.txt", "bad")
    for i in range(24):
        write(root / "neg" / f"note{i:02d}.md", "notes")
    write(root / "pos" / ".hidden.txt", "secret")
    ds = load_dataset(root)
    assert ds.report.rows == 2
    warning = one_warning(ds, "Not read: 25 files")
    assert "(24 not a .txt file, 1 hidden: neg/note00.md: not a .txt file;" in warning
    assert "and 5 more)" in warning


# -- Excel ----------------------------------------------------------------------------------
def _workbook(path: Path, merged: bool = False, cover: bool = True) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    if cover:
        book.active.title = "Read me"
        book.active["A1"] = "Read me: the reviews are on the next sheet."
        sheet = book.create_sheet("Data")
    else:
        sheet = book.active
        sheet.title = "Data"
    sheet.append(["review", "sentiment"])
    for i in range(12):
        good = (i // 3) % 2 == 0
        word = POSITIVE[i % 5] if good else NEGATIVE[i % 5]
        label = "positive" if good else "negative"
        sheet.append([f"a {word} film, number {i}", label if not merged or i % 3 == 0 else None])
    if merged:
        for first in range(2, 14, 3):  # C2:C4, C5:C7, ...: one label per group of three rows
            sheet.merge_cells(start_row=first, start_column=2, end_row=first + 2, end_column=2)
    book.save(path)
    return path


def test_workbook_with_a_cover_sheet_reads_the_sheet_with_texts(tmp_path):
    ds = load_dataset(_workbook(tmp_path / "book.xlsx"))
    r = ds.report
    assert (r.sheet, r.sheets, r.rows) == ("Data", ["Read me", "Data"], 12)
    assert (r.text_column, r.label_column) == ("review", "sentiment")
    warning = one_warning(ds, "Read the sheet 'Data', not the first sheet 'Read me'")
    assert "--sheet" in warning


def test_sheet_option_reads_the_named_sheet(tmp_path):
    path = _workbook(tmp_path / "book.xlsx")
    ds = load_dataset(path, LoadOptions(sheet="Read me"))
    assert (ds.report.sheet, ds.report.rows) == ("Read me", 1)
    assert texts(ds) == ["Read me: the reviews are on the next sheet."]
    assert any("'Data'" in n for n in ds.report.notes)
    with pytest.raises(DatasetError, match=r"no sheet 'Nope'. Its sheets: 'Read me', 'Data'"):
        load_dataset(path, LoadOptions(sheet="Nope"))


def test_merged_label_cells_are_filled_from_their_top_left_cell(tmp_path):
    ds = load_dataset(_workbook(tmp_path / "merged.xlsx", merged=True, cover=False))
    assert ds.report.rows == 12 and ds.stats().unlabelled == 0
    assert labels(ds) == ["positive"] * 3 + ["negative"] * 3 + ["positive"] * 3 + ["negative"] * 3
    warning = one_warning(ds, "merged cell ranges were filled from their top-left cell")
    assert warning.startswith("4 merged") and "B2:B4, B5:B7, B8:B10, B11:B13" in warning
    assert ds.report.sheets == ["Data"] and ds.report.sheet == "Data"


def test_sheet_table_that_does_not_start_at_a1(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"] = "text", "label"
    for i, (t, lab) in enumerate(short_rows(4), start=4):
        sheet.cell(i, 3, t)
        sheet.cell(i, 4, lab)
    book.save(tmp_path / "offset.xlsx")
    ds = load_dataset(tmp_path / "offset.xlsx")
    assert ds.report.columns == ["text", "label"] and texts(ds) == ["bad", "fine", "awful", "nice"]
    assert any("starts at row 3, column 3" in n for n in ds.report.notes)
    assert ds._table.where(0) == "line 4"


# -- labels ---------------------------------------------------------------------------------
def test_missing_value_words_are_unlabelled_and_listed(tmp_path):
    words = ["NaN", "NA", "None", "null", "N/A"]
    rows = [(f"{POSITIVE[i % 5]} text {i}", "pos" if i % 2 else "neg") for i in range(20)]
    rows += [(f"unknown text {i}", word) for i, word in enumerate(words)]
    body = "".join(f"{t},{lab}\n" for t, lab in rows)
    path = write(tmp_path / "x.csv", "text,label\n" + body)
    ds = load_dataset(path)
    assert ds.labels == ["neg", "pos"]
    assert ds.stats().unlabelled == 5 and ds.report.rows == 25
    warning = one_warning(ds, "Label values read as missing")
    assert "'NaN' (1 row), 'NA' (1 row), 'None' (1 row), 'null' (1 row), 'N/A' (1 row)" in warning
    assert ds.report.label_names["N/A"] == ""
    # A name given to one of them keeps it as a class.
    named = load_dataset(path, LoadOptions(label_names={"None": "no opinion"}))
    assert named.labels == ["neg", "no opinion", "pos"]
    assert "'None'" not in one_warning(named, "Label values read as missing")


# -- Parquet and JSON with nested values ----------------------------------------------------------
def test_parquet_list_columns_become_text_instead_of_crashing(tmp_path):
    path = tmp_path / "nested.parquet"
    pd.DataFrame(
        {
            "tokens": [["a", "good", "film"], ["a", "bad", "one"], ["fine"]],
            "label": [[1], [0], [1]],
            "meta": [{"stars": 5}, {"stars": 1}, {"stars": 4}],
        }
    ).to_parquet(path)
    ds = load_dataset(path)
    assert texts(ds) == ["a good film", "a bad one", "fine"]
    assert labels(ds) == ["[1]", "[0]", "[1]"]
    assert ds.raw["meta"].tolist() == ['{"stars": 5}', '{"stars": 1}', '{"stars": 4}']
    one_warning(ds, "'tokens' holds lists of strings: each was joined with spaces")
    one_warning(ds, "'label' holds lists or objects: each was written as JSON text")


def test_jsonl_nested_objects_and_non_records_name_their_lines(tmp_path):
    lines = [json.dumps({"text": f"text {i}", "label": "pos", "meta": {"i": i}}) for i in range(12)]
    lines[5:5] = ["", "", ""]  # blank lines 6-8
    lines.append("7")  # line 16: not a record
    ds = load_dataset(write(tmp_path / "x.jsonl", "\n".join(lines) + "\n"))
    assert ds.report.dropped == {"blank line": 3, "not a record": 1}
    assert ds.report.drop_examples["not a record"] == ["line 16: 7"]
    assert ds.raw["meta"].tolist()[0] == '{"i": 0}'
    one_warning(ds, "'meta' holds lists or objects")


# -- NUL bytes: one rule wherever they are --------------------------------------------------------
@pytest.mark.parametrize("late", [False, True])
def test_nul_bytes_are_removed_and_reported_wherever_they_are(tmp_path, late):
    filler = "".join(f"plain text {i},pos\n" for i in range(5000 if late else 3))
    lines_before = filler.count("\n") + 1
    raw = ("text,label\n" + filler).encode() + b"go\x00od film,pos\nbad,neg\n"
    ds = load_dataset(write(tmp_path / "nul.csv", raw))
    assert texts(ds)[-2:] == ["good film", "bad"]
    assert ds.report.rows == ds.report.lines_read - 1
    warning = one_warning(ds, "NUL byte")
    assert f"1 NUL byte (not text) was removed from line {lines_before + 1}" in warning


def test_nul_bytes_in_plain_text_and_jsonl(tmp_path):
    ds = load_dataset(write(tmp_path / "x.txt", b"one\ntw\x00o\nthree\x00\n"))
    assert texts(ds) == ["one", "two", "three"]
    assert "2 NUL bytes (not text) were removed from lines 2, 3" in one_warning(ds, "NUL")
    ds = load_dataset(write(tmp_path / "x.jsonl", b'{"text": "a\x00b"}\n'))
    assert texts(ds) == ["ab"]


def test_many_control_bytes_are_binary(tmp_path):
    raw = b"text,label\n" + b"a\x00b\x01,pos\n" * 50
    with pytest.raises(DatasetError, match=r"binary.*more than 1% of its first 64 KB"):
        load_dataset(write(tmp_path / "x.csv", raw))
