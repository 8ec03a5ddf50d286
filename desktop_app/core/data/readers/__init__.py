"""Readers: turn one file (or folder) into a raw table plus what happened while reading.

Every reader returns a :class:`RawTable`: the table as read (all columns, strings as
read), the physical lines read, rows dropped *while reading* (unparsable lines), and
notes and warnings. Choosing the text and label columns happens later, in
``dataset.py``, so the user can re-pick columns without reading the file again.

This module gathers the readers' public names; they live in ``read_base.py`` (what they
share), ``read_delimited.py`` (CSV, TSV, TXT), ``read_merges.py`` (records that quotes
merged), ``read_files.py`` (plain lines, JSON, JSONL, folders) and ``read_sheets.py``
(Excel, Parquet).
"""

from __future__ import annotations

from desktop_app.core.data.readers.base import (
    CSV_DELIMITERS,
    EXAMPLE_CHARS,
    HEADER_WORDS,
    LABEL_NAMES,
    MAX_EXAMPLES,
    OTHER_FORMATS,
    SAMPLE_BYTES,
    TABLE_FORMATS,
    TEXT_NAMES,
    RawTable,
    clip,
    count_file_lines,
    count_lines,
    decode_all,
    decode_file,
    file_contains,
    guess_delimiter,
    looks_like_header,
    parse_delimiter,
    scan_file,
    split_lines,
    unique_names,
)
from desktop_app.core.data.readers.delimited import read_delimited, sep_line
from desktop_app.core.data.readers.files import (
    folder_files,
    read_folder,
    read_json,
    read_jsonl,
    read_plain_lines,
)
from desktop_app.core.data.readers.sheets import read_parquet, read_xlsx

__all__ = [
    "CSV_DELIMITERS",
    "EXAMPLE_CHARS",
    "HEADER_WORDS",
    "LABEL_NAMES",
    "MAX_EXAMPLES",
    "OTHER_FORMATS",
    "SAMPLE_BYTES",
    "TABLE_FORMATS",
    "TEXT_NAMES",
    "RawTable",
    "decode_all",
    "clip",
    "count_file_lines",
    "count_lines",
    "decode_file",
    "file_contains",
    "folder_files",
    "guess_delimiter",
    "looks_like_header",
    "parse_delimiter",
    "read_delimited",
    "read_folder",
    "read_json",
    "read_jsonl",
    "read_parquet",
    "read_plain_lines",
    "read_xlsx",
    "scan_file",
    "sep_line",
    "split_lines",
    "unique_names",
]
