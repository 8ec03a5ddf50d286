"""Write a results table to CSV, XLSX or JSONL, optionally safe to open in a spreadsheet.

Spreadsheet safety ("protect against spreadsheet formulas", on by default for CSV and XLSX):
a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be
run as a formula by Excel, LibreOffice or Google Sheets (CSV injection). Such cells get a
leading single quote ``'`` (OWASP's advice), so the spreadsheet shows them as text. This
changes the data visibly: ``@user great film`` is written as ``'@user great film``. Plain
numbers written as text (``-1.5``) are left alone. JSONL is always written exactly.

With protection off, XLSX cells are still stored as text (never as formulas), but CSV
cells are written as they are.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.errors import UserError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_START)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_formula_like(value: Any) -> bool:
    """True for a text cell a spreadsheet might run as a formula."""
    return (
        isinstance(value, str) and value[:1] in _FORMULA_FIRST and not _NUMBER.match(value.strip())
    )


def protect_cell(value: Any) -> Any:
    """The cell with a leading ``'`` when it could be run as a formula, else unchanged."""
    return "'" + value if is_formula_like(value) else value


def table_format(path: str | os.PathLike, format: str | None = None) -> str:
    """``"csv"``, ``"tsv"``, ``"xlsx"`` or ``"jsonl"``, from ``format`` or the file extension."""
    if format:
        fmt = format.lower().lstrip(".")
        if fmt in FORMATS.values():
            return fmt
        raise UserError(f"Unknown export format {format!r}; use csv, tsv, xlsx or jsonl.")
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UserError(
            f"Cannot tell the format of {Path(path).name!r} from its extension; "
            "name it .csv, .tsv, .xlsx or .jsonl."
        )
    return FORMATS[suffix]


def cells_as_text(values: Any) -> list[str | None]:
    """A column's cells as text, the way a user typed them: missing cells become None.

    Integers stay integers (``5``, not ``5.0``); dates are written in ISO 8601; lists and
    objects (from JSON) as JSON text; everything else with ``str``.
    """
    import pandas as pd

    if isinstance(values, pd.Series):
        if values.dtype.kind in "iu" and not values.hasnans:
            return values.astype("str").tolist()
        if isinstance(values.dtype, pd.StringDtype):  # text as read: only missing to None
            return values.astype(object).where(values.notna(), None).tolist()
    out: list[str | None] = []
    for value in values.tolist() if hasattr(values, "tolist") else values:
        plain = _plain(value)
        if plain is None:
            out.append(None)
        elif isinstance(plain, str):
            out.append(plain)
        elif isinstance(plain, bool):
            out.append(str(plain))
        elif isinstance(plain, float) and plain.is_integer() and abs(plain) < 2**53:
            # A float column that holds whole numbers (a spreadsheet's 5 is 5.0): keep "5".
            out.append(str(int(plain)))
        elif isinstance(plain, (dict, list, tuple)):
            out.append(json.dumps(plain, ensure_ascii=False, default=str))
        else:
            out.append(str(plain))
    return out


def kept_names(names: Iterable[str], reserved: Iterable[str], prefix: str = "orig_") -> list[str]:
    """Names for a file's columns next to ours: a name in ``reserved`` (or taken by an
    earlier renamed column) gets ``prefix``, repeatedly, so nothing is dropped or overwritten.

    ``kept_names(["id", "split", "orig_split"], {"split"})`` -> ``["id", "orig_orig_split",
    "orig_split"]``: the file's own ``orig_split`` keeps its name.
    """
    names = [str(n) for n in names]
    ours = set(reserved)
    taken = ours | set(names)
    out = []
    for name in names:
        if name in ours:
            new = prefix + name
            while new in taken:
                new = prefix + new
            taken.add(new)
            name = new
        out.append(name)
    return out


def _records(rows_or_frame: Any) -> tuple[list[str], list[dict[str, Any]]]:
    if hasattr(rows_or_frame, "to_dict") and hasattr(rows_or_frame, "columns"):
        columns = [str(c) for c in rows_or_frame.columns]
        records = [
            dict(zip(columns, row, strict=True))
            for row in rows_or_frame.itertuples(index=False, name=None)
        ]
        return columns, records
    rows = list(rows_or_frame) if isinstance(rows_or_frame, Iterable) else []
    columns: list[str] = []
    seen: set[str] = set()
    records = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise TypeError("write_table needs a DataFrame or an iterable of dicts")
        record = {str(k): v for k, v in row.items()}
        for key in record:
            if key not in seen:
                seen.add(key)
                columns.append(key)
        records.append(record)
    return columns, records


def _plain(value: Any) -> Any:
    """numpy / pandas scalars -> Python; NaN and NA -> None."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:  # most cells: at once
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_table(
    rows_or_frame: Any,
    path: str | os.PathLike,
    protect_formulas: bool | None = None,
    *,
    format: str | None = None,
    sheet_name: str = "results",
    columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write a table (a DataFrame or dicts) to ``path``; the format comes from the extension.

    ``protect_formulas=None`` means on for CSV/TSV/XLSX; JSONL is always exact. With
    ``columns`` given, dicts are read one at a time (any iterable, such as a generator), so
    CSV and JSONL are written without holding the table in memory. Returns a report:
    ``path``, ``format``, ``rows``, ``columns``, ``protected`` (bool), ``neutralised_cells``
    (how many cells got a leading quote) and ``removed_characters`` (control characters
    XLSX cannot hold).
    """
    fmt = table_format(path, format)
    protected = fmt != "jsonl" and (True if protect_formulas is None else bool(protect_formulas))
    if columns is not None and not hasattr(rows_or_frame, "columns"):
        names, records = [str(c) for c in columns], rows_or_frame
    else:
        names, records = _records(rows_or_frame)
    report: dict[str, Any] = {
        "path": str(path),
        "format": fmt,
        "rows": 0,
        "columns": list(names),
        "protected": protected,
        "neutralised_cells": 0,
        "removed_characters": 0,
    }
    table = _table_rows(records, names, protected, report)
    header = list(names)
    if protected:
        for i, name in enumerate(header):
            if is_formula_like(name):
                header[i] = "'" + name
                report["neutralised_cells"] += 1
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "jsonl":
            _write_jsonl(table, names, path)
        elif fmt in ("csv", "tsv"):
            _write_csv(header, table, path, "\t" if fmt == "tsv" else ",")
        else:
            report["removed_characters"] = _write_xlsx(header, list(table), path, sheet_name)
    except PermissionError as exc:
        raise UserError(
            f"Cannot write {path}: permission denied (is it open in another program?)."
        ) from exc
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return report


def _table_rows(
    records: Iterable[Mapping[str, Any]], names: list[str], protected: bool, report: dict
) -> Iterator[list[Any]]:
    """Each record's plain values in ``names`` order (quoted where protected), counted."""
    for record in records:
        if not isinstance(record, Mapping):
            raise TypeError("write_table needs a DataFrame or an iterable of dicts")
        row = [_plain(record.get(c)) for c in names]
        if protected:
            for j, value in enumerate(row):
                if is_formula_like(value):
                    row[j] = "'" + value
                    report["neutralised_cells"] += 1
        report["rows"] += 1
        yield row


def _write_jsonl(table: Iterable[list[Any]], names: list[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in table:
            handle.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n")


def _write_csv(header: list[str], table: Iterable[list[Any]], path: Path, delimiter: str) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in table)


def _write_xlsx(header: list[str], table: list[list[Any]], path: Path, sheet_name: str) -> int:
    import pandas as pd
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    removed = 0

    def clean(value: Any) -> Any:
        nonlocal removed
        if isinstance(value, str):
            new, n = ILLEGAL_CHARACTERS_RE.subn("", value)
            removed += n
            return new
        return value

    frame = pd.DataFrame([[clean(v) for v in row] for row in table], columns=header)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet_name[:31] or "results", index=False)
        sheet = writer.sheets[sheet_name[:31] or "results"]
        # openpyxl stores any string starting with "=" as a formula; keep them text.
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return removed
