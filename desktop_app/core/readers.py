"""Readers: turn one file (or folder) into a raw table plus what happened while reading.

Every reader returns a :class:`RawTable`: the table as read (all columns, strings as
read), the physical lines read, rows dropped *while reading* (unparsable lines), and
notes. Choosing the text and label columns happens later, in ``dataset.py``, so the
user can re-pick columns without reading the file again.

The delimited-file path hands the file's path straight to ``pandas.read_csv`` (its
fastest path) and counts lines with numpy, a few MB at a time, so a 100 MB CSV loads in
little more time than ``read_csv`` alone.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.encoding import (
    bom_encoding,
    decode,
    detect_encoding,
    is_utf8_prefix,
    looks_binary,
    normalise_name,
)
from desktop_app.core.errors import DatasetError
from desktop_app.core.jobs import JobContext

SAMPLE_BYTES = 1 << 16
# Above this size the CSV is read in chunks so progress moves and Cancel answers
# within a chunk; below it one read_csv call is faster and takes well under a second.
CHUNKED_BYTES = 256 << 20
CHUNK_ROWS = 500_000
MAX_EXAMPLES = 5
EXAMPLE_CHARS = 200

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
    import numpy as np

    buffer = bytearray(BLOCK_BYTES)
    view = memoryview(buffer)
    data = np.frombuffer(buffer, dtype=np.uint8)

    def blocks() -> Any:
        with open(path, "rb", buffering=0) as fh:
            while size := fh.readinto(view):
                yield data[:size]  # counted before the next read reuses the buffer

    return _count_line_blocks(blocks())


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


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DatasetError(
            f"Cannot read {path}: {exc.strerror or exc}. Check the path and permissions."
        ) from None


def _check_not_empty_or_binary(path: Path, head: bytes) -> None:
    if not head:
        raise DatasetError(f"{path} is empty. Choose a file that has rows of text.")
    if looks_binary(head):
        raise DatasetError(
            f"{path} looks like a binary file, not text. Open a CSV, TSV, TXT, JSON, "
            "JSONL, XLSX or Parquet file with its usual extension (a UTF-16 text file needs "
            "a byte-order mark)."
        )


def _decode_all(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode a whole file: the user's encoding, or the detected one. Returns (text, encoding)."""
    if encoding is None:
        encoding = detect_encoding(data)
    text = decode(data, encoding, str(path))
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def _sample_text(head: bytes, encoding: str, complete: bool) -> str:
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


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def looks_like_header(rows: list[list[str]]) -> bool:
    """Is the first row a header? Names are short, unique, non-numeric and not data values."""
    if not rows:
        return False
    first = [value.strip() for value in rows[0]]
    rest = rows[1:51]
    if len(first) > 1 and first[0] == "":
        # pandas' to_csv writes an unnamed index column: ",text,label"
        first, rest = first[1:], [row[1:] for row in rest]
    if any(not v or _is_number(v) or len(v) > 60 for v in first):
        return False
    if len({v.casefold() for v in first}) != len(first):
        return False
    if any(v.casefold() in HEADER_WORDS for v in first):
        return True
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
        if all(_is_number(v) for v in values):
            return True  # a numeric column under a word
        lengths = sorted(len(v) for v in values)
        if len(values) >= 3 and lengths[len(lengths) // 2] > 3 * len(name) and len(name) <= 30:
            return True
    return False


# -- delimited text (csv / tsv / txt with tabs) -----------------------------------------
class _Source:
    """The bytes pandas parses: the file itself (UTF-8) or a UTF-8 copy of a decoded file."""

    def __init__(self, path: Path, encoding: str, data: bytes | None) -> None:
        self.path = path
        self.encoding = encoding
        self._data = data  # None: parse the file itself (it is UTF-8)
        self._text: str | None = None

    @property
    def direct(self) -> bool:
        return self._data is None

    def head(self, file_head: bytes, file_size: int) -> tuple[bytes, bool]:
        """The first bytes pandas will see, and whether they are the whole input."""
        if self._data is None:
            return file_head, file_size <= len(file_head)
        return self._data[:SAMPLE_BYTES], len(self._data) <= SAMPLE_BYTES

    def pandas_input(self) -> Any:
        return str(self.path) if self._data is None else io.BytesIO(self._data)

    @property
    def pandas_encoding(self) -> str:
        return self.encoding if self._data is None else "utf-8"

    def count_lines(self) -> int:
        if self._data is not None:
            return count_lines(self._data)
        return count_file_lines(self.path)

    def contains(self, needle: bytes) -> bool:
        if self._data is not None:
            return needle in self._data
        return file_contains(self.path, needle)

    def lines(self) -> list[str]:
        """All physical lines, decoded (slow path only: examples and one-row-per-line)."""
        if self._text is None:
            data = self._data if self._data is not None else _read_bytes(self.path)
            enc = self.encoding if self._data is None else "utf-8"
            self._text = _decode_all(self.path, data, enc)[0]
        return split_lines(self._text)


class _LineCount:
    """The source's physical line count, counted on a helper thread while pandas parses.

    numpy releases the GIL while it compares and counts, and pandas' parallel reader
    keeps every core busy only part of the time, so the count costs little wall time.
    """

    def __init__(self, source: _Source, background: bool) -> None:
        self._value: int | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(
                target=self._run, args=(source,), name="count-lines", daemon=True
            )
            self._thread.start()
        else:
            self._value = source.count_lines()

    def _run(self, source: _Source) -> None:
        try:
            self._value = source.count_lines()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self._error = exc

    def result(self) -> int:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _open_source(path: Path, head: bytes, encoding: str | None) -> tuple[_Source, bool]:
    """Choose what pandas reads. Returns the source and whether UTF-8 is only a guess
    from the first bytes (pandas decodes strictly, so a later non-UTF-8 byte raises)."""
    bom = bom_encoding(head)
    if encoding is not None:
        enc = normalise_name(encoding)
        if enc == "utf-8":
            return _Source(path, "utf-8-sig" if bom == "utf-8-sig" else "utf-8", None), False
        if enc == "utf-8-sig":
            return _Source(path, "utf-8-sig", None), False
        text, _ = _decode_all(path, _read_bytes(path), enc)
        return _Source(path, enc, text.encode("utf-8")), False
    if bom == "utf-8-sig":
        return _Source(path, "utf-8-sig", None), False
    if bom is None and is_utf8_prefix(head):
        return _Source(path, "utf-8", None), True
    text, enc = _decode_all(path, _read_bytes(path), None)
    return _Source(path, enc, text.encode("utf-8")), False


def _chunked(source: _Source, ctx: JobContext | None) -> bool:
    return source.direct and ctx is not None and source.path.stat().st_size > CHUNKED_BYTES


def _pandas_read(
    source: _Source, kwargs: dict[str, Any], ctx: JobContext | None, lines: _LineCount
):
    import pandas as pd

    if not _chunked(source, ctx):
        return pd.read_csv(source.pandas_input(), encoding=source.pandas_encoding, **kwargs)
    assert ctx is not None
    total = lines.result()
    parts = []
    done = 0
    with pd.read_csv(
        source.pandas_input(), encoding=source.pandas_encoding, chunksize=CHUNK_ROWS, **kwargs
    ) as reader:
        for part in reader:
            parts.append(part)
            done += len(part)
            ctx.check_cancelled()
            ctx.progress(min(done, total), total, "Reading rows")
    if not parts:
        return pd.read_csv(source.pandas_input(), encoding=source.pandas_encoding, **kwargs)
    return pd.concat(parts, ignore_index=True)


_BAD_LINE = re.compile(r"Skipping line (\d+)")
_UNNAMED = re.compile(r"Unnamed: \d+")


def _parse(
    source: _Source, kwargs: dict[str, Any], ctx: JobContext | None, lines: _LineCount
) -> tuple[Any, list[int]]:
    """read_csv; when a line has too many fields, read again collecting those lines."""
    import pandas as pd

    try:
        return _pandas_read(source, {**kwargs, "on_bad_lines": "error"}, ctx, lines), []
    except pd.errors.ParserError as exc:
        if "Expected" not in str(exc) or "fields" not in str(exc):
            raise
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        frame = _pandas_read(source, {**kwargs, "on_bad_lines": "warn"}, ctx, lines)
    bad = sorted(
        int(n)
        for w in caught
        if issubclass(w.category, pd.errors.ParserWarning)
        for n in _BAD_LINE.findall(str(w.message))
    )
    return frame, bad


def read_delimited(
    path: Path, fmt: str, options: Any, ctx: JobContext | None = None
) -> RawTable | None:
    """Read CSV / TSV / tab-separated TXT. Returns None for a .txt without tabs (plain lines)."""
    import pandas as pd

    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    _check_not_empty_or_binary(path, head)
    source, tentative = _open_source(path, head, options.encoding)
    if ctx is not None:
        ctx.check_cancelled()
    sample_bytes, complete = source.head(head, size)
    sample = _sample_text(sample_bytes, source.pandas_encoding, complete)
    sample_lines = split_lines(sample)

    if options.delimiter is not None:
        delimiter = parse_delimiter(options.delimiter)
    elif fmt == "tsv":
        delimiter = "\t"
    elif fmt == "txt":
        filled = [line for line in sample_lines[:200] if line.strip()]
        with_tab = sum(1 for line in filled if "\t" in line)
        if not filled or with_tab < 0.9 * len(filled):
            return None
        delimiter = "\t"
    else:
        delimiter = guess_delimiter(sample_lines, CSV_DELIMITERS, ",")
    line_oriented = fmt in ("tsv", "txt")

    sample_rows = list(
        csv.reader(
            [ln for ln in sample_lines[:51] if ln.strip()],
            delimiter=delimiter,
            quoting=csv.QUOTE_NONE if line_oriented else csv.QUOTE_MINIMAL,
        )
    )
    has_header = options.has_header
    if has_header is None:
        has_header = looks_like_header(sample_rows)

    if ctx is not None:
        ctx.progress(0, 3, "Parsing")
    # Counted beside the parse; a chunked read counts first (it is the progress total).
    lines = _LineCount(source, background=not _chunked(source, ctx))

    kwargs: dict[str, Any] = dict(
        sep=delimiter,
        header=0 if has_header else None,
        index_col=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
    )
    header_lines = 1 if has_header else 0

    def parse_all(source: _Source, lines: _LineCount) -> tuple[Any, list[int], int, int, list[str]]:
        """Parse (quote-aware where quotes occur); for line-oriented files fall back to one
        row per line when quotes would merge lines. Returns frame, bad lines, excess, notes."""
        quote_aware = not line_oriented or source.contains(b'"')
        quoting = csv.QUOTE_MINIMAL if quote_aware else csv.QUOTE_NONE
        try:
            try:
                frame, bad = _parse(source, {**kwargs, "quoting": quoting}, ctx, lines)
            finally:
                lines_read = lines.result()  # also joins the counting thread on errors
        except pd.errors.ParserError as exc:
            if not line_oriented:
                raise DatasetError(
                    f"{path} cannot be parsed as a table: {_parser_reason(exc)}. "
                    "Check the quotes around that row, or choose another delimiter."
                ) from None
            frame, bad = None, []  # a stray quote ran to the end of the file
        excess = lines_read - header_lines - (0 if frame is None else len(frame)) - len(bad)
        notes: list[str] = []
        if line_oriented and quote_aware and (frame is None or excess != 0):
            what = "fails" if frame is None else f"would merge {excess} lines into other rows"
            notes.append(
                f"A stray double quote: quote-aware parsing {what}, so every line was "
                "loaded as one row and quotes were kept as text."
            )
            frame, bad = _parse(source, {**kwargs, "quoting": csv.QUOTE_NONE}, ctx, lines)
            excess = lines_read - header_lines - len(frame) - len(bad)
        return frame, bad, lines_read, excess, notes

    try:
        try:
            frame, bad, lines_read, excess, table_notes = parse_all(source, lines)
        except UnicodeDecodeError as exc:
            if not tentative:
                raise DatasetError(
                    f"{path} cannot be read as {source.encoding}: {exc.reason} at byte "
                    f"{exc.start}. Choose another encoding (for example windows-1252)."
                ) from None
            # UTF-8 was a guess from the first bytes: decode the whole file and parse again.
            text, enc = _decode_all(path, _read_bytes(path), None)
            source = _Source(path, enc, text.encode("utf-8"))
            del text
            frame, bad, lines_read, excess, table_notes = parse_all(
                source, _LineCount(source, background=False)
            )
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path} has no rows. Choose a file that has rows of text.") from None
    if ctx is not None:
        ctx.check_cancelled()
        ctx.progress(2, 3, "Checking rows")

    if has_header:
        # pandas names an empty header cell "Unnamed: N"; call it "column N+1" like the rest.
        names = ["" if _UNNAMED.fullmatch(str(c)) else str(c) for c in frame.columns]
        frame.columns = _unique_names(names)
    else:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    if has_header and len(frame) == 0 and not bad:
        raise DatasetError(
            f"{path} has a header line ({', '.join(map(str, frame.columns))}) but no data rows. "
            "Add rows below the header or open another file."
        )

    table = RawTable(
        frame=frame,
        format=fmt,
        encoding=source.encoding,
        delimiter=delimiter,
        has_header=bool(has_header),
        lines_read=lines_read,
        notes=table_notes,
    )
    if bad:
        table.drop(
            "unparsable line (wrong number of fields)",
            len(bad),
            _bad_line_examples(source, bad[:MAX_EXAMPLES], excess, delimiter),
        )
    if excess == 0:
        if bad:
            import numpy as np

            kept = np.setdiff1d(np.arange(header_lines + 1, lines_read + 1), np.asarray(bad))
            table.line_map = kept.tolist()
        else:
            table.first_line = header_lines + 1
    elif excess > 0:
        _note_multiline(table, excess)
    return table


def _bad_line_examples(
    source: _Source, numbers: list[int], excess: int, delimiter: str
) -> list[str]:
    """The lines pandas skipped. Its numbers count records: physical lines unless quoted
    line breaks made some records span several lines; then re-read records with csv."""
    if excess == 0:
        lines = source.lines()
        return [f"line {n}: {clip(lines[n - 1])}" for n in numbers if n - 1 < len(lines)]
    wanted = set(numbers)
    found: dict[int, str] = {}
    reader = csv.reader(io.StringIO("\n".join(source.lines())), delimiter=delimiter)
    for n, fields in enumerate(reader, start=1):
        if n in wanted:
            found[n] = delimiter.join(fields)
            if len(found) == len(wanted):
                break
    return [f"record {n}: {clip(found.get(n, ''))}" for n in numbers]


def _note_multiline(table: RawTable, excess: int) -> None:
    """Quoted line breaks joined lines into one record: say so, and where."""
    frame = table.frame
    spans = None
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind in "iufb":
            continue
        breaks = col.astype("str").str.count("\r\n|\r|\n").fillna(0)
        spans = breaks if spans is None else spans + breaks
    if spans is None:
        return
    rows = spans[spans > 0]
    table.notes.append(
        f"{len(rows)} records hold line breaks inside quotes, so {excess} of the "
        f"{table.lines_read} lines belong to the record above them."
    )
    if len(rows) and int(rows.max()) >= 20:
        worst = int(rows.idxmax())
        table.warnings.append(
            f"Record {worst + 1} spans {int(rows.max()) + 1} lines: an unbalanced double quote "
            "may have merged lines. Check that record, or load the file as TSV/TXT."
        )


def _parser_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text.replace("Error tokenizing data. C error: ", "")


def _unique_names(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for i, name in enumerate(names):
        name = name.strip() or f"column {i + 1}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return out


# -- plain lines ---------------------------------------------------------------------------
def read_plain_lines(path: Path, fmt: str, options: Any, ctx: JobContext | None = None) -> RawTable:
    """One row per physical line: no header, no delimiter, no quoting."""
    import pandas as pd

    data = _read_bytes(path)
    _check_not_empty_or_binary(path, data[:SAMPLE_BYTES])
    if ctx is not None:
        ctx.check_cancelled()
        ctx.progress(0, 2, "Decoding")
    encoding = normalise_name(options.encoding) if options.encoding else None
    text, encoding = _decode_all(path, data, encoding)
    del data
    if ctx is not None:
        ctx.check_cancelled()
        ctx.progress(1, 2, "Splitting lines")
    lines = split_lines(text)
    del text
    frame = pd.DataFrame({"text": pd.array(lines, dtype="str")})
    return RawTable(
        frame=frame,
        format=fmt,
        encoding=encoding,
        delimiter=None,
        has_header=False,
        lines_read=len(lines),
        first_line=1,
        default_text="text",
    )


# -- JSON / JSONL -------------------------------------------------------------------------
def read_json(path: Path, options: Any) -> RawTable:
    import json

    import pandas as pd

    data = _read_bytes(path)
    _check_not_empty_or_binary(path, data[:SAMPLE_BYTES])
    enc = normalise_name(options.encoding) if options.encoding else None
    text, enc = _decode_all(path, data, enc)
    if not text.strip():
        raise DatasetError(f"{path} is empty. Choose a file that has rows of text.")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            "Fix the file, or save it as JSON Lines (.jsonl) with one record per line."
        ) from None
    notes: list[str] = []
    if isinstance(obj, dict):
        lists = [k for k, v in obj.items() if isinstance(v, list)]
        records_key = next((k for k in lists if obj[k] and isinstance(obj[k][0], dict)), None)
        if records_key is not None:
            notes.append(f"Records read from the key {records_key!r}.")
            obj = obj[records_key]
        elif lists and all(
            isinstance(v, list) and len(v) == len(obj[lists[0]]) for v in obj.values()
        ):
            obj = [
                dict(zip(obj, values, strict=True)) for values in zip(*obj.values(), strict=True)
            ]
        else:
            obj = None
    if not isinstance(obj, list):
        raise DatasetError(
            f"{path} does not hold a list of records. Expected JSON like "
            '[{"text": "...", "label": "..."}, ...].'
        )
    table = RawTable(frame=None, format="json", encoding=enc, lines_read=len(obj), notes=notes)
    records, positions = _records(obj, table, "item")
    table.frame = pd.DataFrame.from_records(records) if records else pd.DataFrame({"text": []})
    table.line_map = [p + 1 for p in positions]
    table.unit = "item"
    table.notes.append("For JSON, lines_read counts the items of the list.")
    return table


def _records(items: list[Any], table: RawTable, unit: str) -> tuple[list[dict], list[int]]:
    records, positions, bad = [], [], []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            records.append(item)
            positions.append(i)
        elif isinstance(item, str):
            records.append({"text": item})
            positions.append(i)
        else:
            bad.append(f"{unit} {i + 1}: {clip(item)}")
    table.drop("not a record", len(bad), bad)
    return records, positions


def read_jsonl(path: Path, options: Any, ctx: JobContext | None = None) -> RawTable:
    import json

    import pandas as pd

    data = _read_bytes(path)
    _check_not_empty_or_binary(path, data[:SAMPLE_BYTES])
    enc = normalise_name(options.encoding) if options.encoding else None
    text, enc = _decode_all(path, data, enc)
    lines = split_lines(text)
    table = RawTable(frame=None, format="jsonl", encoding=enc, lines_read=len(lines))
    items, numbers, blank, bad = [], [], [], []
    for n, line in enumerate(lines, start=1):
        if ctx is not None and n % 20_000 == 0:
            ctx.check_cancelled()
            ctx.progress(n, len(lines), "Reading records")
        if not line.strip():
            blank.append(f"line {n}")
            continue
        try:
            items.append(json.loads(line))
            numbers.append(n)
        except json.JSONDecodeError as exc:
            bad.append(f"line {n}: {exc.msg}: {clip(line)}")
    table.drop("blank line", len(blank), blank)
    table.drop("unparsable line (not JSON)", len(bad), bad)
    records, positions = _records(items, table, "record")
    table.frame = pd.DataFrame.from_records(records) if records else pd.DataFrame({"text": []})
    table.line_map = [numbers[p] for p in positions]
    return table


# -- spreadsheets and Parquet ----------------------------------------------------------------
def read_xlsx(path: Path, options: Any) -> RawTable:
    import pandas as pd

    try:
        book = pd.ExcelFile(path, engine="openpyxl")
        sheets = book.sheet_names
        frame = pd.read_excel(book, sheet_name=sheets[0], header=None, dtype=object)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise DatasetError(
            f"{path} cannot be read as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in a spreadsheet program and save it again as .xlsx or .csv."
        ) from None
    notes = []
    if len(sheets) > 1:
        notes.append(f"Read the first of {len(sheets)} sheets: {sheets[0]!r}.")
    lines_read = len(frame)
    if lines_read == 0:
        raise DatasetError(f"The first sheet of {path} is empty. Put the rows on the first sheet.")
    rows = [
        ["" if pd.isna(v) else str(v) for v in row]
        for row in frame.head(51).itertuples(index=False)
    ]
    has_header = options.has_header if options.has_header is not None else looks_like_header(rows)
    if has_header:
        frame.columns = _unique_names(rows[0])
        frame = frame.iloc[1:].reset_index(drop=True)
        if len(frame) == 0:
            raise DatasetError(
                f"{path} has a header row but no data rows. Add rows below the header."
            )
    else:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    notes.append("For spreadsheets, lines_read counts sheet rows (the header row included).")
    return RawTable(
        frame=frame,
        format="xlsx",
        has_header=bool(has_header),
        lines_read=lines_read,
        notes=notes,
        first_line=2 if has_header else 1,
    )


def read_parquet(path: Path, options: Any) -> RawTable:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a bad file
        raise DatasetError(
            f"{path} cannot be read as Parquet ({type(exc).__name__}: {exc}). "
            "Check that the file is complete, or export it again."
        ) from None
    frame.columns = _unique_names([str(c) for c in frame.columns])
    return RawTable(
        frame=frame.reset_index(drop=True),
        format="parquet",
        has_header=True,
        lines_read=len(frame),
        notes=["For Parquet, lines_read counts the stored rows."],
    )


# -- a folder of class sub-folders ---------------------------------------------------------
def read_folder(path: Path, options: Any, ctx: JobContext | None = None) -> RawTable:
    """One row per .txt file; the sub-folder's name is the label (NLTK movie_reviews layout)."""
    import pandas as pd

    classes = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = [(c.name, f) for c in classes for f in sorted(c.glob("*.txt")) if f.is_file()]
    if not files:
        raise DatasetError(
            f"{path} has no class sub-folders with .txt files. Put each class's texts in a "
            "sub-folder named after the class (for example pos/ and neg/)."
        )
    loose = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
    enc_override = normalise_name(options.encoding) if options.encoding else None
    texts, labels, names, encodings = [], [], [], Counter()
    for i, (label, file) in enumerate(files):
        if ctx is not None and i % 50 == 0:
            ctx.check_cancelled()
            ctx.progress(i, len(files), "Reading files")
        data = _read_bytes(file)
        if looks_binary(data[:SAMPLE_BYTES]):
            raise DatasetError(f"{file} looks like a binary file, not text. Remove it from {path}.")
        text, enc = _decode_all(file, data, enc_override)
        encodings[enc] += 1
        texts.append(text.rstrip("\r\n"))
        labels.append(label)
        names.append(str(file.relative_to(path)))
    frame = pd.DataFrame(
        {
            "text": pd.array(texts, dtype="str"),
            "label": pd.array(labels, dtype="str"),
            "file": pd.array(names, dtype="str"),
        }
    )
    notes = [
        f"{len(files)} files in {len({lb for lb, _ in files})} class folders; lines_read counts files."
    ]
    if loose:
        notes.append(
            f"{len(loose)} files directly in the folder were not read (not in a class folder)."
        )
    encoding = encodings.most_common(1)[0][0]
    if len(encodings) > 1:
        notes.append(
            "Encodings: " + ", ".join(f"{k} ({v} files)" for k, v in encodings.most_common())
        )
    return RawTable(
        frame=frame,
        format="folder",
        encoding=encoding,
        has_header=None,
        lines_read=len(files),
        notes=notes,
        default_text="text",
        default_label="label",
    )
