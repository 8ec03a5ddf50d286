"""Excel workbooks and Parquet files.

A workbook's first sheet is often a cover sheet ("Read me"); the sheet read is the one
that holds a column of texts, unless the user names one (``LoadOptions.sheet``).
Merged cells (a label merged over the rows it applies to) are filled from their
top-left cell, which is where Excel keeps the value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from desktop_app.core.data.readers.base import (
    TEXT_NAMES,
    RawTable,
    flatten_nested,
    is_number,
    listed,
    looks_like_header,
    unique_names,
)
from desktop_app.core.errors import DatasetError

HEAD_ROWS = 52  # rows of each sheet looked at to choose one
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _cells(frame: Any) -> list[list[str]]:
    import pandas as pd

    return [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]


def _trim(frame: Any) -> tuple[Any, int, int]:
    """The frame without leading empty rows and columns, and how many of each it had."""
    filled = frame.notna().to_numpy()
    if not filled.any():
        return frame, 0, 0
    top = int(filled.any(axis=1).argmax())
    left = int(filled.any(axis=0).argmax())
    if top or left:
        frame = frame.iloc[top:, left:].reset_index(drop=True)
        frame.columns = range(frame.shape[1])
    return frame, top, left


def _text_column_kind(rows: list[list[str]]) -> tuple[bool, bool, int]:
    """(header names a text column, some column holds texts, columns) of a sheet's first rows."""
    if not rows:
        return False, False, 0
    header = looks_like_header(rows)
    named = header and any(v.strip().casefold() in TEXT_NAMES for v in rows[0])
    body = rows[1:] if header else rows
    width = max(len(row) for row in rows)
    texts = False
    for j in range(width):
        values = [row[j].strip() for row in body if j < len(row) and row[j].strip()]
        words = [v for v in values if not is_number(v) and any(c.isalpha() for c in v)]
        texts = texts or (len(words) >= 2 and len(words) >= len(values) / 2)
    return named, texts, width


def _choose_sheet(book: Any, sheets: list[str]) -> tuple[str, str]:
    """The sheet to read: the first whose header names a text column, else the first with a
    column of texts beside another column, else the first with a column of texts, else the
    first sheet. Returns the sheet and why, in words."""
    import pandas as pd

    if len(sheets) == 1:
        return sheets[0], "the only sheet"
    best: tuple[Any, ...] | None = None
    for i, name in enumerate(sheets):
        try:
            head = pd.read_excel(book, sheet_name=name, header=None, nrows=HEAD_ROWS, dtype=object)
        except Exception:  # noqa: BLE001 - a chart sheet, say: not a candidate
            continue
        named, texts, width = _text_column_kind(_cells(_trim(head)[0]))
        key = (named, texts and width >= 2, texts, -i)
        best = key if best is None or key > best else best
    if best is None:
        return sheets[0], "no sheet could be read ahead"
    index = -best[-1]
    why = (
        "its header names a text column"
        if best[0]
        else "it has a column of texts"
        if best[2]
        else "no sheet has a column of texts"
    )
    return sheets[index], why


def _merged_ranges(book: Any, sheet: str) -> list[tuple[int, int, int, int]] | None:
    """Merged cell ranges of a sheet as 0-based (top, left, bottom, right), read from the
    sheet's XML (openpyxl's read-only mode, which pandas uses, does not keep them).
    None when they cannot be read."""
    from openpyxl.utils import column_index_from_string

    workbook = getattr(book, "book", None)
    try:
        member = workbook[sheet]._worksheet_path  # type: ignore[index]
        archive = workbook._archive  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError):
        return None
    ranges = []
    tail = b""
    with archive.open(member) as fh:
        while chunk := fh.read(1 << 20):
            data = tail + chunk
            end = 0
            for m in _MERGE_CELL.finditer(data):
                c1, r1, c2, r2 = m.group(1), int(m.group(2)), m.group(3), m.group(4)
                c2, r2 = (c2, int(r2)) if c2 else (c1, r1)
                left, right = (
                    column_index_from_string(c1.decode()),
                    column_index_from_string(c2.decode()),
                )
                ranges.append((r1 - 1, left - 1, r2 - 1, right - 1))
                end = m.end()
            tail = data[max(end, len(data) - 512) :]
    return sorted(ranges)


def _fill_merged(frame: Any, ranges: list[tuple[int, int, int, int]]) -> list[str]:
    """Copy each merged range's top-left value into its empty cells; the ranges filled."""
    import pandas as pd
    from openpyxl.utils import get_column_letter

    filled = []
    rows, cols = frame.shape
    for top, left, bottom, right in ranges:
        if top >= rows or left >= cols:
            continue
        value = frame.iat[top, left]
        if pd.isna(value):
            continue
        block = frame.iloc[top : bottom + 1, left : right + 1]
        empty = block.isna().to_numpy()
        if not empty.any():
            continue
        for i, j in zip(*empty.nonzero(), strict=True):
            frame.iat[top + int(i), left + int(j)] = value
        filled.append(
            f"{get_column_letter(left + 1)}{top + 1}:{get_column_letter(right + 1)}{bottom + 1}"
        )
    return filled


def read_xlsx(path: Path, options: Any) -> RawTable:
    import pandas as pd

    wanted = getattr(options, "sheet", None)
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
        sheets = [str(s) for s in book.sheet_names]
        if wanted is not None and wanted not in sheets:
            sheet, why = "", ""
        elif wanted is not None:
            sheet, why = wanted, "you chose it"
        else:
            sheet, why = _choose_sheet(book, sheets)
        frame = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object) if sheet else None
        ranges = _merged_ranges(book, sheet) if sheet else None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise DatasetError(
            f"{path} cannot be read as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in a spreadsheet program and save it again as .xlsx or .csv."
        ) from None
    if frame is None:
        raise DatasetError(
            f"{path} has no sheet {wanted!r}. Its sheets: {', '.join(map(repr, sheets))}."
        )
    notes: list[str] = []
    warnings: list[str] = []
    others = [s for s in sheets if s != sheet]
    if wanted is None and sheet != sheets[0]:
        warnings.append(
            f"Read the sheet {sheet!r}, not the first sheet {sheets[0]!r}: {why}. Choose "
            "another sheet with --sheet NAME or the Sheet box if this is the wrong one."
        )
    elif others:
        notes.append(
            f"Read the sheet {sheet!r} ({why}); the workbook also has "
            f"{', '.join(map(repr, others))}."
        )
    lines_read = len(frame)
    if lines_read == 0:
        raise DatasetError(
            f"The sheet {sheet!r} of {path} is empty. Choose another sheet or put the rows on it."
        )
    if ranges is None:
        notes.append("Merged cells could not be checked in this workbook.")
    elif ranges:
        filled = _fill_merged(frame, ranges)
        if filled:
            warnings.append(
                f"{len(filled)} merged cell range{'s were' if len(filled) != 1 else ' was'} "
                f"filled from {'their' if len(filled) != 1 else 'its'} top-left cell: "
                f"{listed(filled)}. Check that every row in them belongs with that value."
            )
    frame, top, left = _trim(frame)
    if top or left:
        notes.append(
            f"The table starts at row {top + 1}, column {left + 1}: the empty rows and "
            "columns before it were not read."
        )
    rows = _cells(frame.head(51))
    has_header = options.has_header if options.has_header is not None else looks_like_header(rows)
    if has_header:
        frame.columns = unique_names(rows[0], warnings)
        frame = frame.iloc[1:].reset_index(drop=True)
        if len(frame) == 0:
            raise DatasetError(
                f"The sheet {sheet!r} of {path} has a header row but no data rows. "
                "Add rows below the header or choose another sheet."
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
        warnings=warnings,
        first_line=top + (2 if has_header else 1),
        sheet=sheet,
        sheets=sheets,
    )


def read_parquet(path: Path, options: Any) -> RawTable:
    import pandas as pd
    import pyarrow.parquet as pq
    import pyarrow.types as pat

    try:
        schema = pq.read_schema(path)
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a bad file
        raise DatasetError(
            f"{path} cannot be read as Parquet ({type(exc).__name__}: {exc}). "
            "Check that the file is complete, or export it again."
        ) from None
    nested = {f.name for f in schema if pat.is_nested(f.type)}
    warnings: list[str] = []
    original = [str(c) for c in frame.columns]
    frame.columns = unique_names(original, warnings)
    flatten_nested(
        frame,
        warnings,
        [new for old, new in zip(original, frame.columns, strict=True) if old in nested],
    )
    return RawTable(
        frame=frame.reset_index(drop=True),
        format="parquet",
        has_header=True,
        lines_read=len(frame),
        notes=["For Parquet, lines_read counts the stored rows."],
        warnings=warnings,
    )
