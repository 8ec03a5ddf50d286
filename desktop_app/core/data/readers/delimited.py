"""Delimited text: CSV, TSV and tab-separated TXT, parsed by ``pandas.read_csv``.

A UTF-8 file goes to ``read_csv`` by its path (its fastest path) while a helper thread
counts its lines (and looks for NUL bytes) with numpy, a few MB at a time, so a 100 MB
CSV loads in little more time than ``read_csv`` alone. Any other file -- another
encoding, UTF-8 with a few lines that are not, NUL bytes -- is decoded first
(``encoding.decode_text``) and parsed from a UTF-8 copy.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import warnings
from pathlib import Path
from typing import Any

from desktop_app.core.data.encoding import bom_encoding, is_utf8_prefix, normalise_name
from desktop_app.core.data.readers.base import (
    CSV_DELIMITERS,
    MAX_EXAMPLES,
    SAMPLE_BYTES,
    RawTable,
    check_not_empty_or_binary,
    clip,
    count_lines,
    decode_file,
    file_contains,
    guess_delimiter,
    looks_like_header,
    parse_delimiter,
    read_bytes,
    sample_text,
    scan_file,
    split_lines,
    unique_names,
)
from desktop_app.core.data.readers.merges import check_multiline
from desktop_app.core.errors import DatasetError
from desktop_app.core.jobs import JobContext

# Above this size the CSV is read in chunks so progress moves and Cancel answers
# within a chunk; below it one read_csv call is faster and takes well under a second.
CHUNKED_BYTES = 256 << 20
CHUNK_ROWS = 500_000
# Excel writes "sep=;" as the first line of a CSV to name its delimiter.
_SEP_LINE = re.compile(r'\s*"?sep=(\\t|.)"?\s*')
_BAD_LINE = re.compile(r"Skipping line (\d+)")
_UNNAMED = re.compile(r"Unnamed: \d+")
_DELIMITER_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space"}


class _Source:
    """The bytes pandas parses: the file itself (UTF-8) or a UTF-8 copy of a decoded file."""

    def __init__(
        self, path: Path, encoding: str, data: bytes | None, warnings: list[str] | None = None
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.warnings = warnings or []  # what decoding the file changed or guessed
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

    def scan(self) -> tuple[int, bool]:
        """Physical lines, and whether a NUL byte is among them (a decoded copy has none)."""
        if self._data is not None:
            return count_lines(self._data), False
        return scan_file(self.path)

    def contains(self, needle: bytes) -> bool:
        if self._data is not None:
            return needle in self._data
        return file_contains(self.path, needle)

    def lines(self) -> list[str]:
        """All physical lines, decoded (slow path only: examples and one-row-per-line)."""
        if self._text is None:
            data = self._data if self._data is not None else read_bytes(self.path)
            enc = self.encoding if self._data is None else "utf-8"
            self._text = decode_file(self.path, data, enc)[0]
        return split_lines(self._text)


def _decoded_source(path: Path, encoding: str | None) -> _Source:
    """Decode the whole file (NUL bytes removed) and parse a UTF-8 copy of it."""
    found: list[str] = []
    text, enc = decode_file(path, read_bytes(path), encoding, found)
    return _Source(path, enc, text.encode("utf-8"), found)


class _LineCount:
    """The source's physical line count, counted on a helper thread while pandas parses.

    numpy releases the GIL while it compares and counts, and pandas' parallel reader
    keeps every core busy only part of the time, so the count costs little wall time.
    """

    def __init__(self, source: _Source, background: bool) -> None:
        self._value: tuple[int, bool] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(
                target=self._run, args=(source,), name="count-lines", daemon=True
            )
            self._thread.start()
        else:
            self._value = source.scan()

    def _run(self, source: _Source) -> None:
        try:
            self._value = source.scan()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self._error = exc

    def _join(self) -> tuple[int, bool]:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value

    def result(self) -> int:
        return self._join()[0]

    @property
    def has_nul(self) -> bool:
        return self._join()[1]


def _open_source(path: Path, head: bytes, encoding: str | None) -> tuple[_Source, bool]:
    """Choose what pandas reads. Returns the source and whether UTF-8 is only a guess
    from the first bytes (pandas decodes strictly, so a later non-UTF-8 byte raises)."""
    bom = bom_encoding(head)
    nul = b"\x00" in head
    if encoding is not None:
        enc = normalise_name(encoding)
        if enc in ("utf-8", "utf-8-sig") and not nul:
            return _Source(path, "utf-8-sig" if bom == "utf-8-sig" else enc, None), False
        return _decoded_source(path, enc), False
    if not nul and bom == "utf-8-sig":
        return _Source(path, "utf-8-sig", None), False
    if not nul and bom is None and is_utf8_prefix(head):
        return _Source(path, "utf-8", None), True
    return _decoded_source(path, None), False


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


def sep_line(lines: list[str]) -> str | None:
    """The delimiter that Excel's first line ``sep=;`` names, if the first line is one."""
    match = _SEP_LINE.fullmatch(lines[0]) if lines else None
    if match is None:
        return None
    return "\t" if match.group(1) == "\\t" else match.group(1)


def read_delimited(
    path: Path, fmt: str, options: Any, ctx: JobContext | None = None
) -> RawTable | None:
    """Read CSV / TSV / tab-separated TXT. Returns None for a .txt without tabs (plain lines)."""
    import pandas as pd

    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    check_not_empty_or_binary(path, head)
    source, tentative = _open_source(path, head, options.encoding)
    if ctx is not None:
        ctx.check_cancelled()
    sample_bytes, complete = source.head(head, size)
    sample = sample_text(sample_bytes, source.pandas_encoding, complete)
    sample_lines = split_lines(sample)

    read_notes: list[str] = []
    named = sep_line(sample_lines)
    skip = 0
    if named is not None:
        skip = 1
        read_notes.append(
            f"The first line {sample_lines[0].strip()!r} names the delimiter "
            f"({_DELIMITER_WORDS.get(named, repr(named))}); it was not read as a row."
        )
        sample_lines = sample_lines[1:]

    if options.delimiter is not None:
        delimiter = parse_delimiter(options.delimiter)
    elif named is not None:
        delimiter = named
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
        skiprows=skip,
        engine="c",
    )
    lead = skip + (1 if has_header else 0)  # lines before the first record

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
        excess = lines_read - lead - (0 if frame is None else len(frame)) - len(bad)
        notes: list[str] = []
        if line_oriented and quote_aware and (frame is None or excess != 0):
            what = "fails" if frame is None else f"would merge {excess} lines into other rows"
            notes.append(
                f"A stray double quote: quote-aware parsing {what}, so every line was "
                "loaded as one row and quotes were kept as text."
            )
            frame, bad = _parse(source, {**kwargs, "quoting": csv.QUOTE_NONE}, ctx, lines)
            excess = lines_read - lead - len(frame) - len(bad)
        return frame, bad, lines_read, excess, notes

    encoding = normalise_name(options.encoding) if options.encoding else None
    try:
        try:
            parsed = parse_all(source, lines)
        except UnicodeDecodeError as exc:
            if not tentative:
                raise DatasetError(
                    f"{path} cannot be read as {source.encoding}: {exc.reason} at byte "
                    f"{exc.start}. Choose another encoding (for example windows-1252)."
                ) from None
            # UTF-8 was a guess from the first bytes: decode the whole file and parse again.
            source = _decoded_source(path, None)
            parsed = parse_all(source, _LineCount(source, background=False))
        else:
            if source.direct and lines.has_nul:
                # A NUL byte after the first 64 KB: parse the file without its NUL bytes.
                source = _decoded_source(path, encoding)
                parsed = parse_all(source, _LineCount(source, background=False))
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path} has no rows. Choose a file that has rows of text.") from None
    frame, bad, lines_read, excess, table_notes = parsed
    if ctx is not None:
        ctx.check_cancelled()
        ctx.progress(2, 3, "Checking rows")

    table_warnings = list(source.warnings)
    if has_header:
        # pandas names an empty header cell "Unnamed: N"; call it "column N+1" like the rest.
        names = ["" if _UNNAMED.fullmatch(str(c)) else str(c) for c in frame.columns]
        header = [name.strip() for name in sample_rows[0]] if sample_rows else []
        if len(set(header)) < len(header) == frame.shape[1]:
            names = header  # pandas calls a repeated "label" "label.1"; use the names as read
        frame.columns = unique_names(names, table_warnings)
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
        notes=read_notes + table_notes,
        warnings=table_warnings,
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

            kept = np.setdiff1d(np.arange(lead + 1, lines_read + 1), np.asarray(bad))
            table.line_map = kept.tolist()
        else:
            table.first_line = lead + 1
    elif excess > 0:
        check_multiline(table, excess, lead, bad, delimiter)
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


def _parser_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text.replace("Error tokenizing data. C error: ", "")
