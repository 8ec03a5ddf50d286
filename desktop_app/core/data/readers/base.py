"""What every reader shares: :class:`RawTable`, line counting, decoding, header detection.

The readers themselves live in ``read_delimited.py`` (CSV, TSV, TXT), ``read_files.py``
(plain lines, JSON, JSONL, folders) and ``read_sheets.py`` (Excel, Parquet);
``readers.py`` gathers their public names.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.data.encoding import decode_text, looks_binary
from desktop_app.core.errors import DatasetError

SAMPLE_BYTES = 1 << 16
MAX_EXAMPLES = 5
EXAMPLE_CHARS = 200
MAX_LISTED = 20  # names listed in one warning (skipped files, merged cells, ...)

TABLE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt"}
OTHER_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CSV_DELIMITERS = (",", ";", "\t", "|")
# Column names that say what a column holds; column guessing (dataset.py) and header
# detection share them.
TEXT_NAMES = {
    "text",
    "texts",
    "sentence",
    "review",
    "tweet",
    "content",
    "comment",
    "body",
    "message",
    "document",
    "review_text",
}
LABEL_NAMES = {
    "label",
    "labels",
    "sentiment",
    "class",
    "polarity",
    "target",
    "category",
    "y",
}
# A first row holding one of these is a header. "y" alone is too common a data value.
HEADER_WORDS = (TEXT_NAMES | LABEL_NAMES | {"sentences", "reviews", "id"}) - {"y"}


@dataclass
class RawTable:
    """A table as read, before columns are chosen."""

    frame: Any  # pandas.DataFrame, every column as read
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool | None = None
    lines_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    drop_examples: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Physical line of raw row i: first_line + i when lines are exact, or line_map[i].
    first_line: int | None = None
    line_map: list[int] | None = None
    unit: str = "line"  # what first_line / line_map count: "line", or "item" for JSON
    default_text: str | None = None
    default_label: str | None = None
    label_names: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None  # the sheet read (workbooks)
    sheets: list[str] = field(default_factory=list)  # every sheet of the workbook

    def drop(self, reason: str, count: int, examples: list[str]) -> None:
        if count <= 0:
            return
        self.dropped[reason] = self.dropped.get(reason, 0) + int(count)
        kept = self.drop_examples.setdefault(reason, [])
        kept.extend(examples[: MAX_EXAMPLES - len(kept)])

    def where(self, row: int) -> str:
        """'line N' for raw row ``row`` when its physical line is known, else 'row N'."""
        if self.line_map is not None:
            return f"{self.unit} {self.line_map[row]}"
        if self.first_line is not None:
            return f"{self.unit} {self.first_line + row}"
        return f"row {row + 1}"


# -- lines --------------------------------------------------------------------------
def split_lines(text: str) -> list[str]:
    """Split on \\n, \\r\\n and \\r only (str.splitlines also splits on U+0085, U+2028, ...)."""
    if not text:
        return []
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


BLOCK_BYTES = 1 << 22  # scan files a few MB at a time: in cache, and the GIL is free between


def count_lines(buffer: Any) -> int:
    """Physical lines in a bytes-like buffer (terminators \\n, \\r\\n, \\r), vectorised."""
    import numpy as np

    data = np.frombuffer(buffer, dtype=np.uint8)
    return _count_line_blocks(data[i : i + BLOCK_BYTES] for i in range(0, len(data), BLOCK_BYTES))


def count_file_lines(path: Path) -> int:
    """Physical lines of a file, read block by block (``count_lines`` without the whole file
    in memory; the reads and numpy's comparisons run without the GIL)."""
    return scan_file(path)[0]


def scan_file(path: Path) -> tuple[int, bool]:
    """Physical lines of a file and whether it holds a NUL byte, in one pass of blocks."""
    import numpy as np

    buffer = bytearray(BLOCK_BYTES)
    view = memoryview(buffer)
    data = np.frombuffer(buffer, dtype=np.uint8)
    nul = False

    def blocks() -> Any:
        nonlocal nul
        with open(path, "rb", buffering=0) as fh:
            while size := fh.readinto(view):
                nul = nul or buffer.find(0, 0, size) >= 0  # memchr: a blink per block
                yield data[:size]  # counted before the next read reuses the buffer

    lines = _count_line_blocks(blocks())
    return lines, nul


def _count_line_blocks(blocks: Any) -> int:
    """Lines in consecutive non-empty uint8 blocks; a \\r\\n split across two blocks counts once."""
    import numpy as np

    lf = cr = crlf = 0
    last = -1
    for data in blocks:
        lf += int(np.count_nonzero(data == 10))
        in_block = int(np.count_nonzero(data == 13))
        if in_block:
            cr += in_block
            crlf += int(np.count_nonzero((data[:-1] == 13) & (data[1:] == 10)))
        if last == 13 and data[0] == 10:
            crlf += 1
        last = int(data[-1])
    if last < 0:
        return 0
    return lf + cr - crlf + (last not in (10, 13))


def file_contains(path: Path, needle: bytes) -> bool:
    """Whether the file holds ``needle``, searched block by block (a search through a whole
    100 MB file in one call would hold the GIL for tens of milliseconds)."""
    tail = b""
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK_BYTES):
            if needle in tail + block[: len(needle) - 1] or needle in block:
                return True
            tail = block[-(len(needle) - 1) :] if len(needle) > 1 else b""
    return False


def clip(text: Any) -> str:
    text = str(text)
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def listed(items: list[str], limit: int = MAX_LISTED, sep: str = ", ") -> str:
    """``a, b, c`` -- at most ``limit`` of them, then how many more."""
    shown = sep.join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# -- bytes and text -------------------------------------------------------------------------
def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DatasetError(
            f"Cannot read {path}: {exc.strerror or exc}. Check the path and permissions."
        ) from None


def check_not_empty_or_binary(path: Path, head: bytes) -> None:
    if not head:
        raise DatasetError(f"{path} is empty. Choose a file that has rows of text.")
    if looks_binary(head):
        raise DatasetError(
            f"{path} looks like a binary file, not text (more than 1% of its first 64 KB "
            "are NUL or other control bytes). Open a CSV, TSV, TXT, JSON, JSONL, XLSX or "
            "Parquet file with its usual extension (a UTF-16 text file needs a byte-order mark)."
        )


def decode_file(
    path: Path | str, data: bytes, encoding: str | None, warnings: list[str] | None = None
) -> tuple[str, str]:
    """Decode a whole file (the user's encoding, or detected; see ``encoding.decode_text``).
    Returns (text, encoding); what the user should know is appended to ``warnings``."""
    decoded = decode_text(data, encoding, str(path))
    if warnings is not None:
        warnings.extend(decoded.warnings)
    return decoded.text, decoded.encoding


def decode_all(path: Path | str, data: bytes, encoding: str | None) -> tuple[str, str]:
    """``decode_file`` without the warnings (kept for the NLTK sample reader)."""
    return decode_file(path, data, encoding)


def sample_text(head: bytes, encoding: str, complete: bool) -> str:
    """Decode the first bytes; drop a last line that the sample cut in two."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(head, final=complete)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not complete:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut >= 0 else text
    return text


# -- delimiter and header -------------------------------------------------------------
def parse_delimiter(value: str) -> str:
    """Accept the usual spellings of a delimiter given on a command line or in a form."""
    names = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
    value = names.get(value.lower(), value) if len(value) > 1 else value
    if len(value) != 1:
        raise DatasetError(
            f"Delimiter {value!r} is not one character. Use for example ',', ';', 'tab' or '|'."
        )
    return value


def guess_delimiter(lines: list[str], candidates: tuple[str, ...], default: str) -> str:
    """The candidate that splits the sample lines into the same number (>= 2) of fields."""
    lines = [line for line in lines[:200] if line.strip()]
    if not lines:
        return default
    best, best_score = default, 0.0
    for delim in candidates:
        counts = Counter(len(row) for row in csv.reader(lines, delimiter=delim))
        width, hits = counts.most_common(1)[0]
        if width < 2:
            continue
        score = hits / len(lines)
        if score > best_score + 1e-9 or (delim == default and abs(score - best_score) < 1e-9):
            best, best_score = delim, score
    return best if best_score >= 0.8 else default


def is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def looks_like_header(rows: list[list[str]]) -> bool:
    """Is the first row a header? Names are short, non-numeric and not data values; they
    are unique too, unless one of them names what a column holds ("text,label,label")."""
    if not rows:
        return False
    first = [value.strip() for value in rows[0]]
    rest = rows[1:51]
    if len(first) > 1 and first[0] == "":
        # pandas' to_csv writes an unnamed index column: ",text,label"
        first, rest = first[1:], [row[1:] for row in rest]
    if any(not v or is_number(v) or len(v) > 60 for v in first):
        return False
    if any(v.casefold() in HEADER_WORDS for v in first):
        return True
    if len({v.casefold() for v in first}) != len(first):
        return False
    if not rest:
        return False
    for j, name in enumerate(first):
        values = [row[j].strip() for row in rest if j < len(row)]
        if name in values:
            return False  # a header name does not repeat as a value below it
    for j, name in enumerate(first):
        values = [row[j].strip() for row in rest if j < len(row) and row[j].strip()]
        if not values:
            continue
        if all(is_number(v) for v in values):
            return True  # a numeric column under a word
        lengths = sorted(len(v) for v in values)
        if len(values) >= 3 and lengths[len(lengths) // 2] > 3 * len(name) and len(name) <= 30:
            return True
    return False


def unique_names(names: list[Any], warnings: list[str] | None = None) -> list[str]:
    """Column names: an empty one becomes "column N", a repeated one "label 2" (said in
    ``warnings``)."""
    seen: Counter[str] = Counter()
    out = []
    renamed: list[str] = []
    taken = {str(n).strip() for n in names}
    for i, name in enumerate(names):
        name = str(name).strip() or f"column {i + 1}"
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name} {seen[name]}"
            while new in taken:
                seen[name] += 1
                new = f"{name} {seen[name]}"
            taken.add(new)
            renamed.append(f"{name!r} -> {new!r}")
            name = new
        out.append(name)
    if renamed and warnings is not None:
        warnings.append(
            f"Repeated column names in the header were renamed: {listed(renamed)}. "
            "Check which of them holds what you need."
        )
    return out


# -- nested values (Parquet lists, JSON objects) ---------------------------------------------
def flatten_nested(frame: Any, warnings: list[str], columns: list[str] | None = None) -> None:
    """Turn columns of lists or objects into text (in place): a list of strings is joined with
    spaces, anything else is written as JSON. Hashing them later would fail."""
    import numpy as np
    import pandas as pd

    candidates = columns if columns is not None else list(frame.columns)
    nested_types = (list, tuple, dict, np.ndarray)
    for name in candidates:
        col = frame[name]
        if isinstance(col.dtype, pd.ArrowDtype):
            col = col.astype(object)
        if col.dtype != object:
            continue
        is_nested = col.map(lambda v: isinstance(v, nested_types)).to_numpy(dtype=bool)
        if not is_nested.any():
            continue
        joined = [True]  # every nested value so far was a list of strings

        def to_text(value: Any, joined: list[bool] = joined) -> Any:
            if not isinstance(value, nested_types):
                return value
            if isinstance(value, np.ndarray):
                value = value.tolist()
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                return " ".join(value)
            joined[0] = False
            return _json(value)

        frame[name] = col.map(to_text)
        kind = (
            "lists of strings: each was joined with spaces"
            if joined[0]
            else ("lists or objects: each was written as JSON text")
        )
        warnings.append(
            f"Column {name!r} holds {kind} ({int(is_nested.sum())} rows) so that it can be used "
            "as a text or label column."
        )


def _json(value: Any) -> str:
    import json

    def default(obj: Any) -> Any:
        tolist = getattr(obj, "tolist", None)
        return tolist() if tolist is not None else str(obj)

    return json.dumps(value, ensure_ascii=False, default=default)
