"""Which rows a table shows, and in which order, computed off the GUI thread. No Qt.

A table's :class:`TableQuery` (the column to sort by, a search text, filters) becomes a
:class:`RowOrder` -- the source rows to show, in order, plus the inverse mapping -- in
:func:`compute_rows`, which a :class:`~desktop_app.ui.tables.controller.TableController` runs
on a :class:`~desktop_app.tasks.TaskRunner` thread. The GUI thread only hands the index array
to the proxy model.

Over a million rows the work stays in calls that release the GIL, so the window keeps painting
meanwhile: Arrow compute kernels for texts (``match_substring``, ``array_sort_indices``) and
numpy for category codes and numbers (``argsort``, ``isin``). Python objects (a list of texts)
are turned into Arrow arrays in slices, each holding the GIL for a few milliseconds.

Columns are what the tables already keep for their lazy models
(:mod:`desktop_app.ui.lazy_columns`): a ``CodedColumn`` (category codes + names), an
``ArrowColumn`` or a ``BlockColumn`` (a pandas Series), a numpy array of numbers, or any
sequence of values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.jobs import JobContext

EMPTY = ""  # the filter value of an empty cell (an unlabelled row, a row in no split)
CHUNK_ROWS = 50_000  # Python objects are converted to Arrow this many at a time


@dataclass(frozen=True)
class TableQuery:
    """What the user asked a table for. Plain data; equal queries give equal rows.

    ``choices`` keeps, per column key, the cell values a row may have (``EMPTY`` for an empty
    cell); ``ranges`` keeps ``(low, high)`` per numeric column (``None`` = open end, both ends
    included); ``search`` is matched, ignoring case, as a substring of any ``search_keys``
    column.
    """

    sort_key: str | None = None
    descending: bool = False
    search: str = ""
    search_keys: tuple[str, ...] = ("text",)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)

    @property
    def filtering(self) -> bool:
        """Does it hide rows (search, choices or ranges)?"""
        return bool(self.search.strip() or self.choices or self.ranges)

    @property
    def is_identity(self) -> bool:
        """All rows in source order: nothing to compute."""
        return self.sort_key is None and not self.filtering

    def uses(self, keys: Sequence[str]) -> bool:
        """Does the result depend on any of the columns ``keys``?"""
        used = {self.sort_key, *self.choices, *self.ranges}
        if self.search.strip():
            used.update(self.search_keys)
        return any(key in used for key in keys)


@dataclass
class RowOrder:
    """The rows a table shows: ``rows[i]`` is the source row of view row ``i``.

    ``rows is None`` means every source row in source order. ``inverse[source_row]`` is the
    view row of a source row, or -1 when the row is hidden.
    """

    total: int
    rows: Any = None  # numpy int64 array or None
    inverse: Any = None  # numpy int64 array or None

    @property
    def shown(self) -> int:
        return self.total if self.rows is None else len(self.rows)


def compute_rows(
    columns: Mapping[str, Any],
    total: int,
    query: TableQuery,
    ctx: JobContext | None = None,
) -> RowOrder:
    """The rows of a ``total``-row table that ``query`` selects, in its order."""
    import numpy as np

    if query.is_identity:
        return RowOrder(total)
    steps = len(query.choices) + len(query.ranges) + bool(query.search.strip()) + 2
    step = 0

    def advance(message: str) -> None:
        nonlocal step
        step += 1
        if ctx is not None:
            ctx.check_cancelled()
            ctx.progress(step, steps, message)

    mask = None
    for key, allowed in query.choices.items():
        part = _choice_mask(columns[key], total, allowed, ctx)
        mask = part if mask is None else mask & part
        advance("Filtering…")
    for key, (low, high) in query.ranges.items():
        part = _range_mask(columns[key], total, low, high)
        mask = part if mask is None else mask & part
        advance("Filtering…")
    needle = query.search.strip()
    if needle:
        found = None
        for key in query.search_keys:
            part = _search_mask(columns[key], total, needle, ctx)
            found = part if found is None else found | part
        if found is not None:
            mask = found if mask is None else mask & found
        advance("Searching…")
    rows = np.flatnonzero(mask).astype(np.int64) if mask is not None else None
    if query.sort_key is not None:
        column = columns.get(query.sort_key)
        if column is None:  # no values (a row number): the source order, or its reverse
            rows = rows if rows is not None else np.arange(total, dtype=np.int64)
            rows = rows[::-1].copy() if query.descending else rows
        else:
            rows = _sorted_rows(column, total, rows, query.descending, ctx)
    advance("Sorting…")
    if rows is None:
        return RowOrder(total)
    inverse = np.full(total, -1, dtype=np.int64)
    inverse[rows] = np.arange(len(rows), dtype=np.int64)
    return RowOrder(total, rows, inverse)


# -- columns as arrays ---------------------------------------------------------------------
def _coded(column: Any) -> tuple[Any, list[str], str] | None:
    """(codes, category names, value of code -1) of a ``CodedColumn``, else None."""
    if hasattr(column, "codes") and hasattr(column, "categories"):
        import numpy as np

        missing = getattr(column, "missing", EMPTY)
        return np.asarray(column.codes), [str(c) for c in column.categories], str(missing or EMPTY)
    return None


def _numbers(column: Any, total: int) -> Any:
    """A float array of a numeric column (numpy array or a sequence of numbers/None)."""
    import numpy as np

    if isinstance(column, np.ndarray) and column.dtype.kind in "iufb":
        return column.astype(np.float64, copy=False)
    series = getattr(column, "series", None)
    if series is not None:
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.empty(total, dtype=np.float64)
    for start in range(0, total, CHUNK_ROWS):
        part = [column[i] for i in range(start, min(total, start + CHUNK_ROWS))]
        out[start : start + len(part)] = [np.nan if v is None else float(v) for v in part]
    return out


def _strings(column: Any, total: int, ctx: JobContext | None) -> Any:
    """An Arrow string array of any column (Arrow-backed pandas strings are not copied)."""
    import pyarrow as pa

    arrow = getattr(column, "arrow", None)
    if arrow is not None:
        return arrow  # an ArrowColumn's own buffers
    series = getattr(column, "series", None)
    if series is None and hasattr(column, "iloc"):
        series = column  # a pandas Series
    if series is not None and getattr(series.dtype, "storage", None) == "pyarrow":
        try:
            return pa.array(series)  # the Series' own Arrow buffers
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            pass
    parts = []
    for start in range(0, total, CHUNK_ROWS):
        stop = min(total, start + CHUNK_ROWS)
        chunk = series.iloc[start:stop].tolist() if series is not None else column[start:stop]
        parts.append(pa.array([_text(v) for v in chunk], type=pa.large_string()))
        if ctx is not None:
            ctx.check_cancelled()
    if not parts:
        return pa.array([], type=pa.large_string())
    return pa.chunked_array(parts, type=pa.large_string())


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, str) else str(value)


# -- filters ------------------------------------------------------------------------------------
def _choice_mask(column: Any, total: int, allowed: Sequence[str], ctx: JobContext | None) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = {str(v) for v in allowed}
    coded = _coded(column)
    if coded is not None:
        codes, categories, missing = coded
        keep = [i for i, name in enumerate(categories) if name in wanted]
        if missing in wanted:
            keep.append(-1)
        return np.isin(codes, np.asarray(keep, dtype=codes.dtype if keep else np.int64))
    strings = pc.fill_null(_strings(column, total, ctx), EMPTY)
    found = pc.is_in(strings, value_set=pa.array(sorted(wanted), type=strings.type))
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _range_mask(column: Any, total: int, low: float | None, high: float | None) -> Any:
    import numpy as np

    values = _numbers(column, total)
    mask = ~np.isnan(values)
    if low is not None:
        mask &= values >= low
    if high is not None:
        mask &= values <= high
    return mask


def _search_mask(column: Any, total: int, needle: str, ctx: JobContext | None) -> Any:
    import numpy as np
    import pyarrow.compute as pc

    coded = _coded(column)
    if coded is not None:
        codes, categories, missing = coded
        lowered = needle.lower()
        keep = [i for i, name in enumerate(categories) if lowered in name.lower()]
        if lowered in missing.lower():
            keep.append(-1)
        return np.isin(codes, np.asarray(keep, dtype=np.int64))
    strings = _strings(column, total, ctx)
    found = pc.fill_null(pc.match_substring(strings, needle, ignore_case=True), False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


# -- sorting --------------------------------------------------------------------------------------
def _sorted_rows(
    column: Any, total: int, rows: Any, descending: bool, ctx: JobContext | None
) -> Any:
    """``rows`` (None = all) in the column's order; stable, empty cells last either way."""
    import numpy as np

    coded = _coded(column)
    if coded is not None:
        codes, categories, _missing = coded
        names = sorted(range(len(categories)), key=lambda i: (categories[i].lower(), i))
        rank = np.empty(len(categories) + 1, dtype=np.int64)
        for position, code in enumerate(names):
            rank[code] = (len(categories) - 1 - position) if descending else position
        rank[-1] = len(categories)  # code -1: empty cells last
        key = rank[codes.astype(np.int64) if rows is None else codes[rows].astype(np.int64)]
        order = np.argsort(key, kind="stable")
        return order.astype(np.int64) if rows is None else rows[order]
    if _is_numeric(column):
        values = _numbers(column, total)
        key = values if rows is None else values[rows]
        order = np.argsort(-key if descending else key, kind="stable")  # NaN sorts last
        return order.astype(np.int64) if rows is None else rows[order]
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = _strings(column, total, ctx)
    if rows is not None:
        strings = pc.take(strings, pa.array(rows))
    if ctx is not None:
        ctx.check_cancelled()
    order = pc.array_sort_indices(
        pc.utf8_lower(strings),
        order="descending" if descending else "ascending",
        null_placement="at_end",
    )
    order = np.asarray(order.to_numpy(zero_copy_only=False), dtype=np.int64)
    return order if rows is None else rows[order]


def _is_numeric(column: Any) -> bool:
    """Numbers sort as numbers: numpy/pandas numeric columns, or sequences of numbers."""
    dtype = getattr(getattr(column, "series", column), "dtype", None)
    if dtype is not None:
        return getattr(dtype, "kind", "O") in "iufb"
    if hasattr(column, "codes"):
        return False
    first = next((v for v in column if v is not None), None) if len(column) else None
    return isinstance(first, int | float) and not isinstance(first, bool)
