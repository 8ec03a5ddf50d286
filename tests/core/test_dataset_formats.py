"""Every input format and line-ending case of the loader, on files the tests write."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from desktop_app.core.data import readers
from desktop_app.core.data.dataset import LoadOptions, load_dataset
from desktop_app.core.data.readers import base as read_base
from desktop_app.core.data.readers import count_lines, split_lines
from desktop_app.core.errors import DatasetError


def write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def texts(ds) -> list[str]:
    return ds.frame["text"].astype("str").tolist()


def labels(ds) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in ds.frame["label"].tolist()]


# -- CSV ----------------------------------------------------------------------------------
def test_csv_with_header_guesses_columns(tmp_path):
    path = write(
        tmp_path,
        "reviews.csv",
        'id,review,sentiment\n1,"a fine, warm film",positive\n2,dull and slow,negative\n'
        '3,"she said ""wow""",positive\n',
    )
    ds = load_dataset(path)
    r = ds.report
    assert (r.format, r.encoding, r.delimiter, r.has_header) == ("csv", "utf-8", ",", True)
    assert r.columns == ["id", "review", "sentiment"]
    assert (r.text_column, r.label_column) == ("review", "sentiment")
    assert texts(ds) == ["a fine, warm film", "dull and slow", 'she said "wow"']
    assert labels(ds) == ["positive", "negative", "positive"]
    assert ds.labels == ["negative", "positive"]
    assert (r.lines_read, r.rows, r.dropped) == (4, 3, {})
    assert ds.frame["source_row"].tolist() == [0, 1, 2]
    assert set(ds.frame["split"].astype("str")) == {""}
    assert list(ds.raw.columns) == ["id", "review", "sentiment"]


def test_csv_semicolon_without_header(tmp_path):
    path = write(
        tmp_path,
        "x.csv",
        "a truly wonderful movie;pos\nboring from start to end;neg\nloved every minute;pos\n",
    )
    ds = load_dataset(path)
    assert ds.report.delimiter == ";"
    assert ds.report.has_header is False
    assert ds.report.columns == ["column 1", "column 2"]
    assert (ds.report.text_column, ds.report.label_column) == ("column 1", "column 2")
    assert labels(ds) == ["pos", "neg", "pos"]


def test_delimiter_and_header_overrides(tmp_path):
    path = write(tmp_path, "x.csv", "text|label\ngood|pos\nbad|neg\n")
    ds = load_dataset(path, LoadOptions(delimiter="|", has_header=False))
    assert ds.report.delimiter == "|"
    assert ds.report.rows == 3  # the header line is a row now
    assert texts(ds)[0] == "text"
    ds = load_dataset(path, LoadOptions(delimiter="pipe"))
    assert ds.report.has_header is True and texts(ds) == ["good", "bad"]


def test_texts_that_look_like_missing_values_are_kept(tmp_path):
    path = write(tmp_path, "x.csv", "text,label\nNA,pos\nnull,neg\nNone,pos\nnan,neg\n")
    ds = load_dataset(path)
    assert texts(ds) == ["NA", "null", "None", "nan"]
    assert ds.report.dropped == {}


def test_blank_lines_and_empty_texts_are_counted_not_silently_dropped(tmp_path):
    path = write(tmp_path, "x.csv", "text,label\ngood,pos\n\n,neg\n   ,pos\nbad,neg\n")
    ds = load_dataset(path)
    r = ds.report
    assert r.lines_read == 6
    assert r.rows == 2
    assert r.dropped == {"blank line": 1, "empty text": 2}
    assert r.drop_examples["blank line"] == ["line 3"]
    assert r.drop_examples["empty text"][0].startswith("line 4")
    assert ds.frame["source_row"].tolist() == [0, 4]


def test_line_with_too_many_fields_is_dropped_with_its_line(tmp_path):
    path = write(tmp_path, "x.csv", "text,label\ngood,pos\nbad,neg,extra\nfine,pos\n")
    ds = load_dataset(path)
    r = ds.report
    assert r.rows == 2 and texts(ds) == ["good", "fine"]
    reason = "unparsable line (wrong number of fields)"
    assert r.dropped == {reason: 1}
    assert r.drop_examples[reason] == ["line 3: bad,neg,extra"]


def test_quoted_line_breaks_in_csv_are_one_record_and_noted(tmp_path):
    path = write(tmp_path, "x.csv", 'text,label\n"first line\nsecond line",pos\nplain,neg\n')
    ds = load_dataset(path)
    assert texts(ds) == ["first line\nsecond line", "plain"]
    assert ds.report.lines_read == 4
    assert any("line breaks inside quotes" in n for n in ds.report.notes)


def test_crlf_cr_and_mixed_line_endings(tmp_path):
    path = write(tmp_path, "x.csv", "text,label\r\ngood,pos\rbad,neg\nokay,pos\r\n")
    ds = load_dataset(path)
    assert texts(ds) == ["good", "bad", "okay"]
    assert ds.report.lines_read == 4
    plain = write(tmp_path, "lines.txt", "one\r\ntwo\rthree\nfour")
    ds = load_dataset(plain)
    assert texts(ds) == ["one", "two", "three", "four"]
    assert ds.report.lines_read == 4


def test_count_and_split_lines_only_on_lf_crlf_cr():
    text = "a\u0085b\u2028c\r\nd\re\nf"
    assert split_lines(text) == ["a\u0085b\u2028c", "d", "e", "f"]
    assert count_lines(text.encode("utf-8")) == 4
    assert count_lines(b"x\n") == 1 and count_lines(b"") == 0 and count_lines(b"\n\n") == 2


@pytest.mark.parametrize("block", [1, 2, 3, 4, 7, 1 << 22])
def test_files_are_counted_and_searched_in_blocks(tmp_path, monkeypatch, block):
    # Tiny blocks put a \r\n and the needle across block boundaries.
    monkeypatch.setattr(read_base, "BLOCK_BYTES", block)
    for content in (b"a\r\nb\rc\nd", b"\r\n\r\n", b"\r\r\n\n", b"x", b"", b'ab"cd', b"abc\r"):
        path = tmp_path / "f.bin"
        path.write_bytes(content)
        assert readers.count_file_lines(path) == count_lines(content), content
        assert readers.count_lines(content) == len(split_lines(content.decode())), content
        for needle in (b'"', b"\r\n", b"cd"):
            assert readers.file_contains(path, needle) == (needle in content), (content, needle)


# -- TSV and TXT ---------------------------------------------------------------------------
def test_tsv_with_quotes_that_balance_is_parsed_quote_aware(tmp_path):
    path = write(tmp_path, "x.tsv", 'text\tlabel\n"great, fun"\tpos\nawful\tneg\n')
    ds = load_dataset(path)
    assert ds.report.delimiter == "\t"
    assert texts(ds) == ["great, fun", "awful"]
    assert ds.report.notes == []


def test_tsv_stray_quote_does_not_swallow_lines(tmp_path):
    # Quote-aware parsing would read lines 2-4 as one field: "stop ... fine".
    body = '"stop it\tneg\nlovely\tpos\nfine" film\tpos\nawful\tneg\n'
    path = write(tmp_path, "x.tsv", "text\tlabel\n" + body)
    ds = load_dataset(path)
    assert ds.report.lines_read == 5
    assert ds.report.rows == 4
    assert texts(ds) == ['"stop it', "lovely", 'fine" film', "awful"]
    assert labels(ds) == ["neg", "pos", "pos", "neg"]
    assert any("stray double quote" in n for n in ds.report.notes)


def test_quote_inside_a_field_is_just_a_character(tmp_path):
    path = write(tmp_path, "x.tsv", 'text\tlabel\nhe said "stop\tneg\nlovely\tpos\n')
    ds = load_dataset(path)
    assert texts(ds) == ['he said "stop', "lovely"]
    assert ds.report.notes == []


def test_tsv_unclosed_quote_to_end_of_file_loads_line_by_line(tmp_path):
    path = write(tmp_path, "x.tsv", 'good\tpos\n"never closed\tneg\nbad\tneg\n')
    ds = load_dataset(path)
    assert ds.report.rows == 3
    assert texts(ds)[1] == '"never closed'
    assert any("stray double quote" in n for n in ds.report.notes)


def test_txt_one_text_per_line_has_no_header_and_no_quoting(tmp_path):
    path = write(tmp_path, "x.txt", 'text\n"quoted start\nplain, with comma\n')
    ds = load_dataset(path)
    r = ds.report
    assert (r.format, r.delimiter, r.has_header, r.label_column) == ("txt", None, False, None)
    assert texts(ds) == ["text", '"quoted start', "plain, with comma"]
    assert any("No label column" in w for w in r.warnings)


def test_txt_with_text_tab_label_lines(tmp_path):
    path = write(tmp_path, "x.txt", "so good\t1\nso bad\t0\nmeh\t0\n")
    ds = load_dataset(path)
    assert ds.report.delimiter == "\t"
    assert labels(ds) == ["positive", "negative", "negative"]


def test_other_extension_is_plain_lines_and_keeps_u0085_inside_texts(tmp_path):
    path = write(tmp_path, "reviews.neg", 'first \u0085 still first\nsecond, "quoted\nthird\n')
    ds = load_dataset(path)
    assert ds.report.format == "text"
    assert texts(ds) == ["first \u0085 still first", 'second, "quoted', "third"]
    assert ds.report.lines_read == 3
    no_ext = write(tmp_path, "README", "one\ntwo\n")
    assert load_dataset(no_ext).report.rows == 2


# -- JSON, JSONL, XLSX, Parquet -----------------------------------------------------------------
def test_json_array_of_records(tmp_path):
    records = [{"text": "good", "label": "Pos"}, {"text": "bad", "label": "neg"}, 5]
    path = write(tmp_path, "x.json", json.dumps(records))
    ds = load_dataset(path)
    assert ds.report.format == "json"
    assert texts(ds) == ["good", "bad"] and labels(ds) == ["pos", "neg"]
    assert ds.report.dropped == {"not a record": 1}
    nested = write(tmp_path, "y.json", json.dumps({"data": records[:2]}))
    assert load_dataset(nested).report.rows == 2


def test_json_invalid_says_where(tmp_path):
    path = write(tmp_path, "x.json", '[{"text": "a"},\n {"text": }]')
    with pytest.raises(DatasetError, match=r"line 2"):
        load_dataset(path)


def test_jsonl_with_blank_and_broken_lines(tmp_path):
    path = write(
        tmp_path,
        "x.jsonl",
        '{"text": "good", "label": 1}\n\n{"text": "bad", "label": 0}\n{broken\n'
        '{"text": "no label"}\n',
    )
    ds = load_dataset(path)
    r = ds.report
    assert r.lines_read == 5 and r.rows == 3
    assert r.dropped == {"blank line": 1, "unparsable line (not JSON)": 1}
    assert r.drop_examples["unparsable line (not JSON)"][0].startswith("line 4")
    assert labels(ds) == ["positive", "negative", None]


def test_xlsx_with_header(tmp_path):
    path = tmp_path / "x.xlsx"
    pd.DataFrame({"Text": ["nice", "awful", "ok"], "Label": [1, 0, None]}).to_excel(
        path, index=False
    )
    ds = load_dataset(path)
    assert ds.report.format == "xlsx" and ds.report.has_header is True
    assert texts(ds) == ["nice", "awful", "ok"]
    assert labels(ds) == ["positive", "negative", None]
    assert ds.report.lines_read == 4


def test_parquet(tmp_path):
    path = tmp_path / "x.parquet"
    pd.DataFrame({"sentence": ["nice", "awful"], "polarity": [2, 0], "n": [1, 2]}).to_parquet(path)
    ds = load_dataset(path)
    assert (ds.report.text_column, ds.report.label_column) == ("sentence", "polarity")
    assert labels(ds) == ["2", "0"]  # {0, 2} is not a default numeric scheme: kept as numbers


# -- folders and NLTK corpora --------------------------------------------------------------------
def test_folder_of_class_subfolders(tmp_path):
    root = tmp_path / "reviews"
    write(root, "pos/a.txt", "a great film\n")
    write(root, "pos/b.txt", "loved it")
    write(root, "neg/c.txt", "bu\xf1uel would weep".encode("cp1252"))
    write(root, "neg/empty.txt", "")
    write(root, "readme.md", "not a class")
    ds = load_dataset(root)
    r = ds.report
    assert r.format == "folder" and r.lines_read == 4 and r.rows == 3
    assert r.dropped == {"empty text": 1}
    assert sorted(zip(texts(ds), labels(ds), strict=True)) == [
        ("a great film", "pos"),
        ("buñuel would weep", "neg"),
        ("loved it", "pos"),
    ]
    assert r.warnings[0].startswith("Not read: 1 file (readme.md: not in a class folder)")


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="sub-folder"):
        load_dataset(tmp_path)


def test_nltk_corpus_from_a_zip_on_the_data_path(tmp_path, monkeypatch):
    import nltk

    from desktop_app.core.data.samples import available_corpora

    corpora = tmp_path / "nltk_data" / "corpora"
    corpora.mkdir(parents=True)
    with zipfile.ZipFile(corpora / "sentence_polarity.zip", "w") as zf:
        zf.writestr("sentence_polarity/rt-polarity.pos", "a joy\nsuperb\n")
        zf.writestr("sentence_polarity/rt-polarity.neg", "cr\xe8me de la dull\n".encode("cp1252"))
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "nltk_data")])
    assert available_corpora() == ["sentence_polarity"]
    ds = load_dataset("nltk:sentence_polarity")
    assert ds.report.format == "nltk"
    assert sorted(zip(texts(ds), labels(ds), strict=True)) == [
        ("a joy", "positive"),
        ("crème de la dull", "negative"),
        ("superb", "positive"),
    ]
    with pytest.raises(DatasetError, match="not on the NLTK data path"):
        load_dataset("nltk:movie_reviews")
    with pytest.raises(DatasetError, match="Unknown sample"):
        load_dataset("nltk:nope")


def test_bad_line_after_a_multiline_record_is_shown_as_its_record(tmp_path):
    path = write(tmp_path, "x.csv", 'text,label\r\n"multi\r\nline",1\r\n\r\nbad,0,x\r\nok,0\r\n')
    ds = load_dataset(path)
    r = ds.report
    assert r.lines_read == 6 and texts(ds) == ["multi\r\nline", "ok"]
    assert r.dropped == {"unparsable line (wrong number of fields)": 1, "blank line": 1}
    assert r.drop_examples["unparsable line (wrong number of fields)"] == ["record 4: bad,0,x"]


def test_json_drop_examples_name_the_item(tmp_path):
    records = [{"text": "good", "label": "pos"}, 7, {"text": "  ", "label": "neg"}]
    ds = load_dataset(write(tmp_path, "x.json", json.dumps(records)))
    assert ds.report.drop_examples == {
        "not a record": ["item 2: 7"],
        "empty text": ["item 3:    | neg"],
    }


def test_csv_written_by_pandas_with_its_index(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"text": ["good film", "bad film", "fine"], "label": [1, 0, 1]}).to_csv(path)
    ds = load_dataset(path)
    assert ds.report.has_header is True
    assert ds.report.columns == ["column 1", "text", "label"]
    assert (ds.report.text_column, ds.report.label_column) == ("text", "label")
    assert labels(ds) == ["positive", "negative", "positive"]
