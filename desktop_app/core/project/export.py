"""Exporting a project's rows with their current labels (CSV, JSONL, XLSX).

:class:`ProjectExport` is mixed into :class:`~desktop_app.core.project.store.ProjectStore`.
"""

from __future__ import annotations

import os
import time
from typing import Any

EXPORT_COLUMNS = (
    "row",
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

    # -- export -----------------------------------------------------------------------------
    def export_rows(self, labelled_only: bool = False) -> list[dict[str, Any]]:
        """Every row (or only labelled ones) with its current label, split, annotator and time."""
        latest = {r[0]: r for r in self._effective_events()}
        notes = {
            r[0]: r[1]
            for r in self._conn.execute(
                "SELECT row_id, note, MAX(id) FROM label_events WHERE note IS NOT NULL "
                "AND note != '' GROUP BY row_id"
            )
        }
        out = []
        for row in self.iter_rows():
            if labelled_only and row.label is None:
                continue
            event = latest.get(row.id)
            stands = event is not None and event[1] == row.label
            out.append(
                {
                    "row": row.source_row + 1 if row.source_row is not None else row.id,
                    "text": row.text,
                    "label": row.label or "",
                    "original_label": row.original_label or "",
                    "split": row.split if row.label is not None else "",
                    "annotator": event[2] if stands else "",
                    "labelled_at": iso_time(event[3]) if stands else "",
                    "note": notes.get(row.id) or "",
                }
            )
        return out

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

        rows: Any = self.export_rows(labelled_only)
        if not rows:  # keep the header even when nothing is labelled yet
            import pandas as pd

            rows = pd.DataFrame(columns=list(EXPORT_COLUMNS))
        return write_table(rows, path, protect_formulas=protect_formulas, sheet_name="labels")


def iso_time(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(timestamp))
