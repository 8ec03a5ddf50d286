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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from desktop_app.core.errors import UserError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_formula_like(value: Any) -> bool:
    """True for a text cell a spreadsheet might run as a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _NUMBER.match(value.strip())
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
    if value is None:
        return None
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
) -> dict[str, Any]:
    """Write a table (a DataFrame or dicts) to ``path``; the format comes from the extension.

    ``protect_formulas=None`` means on for CSV/TSV/XLSX; JSONL is always exact. Returns a
    report: ``path``, ``format``, ``rows``, ``columns``, ``protected`` (bool),
    ``neutralised_cells`` (how many cells got a leading quote) and ``removed_characters``
    (control characters XLSX cannot hold).
    """
    fmt = table_format(path, format)
    protected = fmt != "jsonl" and (True if protect_formulas is None else bool(protect_formulas))
    columns, records = _records(rows_or_frame)
    report: dict[str, Any] = {
        "path": str(path),
        "format": fmt,
        "rows": len(records),
        "columns": list(columns),
        "protected": protected,
        "neutralised_cells": 0,
        "removed_characters": 0,
    }
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "jsonl":
            _write_jsonl(records, columns, path)
            return report
        header = list(columns)
        table = [[_plain(r.get(c)) for c in columns] for r in records]
        if protected:
            count = 0
            for i, name in enumerate(header):
                if is_formula_like(name):
                    header[i], count = "'" + name, count + 1
            for row in table:
                for j, value in enumerate(row):
                    if is_formula_like(value):
                        row[j], count = "'" + value, count + 1
            report["neutralised_cells"] = count
        if fmt in ("csv", "tsv"):
            _write_csv(header, table, path, "\t" if fmt == "tsv" else ",")
        else:
            report["removed_characters"] = _write_xlsx(header, table, path, sheet_name)
    except PermissionError as exc:
        raise UserError(
            f"Cannot write {path}: permission denied (is it open in another program?)."
        ) from exc
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return report


def _write_jsonl(records: list[dict], columns: list[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            plain = {c: _plain(record.get(c)) for c in columns}
            handle.write(json.dumps(plain, ensure_ascii=False) + "\n")


def _write_csv(header: list[str], table: list[list[Any]], path: Path, delimiter: str) -> None:
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
