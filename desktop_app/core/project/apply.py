"""Applying labels made elsewhere: a table of ``source_row,label`` recorded as label events.

Each row of the table is recorded as if the label had been given by a key press in the Label
tab (an event with its annotator, previous label and time; a pool row gets its split by the
hash of its id), all in one transaction: a file with one unknown class, or a crash half way,
applies nothing. ``source_row`` is the 0-based position of the data row in the imported file,
as ``project --export`` and ``predict --file`` write it.

:class:`LabelImport` is mixed into :class:`~desktop_app.core.project.store.ProjectStore`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ProjectError
from desktop_app.core.project.rows import SPLITS, clean_label, splitter

DEFAULT_ANNOTATOR = "import"
LABEL_FILE_COLUMNS = ("source_row", "label")
MAX_EXAMPLES = 5


class UnknownLabels(ProjectError):
    """Labels that are not classes of the project; ``labels`` maps each to its row count."""

    def __init__(self, message: str, labels: dict[str, int]) -> None:
        super().__init__(message)
        self.labels = labels


def read_label_file(path: str | os.PathLike[str]) -> list[tuple[str, Any, Any]]:
    """``(where, source_row, label)`` of every row of a CSV/TSV, JSONL or XLSX label table.

    The table needs the columns ``source_row`` and ``label`` (others, such as the rest of a
    ``project --export``, are ignored). ``where`` says where a row is ("line 3").
    """
    import pandas as pd

    p = Path(path)
    suffix = p.suffix.lower()
    if not p.is_file():
        raise ProjectError(f"{p} does not exist. Check the path.")
    try:
        if suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(p, lines=True, dtype=False)
            first = 1
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(p, dtype=object)
            first = 2
        else:
            sep = "\t" if suffix in (".tsv", ".tab") else ","
            frame = pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            first = 2
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ProjectError(
            f"Could not read the labels in {p.name}: {exc}. Use a CSV (UTF-8), JSONL or XLSX "
            f"table with the columns source_row and label."
        ) from exc
    missing = [c for c in LABEL_FILE_COLUMNS if c not in frame.columns]
    if missing:
        raise ProjectError(
            f"{p.name} has no column {' or '.join(missing)}: a label table needs the columns "
            f"source_row and label (as project --export writes them). Its columns: "
            f"{', '.join(map(str, frame.columns)) or 'none'}."
        )
    unit = "row" if suffix in (".xlsx", ".xlsm") else "line"
    return [
        (f"{unit} {i + first}", row, label)
        for i, (row, label) in enumerate(
            zip(frame["source_row"].tolist(), frame["label"].tolist(), strict=True)
        )
    ]


def _row_number(value: Any) -> int | None:
    """A source_row cell as an int (``"12"``, ``12``, ``12.0``), or None when it is not one."""
    if type(value) is str and value.isdigit():  # the usual cell: at once
        return int(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = str(value).strip().lstrip("'")
    try:
        number = float(text) if text else -1.0
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 0 else None


class LabelImport:
    """Recording a table of labels as label events (a mixin; see ProjectStore)."""

    def apply_labels(
        self,
        items: Iterable[tuple[str, Any, Any]],
        annotator: str = DEFAULT_ANNOTATOR,
        *,
        add_classes: bool = False,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Record each ``(where, source_row, label)`` as a label event, in one transaction.

        Returns the report: ``rows`` (read), ``applied`` (label events written),
        ``unchanged`` (the row already had that label), ``unknown_rows`` (no row of the
        project has that source_row, or it is not a row number), ``ambiguous_rows`` (rows
        of several imported files share that source_row; not applied), ``empty`` (no label;
        skipped), ``unknown_labels`` (rows whose label was not a class), ``added_classes``,
        ``examples`` (where the first unknown and ambiguous rows are) and ``annotator``.

        A label that is not one of the project's classes raises :class:`UnknownLabels`
        (nothing is applied) unless ``add_classes``: then it becomes a class.
        """
        items = list(items)
        rows_by_source: dict[int, list[int]] = {}
        for source_row, row_id in self._conn.execute(
            "SELECT source_row, id FROM rows WHERE source_row IS NOT NULL ORDER BY id"
        ):
            rows_by_source.setdefault(int(source_row), []).append(int(row_id))
        report: dict[str, Any] = {
            "rows": len(items),
            "applied": 0,
            "unchanged": 0,
            "unknown_rows": 0,
            "ambiguous_rows": 0,
            "empty": 0,
            "unknown_labels": 0,
            "added_classes": [],
            "examples": {"unknown_rows": [], "ambiguous_rows": []},
            "annotator": annotator,
        }
        wanted: list[tuple[int, str]] = []
        for where, raw_row, raw_label in items:
            label = clean_label(raw_label)
            number = _row_number(raw_row)
            ids = rows_by_source.get(number, []) if number is not None else []
            if label is None:
                report["empty"] += 1
                continue
            problem = "unknown_rows" if not ids else "ambiguous_rows" if len(ids) > 1 else ""
            if problem:
                report[problem] += 1
                examples = report["examples"][problem]
                if len(examples) < MAX_EXAMPLES:
                    examples.append(f"{where}: source_row {raw_row!s}")
                continue
            wanted.append((ids[0], label))
        classes = list(self.labels)
        new: dict[str, int] = {}
        for _row_id, label in wanted:
            if label not in classes:
                new[label] = new.get(label, 0) + 1
        report["unknown_labels"] = sum(new.values())
        if new and not add_classes:
            listed = ", ".join(
                f"{name!r} ({n} row{'s' if n != 1 else ''})" for name, n in new.items()
            )
            raise UnknownLabels(
                f"Labels that are not classes of the project {self.path.name}: {listed}. Its "
                f"classes are {', '.join(classes) or 'none yet'}. Nothing was applied: correct "
                f"the labels, or add them as classes.",
                new,
            )
        report["added_classes"] = list(new)
        self._record_labels(wanted, annotator, note, [*classes, *new], report)
        return report

    def _record_labels(
        self,
        wanted: list[tuple[int, str]],
        annotator: str,
        note: str | None,
        classes: list[str],
        report: dict[str, Any],
    ) -> None:
        split_of = splitter(self.fractions, self._get_meta("split_seed", 0))
        now = time.time()
        with self._transaction():
            current: dict[int, tuple[str | None, str]] = {}
            targets = sorted({row_id for row_id, _label in wanted})
            for offset in range(0, len(targets), 900):
                chunk = targets[offset : offset + 900]
                marks = ",".join("?" * len(chunk))
                for row_id, label, split in self._conn.execute(
                    f"SELECT id, label, split FROM rows WHERE id IN ({marks})", chunk
                ):
                    current[row_id] = (label, split)
            events = []
            for row_id, label in wanted:
                previous, split = current[row_id]
                if label == previous:
                    report["unchanged"] += 1
                    continue
                if split not in SPLITS:
                    split = split_of(row_id)
                events.append((row_id, label, previous, annotator or "", now, note))
                current[row_id] = (label, split)
            self._conn.executemany(
                "INSERT INTO label_events(row_id, kind, label, previous_label, annotator, "
                "created_at, note) VALUES (?, 'label', ?, ?, ?, ?, ?)",
                events,
            )
            changed = {row_id for row_id, *_rest in events}
            self._conn.executemany(
                "UPDATE rows SET label = ?, split = ? WHERE id = ?",
                [(*current[row_id], row_id) for row_id in sorted(changed)],
            )
            if classes != list(self.labels):
                self._write_meta("labels", classes)
        self._meta_cache["labels"] = classes
        report["applied"] = len(events)
