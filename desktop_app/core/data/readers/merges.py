"""Records that hold line breaks: where each starts, and which ones a stray quote made.

A quoted field may hold line breaks (a full review in one cell). A double quote that
opens a field and is never closed where it should be merges the lines that follow into
that field, labels and all. The two look alike to a CSV parser; what tells them apart
is the merged text: lines that a stray quote swallowed still look like rows of the
table (the right number of fields, a known label at the label's place), lines of a
review do not.
"""

from __future__ import annotations

import csv
import re
from typing import Any

from desktop_app.core.data.readers.base import RawTable, is_number, listed

LONG_RECORD_LINES = 20  # a record this long is worth a warning even without row-like lines
CATEGORY_VALUES = 50  # a column with at most this many distinct values is checked by value
VALUE_SAMPLE = 100_000  # rows used to learn a column's values
_BREAK = re.compile(r"\r\n|\r|\n")


def check_multiline(
    table: RawTable, excess: int, lead: int, bad: list[int], delimiter: str
) -> None:
    """Line breaks inside quotes joined ``excess`` lines into records: say so, map each
    row to its first line when that can be worked out, and warn about merges.

    ``lead`` counts the lines before the first record (``sep=`` line, header); ``bad``
    holds the record numbers pandas skipped (1-based, ``lead`` lines included).
    """
    import numpy as np

    frame = table.frame
    breaks = None
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind in "iufb":
            continue
        counts = col.astype("str").str.count(_BREAK.pattern).fillna(0).to_numpy(dtype=np.int64)
        breaks = counts if breaks is None else breaks + counts
    if breaks is None:
        return
    multi = np.flatnonzero(breaks > 0)
    table.notes.append(
        f"{len(multi)} record{'s hold' if len(multi) != 1 else ' holds'} line breaks inside "
        f"quotes, so {excess} of the {table.lines_read} lines belong to the record above them."
    )
    starts = _start_lines(len(frame), breaks, lead, bad, excess)
    if starts is not None:
        table.line_map = starts.tolist()

    def lines_of(row: int) -> str:
        if starts is None:
            return f"row {row + 1}"
        first = int(starts[row])
        return f"lines {first}-{first + int(breaks[row])}"

    merged = _merged_rows(frame, multi, delimiter)
    advice = 'a quote inside a text is written as two quotes ("") inside a quoted field.'
    if len(merged) == 1:
        row, swallowed = merged[0]
        first = lines_of(row).split()[-1].split("-")[0]
        table.warnings.append(
            f"An unbalanced double quote probably merged {lines_of(row)} into one row: "
            f"{swallowed} of those lines look like rows of their own, and their labels became "
            f"part of the text. Check the quote on {'line' if starts is not None else 'row'} "
            f"{first}: {advice}"
        )
    elif merged:
        parts = [f"{lines_of(row)} ({swallowed} look like rows)" for row, swallowed in merged]
        table.warnings.append(
            f"Unbalanced double quotes probably merged lines into {len(merged)} rows: "
            f"{listed(parts, 10)}. The merged lines' labels became part of the texts. Check the "
            f"quote on the first line of each: {advice}"
        )
    flagged = {row for row, _ in merged}
    long_rows = [int(r) for r in multi if breaks[r] + 1 >= LONG_RECORD_LINES and r not in flagged]
    if long_rows:
        worst = max(long_rows, key=lambda r: breaks[r])
        table.warnings.append(
            f"A record spans {int(breaks[worst]) + 1} lines ({lines_of(worst)}): an unbalanced "
            "double quote may have merged lines. Check that record, or load the file as TSV/TXT."
        )


def _start_lines(n: int, breaks: Any, lead: int, bad: list[int], excess: int) -> Any:
    """First physical line of each kept row, or None when it cannot be worked out (a
    skipped record that itself spans several lines)."""
    import numpy as np

    bad_index = np.asarray([b - 1 - lead for b in bad], dtype=np.int64)
    total = n + len(bad_index)
    if len(bad_index) and (bad_index.min() < 0 or bad_index.max() >= total):
        return None
    record_breaks = np.zeros(total, dtype=np.int64)
    kept = np.setdiff1d(np.arange(total), bad_index, assume_unique=True)
    record_breaks[kept] = breaks
    if int(record_breaks.sum()) != excess:
        return None
    before = np.concatenate(([0], np.cumsum(record_breaks)[:-1]))
    starts = lead + 1 + np.arange(total) + before
    return starts[kept]


def _merged_rows(frame: Any, rows: Any, delimiter: str) -> list[tuple[int, int]]:
    """(row, lines that look like rows) for the records a stray quote seems to have made."""
    if not len(rows):
        return []
    checks = _column_checks(frame)
    if not checks:
        return []  # nothing tells a swallowed row from a line of text
    width = frame.shape[1]
    out = []
    for row in rows.tolist():
        swallowed = 0
        for value in frame.iloc[row].tolist():
            if not isinstance(value, str) or ("\n" not in value and "\r" not in value):
                continue
            for segment in _BREAK.split(value):
                if delimiter in segment and _looks_like_row(segment, delimiter, width, checks):
                    swallowed += 1
        if swallowed:
            out.append((int(row), swallowed))
    return out


def _column_checks(frame: Any) -> dict[int, Any]:
    """Position -> test of a field, for columns whose values are predictable: numbers, or
    few distinct values (labels)."""
    checks: dict[int, Any] = {}
    sample = frame.iloc[:VALUE_SAMPLE]
    for j, name in enumerate(frame.columns):
        col = sample[name]
        if col.dtype.kind in "iuf":
            checks[j] = is_number
            continue
        values = col.astype("str").str.strip()
        values = values[values != ""]
        distinct = set(values.unique().tolist()[: CATEGORY_VALUES + 1])
        if values.empty or len(distinct) > CATEGORY_VALUES or len(distinct) > len(values) // 2:
            continue
        checks[j] = distinct.__contains__
    return checks


def _looks_like_row(segment: str, delimiter: str, width: int, checks: dict[int, Any]) -> bool:
    try:
        fields = next(csv.reader([segment], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return False
    if len(fields) != width:
        return False
    return all(check(fields[j].strip()) for j, check in checks.items())
