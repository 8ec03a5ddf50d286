"""Exporting a project's rows with their current labels (CSV, JSONL, XLSX).

Columns: every column of the imported file in the file's order, then ours. The file's text
column is written once, as ``text``, and its label column once, as ``label`` (the current
label), each in its place in the file's order; every other file column keeps its name and
values, except that a name equal to one of ours gets an ``orig_`` prefix (never dropped or
overwritten). Ours, for the rest: ``row`` (``source_row`` + 1: the 1-based number of the
data row in its file, as a spreadsheet user counts rows under the header; the project's row
id for rows without one), ``source_row`` (the 0-based position of the data row in the file,
the first row under the header being 0, as ``predict --file`` writes it), ``text``,
``label``, ``original_label`` (the file's label, as the class name it became), ``split``,
``annotator``, ``labelled_at``, ``note``. A project without file columns (older ones,
or rows given directly) exports ours only.

:class:`ProjectExport` is mixed into :class:`~desktop_app.core.project.store.ProjectStore`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

EXPORT_COLUMNS = (
    "row",
    "source_row",
    "text",
    "label",
    "original_label",
    "split",
    "annotator",
    "labelled_at",
    "note",
)


class ProjectExport:
    """Export of the project's rows (a mixin; see ProjectStore)."""

    def export_columns(self) -> list[tuple[str, str]]:
        """``(column written, where its values come from)`` in the export's order.

        The source is one of :data:`EXPORT_COLUMNS` or ``"cell:<i>"`` for the i-th file
        column kept with the rows.
        """
        from desktop_app.core.data.export import kept_names

        layout = self.file_columns()
        plain = [name for name, role in layout if not role]
        names = iter(kept_names(plain, EXPORT_COLUMNS))
        out: list[tuple[str, str]] = []
        index = 0
        for _name, role in layout:
            if role:  # "text" / "label": our column, in the file's place
                out.append((role, role))
            else:
                out.append((next(names), f"cell:{index}"))
                index += 1
        placed = {source for _name, source in out}
        out += [(name, name) for name in EXPORT_COLUMNS if name not in placed]
        return out

    # -- export -----------------------------------------------------------------------------
    def export_rows(self, labelled_only: bool = False) -> list[dict[str, Any]]:
        """Every row (or only labelled ones) with the file's columns and its current label,
        split, annotator and time (see the module docstring for the columns)."""
        return list(self.iter_export_rows(labelled_only))

    def iter_export_rows(self, labelled_only: bool = False) -> Iterator[dict[str, Any]]:
        latest = {r[0]: r for r in self._effective_events()}
        notes = {
            r[0]: r[1]
            for r in self._conn.execute(
                "SELECT row_id, note, MAX(id) FROM label_events WHERE note IS NOT NULL "
                "AND note != '' GROUP BY row_id"
            )
        }
        columns = self.export_columns()
        names = [name for name, _source in columns]
        picks = [  # (is a file cell, cell index or our column's name)
            (True, int(source[5:])) if source.startswith("cell:") else (False, source)
            for _name, source in columns
        ]
        cells = self.iter_cells()
        pending = next(cells, None)
        for row in self.iter_rows():
            while pending is not None and pending[0] < row.id:
                pending = next(cells, None)
            if labelled_only and row.label is None:
                continue
            values = pending[1] if pending is not None and pending[0] == row.id else []
            width = len(values)
            event = latest.get(row.id)
            stands = event is not None and event[1] == row.label
            ours = {
                "row": row.source_row + 1 if row.source_row is not None else row.id,
                "source_row": row.source_row,
                "text": row.text,
                "label": row.label or "",
                "original_label": row.original_label or "",
                "split": row.split if row.label is not None else "",
                "annotator": event[2] if stands else "",
                "labelled_at": iso_time(event[3]) if stands else "",
                "note": notes.get(row.id) or "",
            }
            yield dict(
                zip(
                    names,
                    [
                        (values[key] if key < width else None) if cell else ours[key]
                        for cell, key in picks
                    ],
                    strict=True,
                )
            )

    def export(
        self,
        path: str | os.PathLike[str],
        labelled_only: bool = False,
        protect_formulas: bool | None = None,
    ) -> dict[str, Any]:
        """Write the rows as CSV, JSONL or XLSX (by suffix); returns write_table's report.

        ``protect_formulas`` (None = on for CSV/XLSX) neutralises cells a spreadsheet would
        run as formulas; see :mod:`desktop_app.core.data.export`.
        """
        from desktop_app.core.data.export import write_table

        # Streamed: CSV and JSONL never hold the whole table (the header is written even
        # when no row is).
        return write_table(
            self.iter_export_rows(labelled_only),
            path,
            protect_formulas=protect_formulas,
            sheet_name="labels",
            columns=[name for name, _source in self.export_columns()],
        )


def iso_time(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(timestamp))
