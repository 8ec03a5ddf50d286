"""Encodings, and the failures a user can cause: each is one DatasetError that says what to do."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from desktop_app.core.data.dataset import LoadOptions, load_dataset
from desktop_app.core.data.encoding import detect_encoding
from desktop_app.core.data.readers import SAMPLE_BYTES
from desktop_app.core.errors import Cancelled, DatasetError
from desktop_app.core.jobs import JobContext, Progress


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def texts(ds) -> list[str]:
    return ds.frame["text"].astype("str").tolist()


# -- encodings ----------------------------------------------------------------------------
def test_utf8_bom(tmp_path):
    path = write(tmp_path, "x.csv", codecs.BOM_UTF8 + "text,label\ncafé,pos\n".encode())
    ds = load_dataset(path)
    assert ds.report.encoding == "utf-8-sig"
    assert ds.report.columns == ["text", "label"]
    assert texts(ds) == ["café"]


def test_utf16_bom(tmp_path):
    path = write(tmp_path, "x.tsv", "text\tlabel\nnaïve\tpos\nbad\tneg\n".encode("utf-16"))
    ds = load_dataset(path)
    assert ds.report.encoding == "utf-16"
    assert texts(ds) == ["naïve", "bad"]
    assert ds.report.lines_read == 3


def test_windows_1252_is_tried_before_a_guess(tmp_path):
    raw = "buñuel\nnão\ncrème brûlée \u201cquoted\u201d\n".encode("cp1252")
    ds = load_dataset(write(tmp_path, "x.neg", raw))
    assert ds.report.encoding == "windows-1252"
    assert texts(ds) == ["buñuel", "não", "crème brûlée \u201cquoted\u201d"]


def test_non_utf8_byte_after_the_sample_is_still_detected(tmp_path):
    body = "text,label\n" + "plain ascii text,pos\n" * (SAMPLE_BYTES // 10)
    raw = body.encode() + "buñuel,neg\n".encode("cp1252")
    ds = load_dataset(write(tmp_path, "x.csv", raw))
    assert ds.report.encoding == "windows-1252"
    assert texts(ds)[-1] == "buñuel"
    assert ds.report.rows == SAMPLE_BYTES // 10 + 1


def test_charset_normalizer_when_windows_1252_cannot_decode():
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. Ђура и ђак. " * 20
    raw = text.encode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp1252")  # 0x80 (Ђ) and 0x90 (ђ) are undefined in Windows-1252
    encoding = detect_encoding(raw)
    assert encoding not in ("utf-8", "windows-1252")
    assert raw.decode(encoding) == text


def test_encoding_override(tmp_path):
    path = write(tmp_path, "x.txt", "größe\n".encode("latin-1"))
    ds = load_dataset(path, LoadOptions(encoding="latin-1"))
    assert ds.report.encoding == "iso8859-1"
    assert texts(ds) == ["größe"]


def test_wrong_encoding_override_says_which_line(tmp_path):
    path = write(tmp_path, "x.txt", b"fine\nalso fine\nbu\xf1uel\n")
    with pytest.raises(DatasetError, match=r"line 3 .*utf-8.*encoding"):
        load_dataset(path, LoadOptions(encoding="utf-8"))
    with pytest.raises(DatasetError, match="Unknown encoding"):
        load_dataset(path, LoadOptions(encoding="no-such-codec"))


# -- failures -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["x.csv", "x.txt", "x.json", "x.jsonl", "x.neg"])
def test_empty_file(tmp_path, name):
    with pytest.raises(DatasetError, match="empty") as err:
        load_dataset(write(tmp_path, name, b""))
    assert name in str(err.value)


def test_blank_lines_only(tmp_path):
    with pytest.raises(DatasetError, match="no rows with text"):
        load_dataset(write(tmp_path, "x.txt", b"\n  \n\n"))


def test_header_only(tmp_path):
    with pytest.raises(DatasetError, match="header line .*no data rows"):
        load_dataset(write(tmp_path, "x.csv", b"text,label\n"))


@pytest.mark.parametrize("name", ["x.csv", "x.txt", "data"])
def test_binary_file(tmp_path, name):
    raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(DatasetError, match="binary"):
        load_dataset(write(tmp_path, name, raw))


def test_no_plausible_text_column(tmp_path):
    path = write(tmp_path, "x.csv", b"a,b\n1,2\n3,4\n5,6\n")
    with pytest.raises(DatasetError, match="no column that looks like text"):
        load_dataset(path)


def test_unknown_column_lists_the_columns(tmp_path):
    path = write(tmp_path, "x.csv", b"text,label\ngood,pos\n")
    with pytest.raises(DatasetError, match="no column 'body'. Columns: text, label"):
        load_dataset(path, LoadOptions(text_column="body"))
    with pytest.raises(DatasetError, match="no column 'y'"):
        load_dataset(path, LoadOptions(label_column="y"))


def test_unclosed_quote_in_csv_is_an_error_with_a_reason(tmp_path):
    path = write(tmp_path, "x.csv", b'text,label\ngood,pos\n"never closed,neg\nbad,neg\n')
    with pytest.raises(DatasetError, match="cannot be parsed as a table: EOF inside string"):
        load_dataset(path)


def test_missing_file_and_bad_xlsx(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(tmp_path / "nope.csv")
    with pytest.raises(DatasetError, match="Excel workbook"):
        load_dataset(write(tmp_path, "x.xlsx", b"not a zip at all"))
    with pytest.raises(DatasetError, match="Parquet"):
        load_dataset(write(tmp_path, "x.parquet", b"not parquet"))


def test_no_labels_or_one_class_loads_with_a_warning(tmp_path):
    ds = load_dataset(write(tmp_path, "x.csv", b"text,label\ngood,pos\nnice,pos\n"))
    assert ds.labels == ["pos"]
    assert any("Only one class" in w for w in ds.report.warnings)
    ds = load_dataset(write(tmp_path, "y.csv", b"text,label\ngood,\nnice,\n"))
    assert ds.labels == [] and ds.stats().unlabelled == 2
    assert any("is empty" in w for w in ds.report.warnings)


# -- progress and cancel ---------------------------------------------------------------------
def test_progress_is_reported_and_cancel_stops_the_load(tmp_path):
    path = write(tmp_path, "x.csv", b"text,label\n" + b"some text,pos\n" * 1000)
    seen: list[tuple[int, int, str]] = []
    ctx = JobContext(
        on_progress=lambda p: seen.append((p.done, p.total, p.message)), min_interval=0
    )
    assert load_dataset(path, ctx=ctx).report.rows == 1000
    assert seen and seen[-1][0] == seen[-1][1]
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Cancelled):
        load_dataset(path, ctx=ctx)


def test_chunked_read_reports_rows_and_cancels(tmp_path, monkeypatch):
    from desktop_app.core.data.readers import delimited as read_delimited

    monkeypatch.setattr(read_delimited, "CHUNKED_BYTES", 100)
    monkeypatch.setattr(read_delimited, "CHUNK_ROWS", 10)
    path = write(tmp_path, "x.csv", b"text,label\n" + b"some text,pos\n" * 95)
    seen: list[tuple[int, int, str]] = []
    ctx = JobContext(
        on_progress=lambda p: seen.append((p.done, p.total, p.message)), min_interval=0
    )
    ds = load_dataset(path, ctx=ctx)
    assert ds.report.rows == 95
    assert [d for d, _t, m in seen if m == "Reading rows"][:3] == [10, 20, 30]

    def cancel_after_first_chunk(report: Progress) -> None:

        if report.message == "Reading rows":
            ctx.cancel()

    ctx = JobContext(on_progress=cancel_after_first_chunk, min_interval=0)
    with pytest.raises(Cancelled):
        load_dataset(path, ctx=ctx)


def test_utf8_override_on_a_csv(tmp_path):
    bom = write(tmp_path, "bom.csv", codecs.BOM_UTF8 + b"text,label\ngood,pos\n")
    ds = load_dataset(bom, LoadOptions(encoding="UTF8"))
    assert ds.report.columns == ["text", "label"]  # the BOM is not part of the first name
    legacy = write(tmp_path, "legacy.csv", "text,label\nbuñuel,pos\n".encode("cp1252"))
    with pytest.raises(DatasetError, match="cannot be read as utf-8.*another encoding"):
        load_dataset(legacy, LoadOptions(encoding="utf-8"))
    ds = load_dataset(legacy, LoadOptions(encoding="cp1252"))
    assert (ds.report.encoding, texts(ds)) == ("windows-1252", ["buñuel"])


def test_late_non_utf8_byte_in_a_tsv_with_a_stray_quote(tmp_path):
    body = b"text\tlabel\n" + b"plain text\tpos\n" * (SAMPLE_BYTES // 15 + 10)
    raw = body + '"café\tneg\nok\tpos\n'.encode("cp1252")
    ds = load_dataset(write(tmp_path, "x.tsv", raw), ctx=JobContext())
    assert ds.report.encoding == "windows-1252"
    assert texts(ds)[-2:] == ['"café', "ok"]
    assert ds.report.rows == ds.report.lines_read - 1
    assert any("stray double quote" in n for n in ds.report.notes)
