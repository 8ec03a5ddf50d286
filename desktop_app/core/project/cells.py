"""The imported file's own columns, kept for every row (record IDs, product, date, ...).

A project keeps every column of the file it was made from, not only the text and the label:
the meta key ``file_columns`` lists the file's columns in order as ``[name, role]`` (role
``"text"`` or ``"label"`` for the columns that became the rows' text and label, ``""`` for
the others), and the table ``row_cells`` holds each row's values of the other ("plain")
columns as a JSON array of text. Importing another file appends its new columns to the list,
so the arrays already stored stay valid; a row whose file lacked a column has ``null`` there.

:class:`FileColumns` is mixed into :class:`~desktop_app.core.project.store.ProjectStore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from desktop_app.core.errors import ProjectError
from desktop_app.core.project.access import loads

CARD_COLUMNS_KEY = "label.card_columns"


class FileColumns:
    """The file's columns and each row's values of them (a mixin; see ProjectStore)."""

    def file_columns(self) -> list[tuple[str, str]]:
        """The imported file's columns in order, as ``(name, role)`` (see the module doc)."""
        return [(str(n), str(r)) for n, r in self._get_meta("file_columns", []) or []]

    def metadata_columns(self) -> list[str]:
        """The file's columns other than the text and label columns, in the file's order."""
        return [name for name, role in self.file_columns() if not role]

    def metadata(self, row_id: int) -> dict[str, str | None]:
        """One row's values of :meth:`metadata_columns` (None where its file had no value)."""
        return self.metadata_rows([row_id]).get(int(row_id)) or dict.fromkeys(
            self.metadata_columns()
        )

    def metadata_rows(self, ids: Iterable[int]) -> dict[int, dict[str, str | None]]:
        """``{row_id: {column: value}}`` for the given rows (every metadata column)."""
        names = self.metadata_columns()
        out: dict[int, dict[str, str | None]] = {}
        id_list = [int(i) for i in ids]
        for offset in range(0, len(id_list), 900):
            chunk = id_list[offset : offset + 900]
            marks = ",".join("?" * len(chunk))
            for row_id, cells in self._conn.execute(
                f"SELECT row_id, cells FROM row_cells WHERE row_id IN ({marks})", chunk
            ):
                out[row_id] = _as_dict(names, cells)
        empty = dict.fromkeys(names)
        return {i: out.get(i, dict(empty)) for i in id_list}

    def iter_cells(self, batch: int = 10000) -> Any:
        """``(row_id, [values])`` for every row that has cells, in id order (for exports)."""
        last = 0
        while True:
            chunk = self._conn.execute(
                "SELECT row_id, cells FROM row_cells WHERE row_id > ? ORDER BY row_id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not chunk:
                return
            for row_id, cells in chunk:
                values = loads(cells, [])
                yield row_id, values if isinstance(values, list) else []
            last = chunk[-1][0]

    # -- which columns the Label tab's card shows -----------------------------------------
    def card_columns(self) -> list[str]:
        """The metadata columns the user chose to show on the Label card (kept in the project)."""
        chosen = self.get_state(CARD_COLUMNS_KEY, [])
        known = set(self.metadata_columns())
        if not isinstance(chosen, list):
            return []
        return [str(c) for c in chosen if str(c) in known]

    def set_card_columns(self, names: Sequence[str]) -> None:
        known = self.metadata_columns()
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ProjectError(
                f"The project has no column {', '.join(map(repr, unknown))}; its file's "
                f"columns are: {', '.join(known) or 'none'}."
            )
        self.set_state(CARD_COLUMNS_KEY, list(dict.fromkeys(names)))

    # -- writing (inside add_rows' transaction) ---------------------------------------------
    def _merged_layout(self, layout: Sequence[tuple[str, str]]) -> tuple[list, list[int]]:
        """The project's column list with ``layout``'s new columns appended, and where each
        of ``layout``'s plain columns sits among the project's plain columns."""
        merged = [list(entry) for entry in self.file_columns()]

        def key(name: str, role: str) -> tuple[str, str]:
            return (role, "" if role else name)  # one text and one label column, by role

        seen = {key(n, r) for n, r in merged}
        for name, role in layout:
            if key(name, role) not in seen:
                seen.add(key(name, role))
                merged.append([name, role])
        plain = [n for n, r in merged if not r]
        positions = [plain.index(n) for n, r in layout if not r]
        return merged, positions


def _as_dict(names: list[str], cells: Any) -> dict[str, str | None]:
    values = loads(cells, [])
    if not isinstance(values, list):
        values = []
    return {name: (values[i] if i < len(values) else None) for i, name in enumerate(names)}


def cells_json(columns: list[list[Any]], positions: list[int], width: int) -> list[str]:
    """Each row's JSON array of cells, from the values of its file's plain columns
    (``columns[j][i]``: row i's value of plain column j), placed at the project's
    ``positions`` among ``width`` columns. Rows without any value get ``""`` (not stored).

    Built from per-cell JSON strings (the C encoder), several times faster than one
    ``json.dumps`` per row at 100,000 rows.
    """
    from json.encoder import encode_basestring  # the C function: non-ASCII kept as is

    if not columns:
        return []
    encoded: list[list[str]] = [["null"] * len(columns[0]) for _ in range(width)]
    for position, values in zip(positions, columns, strict=True):
        encoded[position] = ["null" if v is None else encode_basestring(str(v)) for v in values]
    used = max(positions) + 1
    return [
        "" if all(cell == "null" for cell in row) else "[" + ",".join(row) + "]"
        for row in zip(*encoded[:used], strict=True)
    ]
