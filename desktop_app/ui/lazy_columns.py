"""Cheap per-row access to the columns of a big data frame, for the virtual table. No Qt.

Turning a million-row column into Python objects up front (``to_numpy(dtype=object)``)
holds the GIL for a fifth of a second per column, and the GUI thread freezes meanwhile,
even when it runs on another thread. So nothing is converted up front:

* categorical columns (label, split) keep their integer codes and the few category names:
  a cell is ``categories[codes[row]]``;
* Arrow-backed strings (the loader's texts) are read one cell at a time from the Arrow
  buffers (about a microsecond a cell), so a sorted or filtered view that shows rows from all
  over the column converts nothing else;
* other columns are converted one block of rows at a time, when the view first shows a row of
  that block, and a few recent blocks are kept.

All give O(1) work per cell; none uses ``DataFrame.iloc`` per cell.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

BLOCK_ROWS = 2048  # converting one block takes well under a millisecond
MAX_BLOCKS = 64  # about 130,000 rows kept as Python objects at most


class CodedColumn:
    """A categorical column as integer codes plus category names; missing values give ``missing``."""

    def __init__(self, codes: Any, categories: list[Any], missing: Any = "") -> None:
        self.codes = codes
        self.categories = [str(c) for c in categories]
        self.missing = missing

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, row: int) -> Any:
        code = int(self.codes[row])
        return self.categories[code] if code >= 0 else self.missing

    def set(self, row: int, value: str | None) -> None:
        """Change one cell in place (an edited label): O(1), a new name becomes a category.

        ``None`` or ``missing`` empties the cell. The codes are copied once on the first
        change, as pandas may hand out read-only arrays.
        """
        if value is None or value == self.missing:
            code = -1
        else:
            value = str(value)
            if value not in self.categories:
                self.categories.append(value)
            code = self.categories.index(value)
        if not self.codes.flags.writeable:
            self.codes = self.codes.copy()
        if code > _max_code(self.codes):
            self.codes = self.codes.astype("int32")
        self.codes[row] = code


def _max_code(codes: Any) -> int:
    import numpy as np

    return int(np.iinfo(codes.dtype).max)


class BlockColumn:
    """Any pandas Series, converted to Python objects block by block on first access."""

    def __init__(self, series: Any, block_rows: int = BLOCK_ROWS, max_blocks: int = MAX_BLOCKS):
        self.series = series
        self.block_rows = block_rows
        self.max_blocks = max_blocks
        self._blocks: OrderedDict[int, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self.series)

    @property
    def blocks_kept(self) -> int:
        """How many blocks are held as Python objects now (at most ``max_blocks``)."""
        return len(self._blocks)

    def __getitem__(self, row: int) -> Any:
        block, offset = divmod(int(row), self.block_rows)
        values = self._blocks.get(block)
        if values is None:
            start = block * self.block_rows
            values = self.series.iloc[start : start + self.block_rows].to_numpy(dtype=object)
            self._blocks[block] = values
            if len(self._blocks) > self.max_blocks:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block)
        return values[offset]


class ArrowColumn:
    """An Arrow-backed string Series, read cell by cell from its Arrow buffers."""

    def __init__(self, series: Any) -> None:
        self.series = series
        self.arrow = series.array.__arrow_array__()  # the Series' own ChunkedArray: no copy

    def __len__(self) -> int:
        return len(self.arrow)

    def __getitem__(self, row: int) -> Any:
        return self.arrow[int(row)].as_py()


def column_view(series: Any) -> CodedColumn | ArrowColumn | BlockColumn:
    """The cheapest O(1)-per-row view of ``series``: codes for categoricals, Arrow cells for
    Arrow-backed strings, else blocks."""
    if str(series.dtype) == "category":
        return CodedColumn(series.cat.codes.to_numpy(), list(series.cat.categories))
    if getattr(series.dtype, "storage", None) == "pyarrow" and hasattr(
        series.array, "__arrow_array__"
    ):
        return ArrowColumn(series)
    return BlockColumn(series)
