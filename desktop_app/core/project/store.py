"""The project file: one SQLite file (``.sstudio``) that holds a labelling project.

It stores the dataset rows (text, original label, current label, split, row in the
source file, and every other column of that file: :mod:`desktop_app.core.project.cells`),
every label event (row, label, previous label, annotator, time, note:
a full history, so undo appends an event and nothing is overwritten), training runs
and app state. The schema is versioned (:mod:`desktop_app.core.project.schema`).

Durability: WAL journal with ``synchronous=FULL``, and every label is committed in
its own transaction before :meth:`ProjectStore.label` returns, so killing the
process (or the machine) loses nothing the caller saw acknowledged.

Safety: opening a project never executes anything stored in it. Values are plain
SQL data and JSON (never pickle); ``trusted_schema`` is off; a file holding
triggers or views (which projects never have) is refused.

No Qt here; the GUI calls it on its own thread in small transactions.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ProjectError, ProjectReadOnly
from desktop_app.core.jobs import JobContext
from desktop_app.core.project.access import connect, folder_problem
from desktop_app.core.project.apply import LabelImport
from desktop_app.core.project.cells import FileColumns, cells_json
from desktop_app.core.project.events import LabelEvent, LabelEvents  # noqa: F401 - re-exported
from desktop_app.core.project.export import ProjectExport
from desktop_app.core.project.file import (
    ProjectFile,
    is_project_path,  # noqa: F401 - re-exported
    refuse_if_held,
)
from desktop_app.core.project.rows import (  # noqa: F401 - re-exported
    DEFAULT_FRACTIONS,
    SPLITS,
    ProjectRow,
    clean_label,
    row_source,
    rows_from,
    split_for_row,
    splitter,
)
from desktop_app.core.project.runs import RunRecords
from desktop_app.core.project.schema import SUFFIX, migrate

_INSERT_BATCH = 5000


class ProjectStore(ProjectFile, LabelEvents, LabelImport, RunRecords, FileColumns, ProjectExport):
    """An open project: rows, labels and their history, training runs, app state.

    Opening, read-only access, the holder record and transactions are
    :class:`~desktop_app.core.project.file.ProjectFile`'s. Use from one thread at a time;
    close it (or use ``with``).
    """

    # -- creating and opening ---------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        data: Any = (),
        *,
        labels: Sequence[str] | None = None,
        fractions: dict[str, float] | None = None,
        source: str | None = None,
        overwrite: bool = False,
        ctx: JobContext | None = None,
    ) -> ProjectStore:
        """Create a project from a Dataset, a DataFrame or rows (see :func:`_rows_from`).

        The data's labels become each row's original and current label. Labelled rows
        without a split get one from :func:`split_for_row`.
        """
        target = Path(path)
        if target.suffix != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        if target.exists():
            if not overwrite:
                raise ProjectError(f"{target} already exists; open it or choose another name.")
            refuse_if_held(target, "replace")
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
        problem = folder_problem(target)
        if problem:
            raise ProjectError(f"Could not create the project {target}: {problem}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(target, create=True)
        except (OSError, sqlite3.Error) as exc:
            raise ProjectError(f"Could not create the project {target}: {exc}") from exc
        migrate(conn)
        store = cls(target, conn)
        store._claim()
        store._set_meta("created_at", time.time())
        store._set_meta("fractions", dict(fractions or DEFAULT_FRACTIONS))
        store._set_meta("split_seed", 0)
        if source is None:
            report = getattr(data, "report", None)
            source = getattr(report, "path", None)
        store._set_meta("source", source or "")
        declared = list(labels or getattr(data, "labels", None) or [])
        store._set_meta("labels", declared)
        store.add_rows(data, ctx=ctx)
        return store

    def _after_open(self) -> None:
        # Read the meta data now, so a damaged value is reported on opening.
        for key, default in (
            ("labels", []),
            ("fractions", DEFAULT_FRACTIONS),
            ("split_seed", 0),
            ("source", ""),
            ("file_columns", []),
        ):
            self._get_meta(key, default)
        # Files from before labels were kept in the meta data (or edited by hand): list any
        # label present in the rows too.
        missing = self._present_labels() - set(self.labels)
        if missing:
            names = self.labels + sorted(missing)
            if self.read_only:
                self._meta_cache["labels"] = names
            else:
                self.set_labels(names)

    @property
    def fractions(self) -> dict[str, float]:
        return dict(self._get_meta("fractions", DEFAULT_FRACTIONS))

    @property
    def source(self) -> str:
        return str(self._get_meta("source", "") or "")

    @property
    def labels(self) -> list[str]:
        """Class names in key order (1-9 in the Label tab): declared, or found in the data.

        Kept in the project's meta data (a cached read, cheap at every key press): rows
        added and labels given extend it.
        """
        return list(self._get_meta("labels", []) or [])

    def _present_labels(self) -> set[str]:
        return {
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT label FROM rows WHERE label IS NOT NULL "
                "UNION SELECT DISTINCT original_label FROM rows WHERE original_label IS NOT NULL"
            )
        }

    def set_labels(self, labels: Sequence[str]) -> None:
        """Declare the class names (their order gives the keys 1-9 in the Label tab)."""
        names = [str(n).strip() for n in labels if str(n).strip()]
        self._set_meta("labels", list(dict.fromkeys(names)))

    # -- rows ---------------------------------------------------------------------------
    def add_rows(self, data: Any, ctx: JobContext | None = None) -> int:
        """Append rows in one transaction; returns how many.

        Labelled rows without a split get the hash rule's. A Dataset's other file columns
        are kept for every row (:mod:`desktop_app.core.project.cells`). Rows are converted
        and written in batches, so memory stays bounded by the data already loaded.
        """
        split_of = splitter(self.fractions, self._get_meta("split_seed", 0))
        start = int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM rows").fetchone()[0])
        source = row_source(data)
        total = source.count
        layout, positions = self._merged_layout(source.layout)
        width = sum(1 for _name, role in layout if not role)
        found: set[str] = set()
        next_id = start + 1
        with self._transaction():
            if layout != [list(e) for e in self.file_columns()]:
                self._write_meta("file_columns", layout)
            for part in source.batches(_INSERT_BATCH):
                if ctx is not None:
                    ctx.check_cancelled()
                    ctx.progress(next_id - start - 1, total, "Writing rows to the project")
                part_rows, part_cells = part
                first = next_id
                rows = []
                for text, label, split, row_in_file in part_rows:
                    if split not in SPLITS:
                        split = split_of(next_id) if label is not None else ""
                    rows.append((next_id, text, label, label, split, row_in_file))
                    if label is not None:
                        found.add(label)
                    next_id += 1
                cells = [
                    (row_id, text)
                    for row_id, text in enumerate(
                        cells_json(part_cells, positions, width), start=first
                    )
                    if text
                ]
                self._conn.executemany(
                    "INSERT INTO rows(id, text, original_label, label, split, source_row) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                if cells:
                    self._conn.executemany(
                        "INSERT INTO row_cells(row_id, cells) VALUES (?, ?)", cells
                    )
        self._meta_cache["file_columns"] = layout
        if ctx is not None:
            ctx.progress(total, total, "Rows written")
        known = self.labels
        new = found - set(known)
        if new:
            self.set_labels(known + sorted(new))
        return total

    def row_count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM rows").fetchone()[0])

    def row(self, row_id: int) -> ProjectRow:
        found = self._conn.execute(
            "SELECT id, text, original_label, label, split, source_row FROM rows WHERE id = ?",
            (int(row_id),),
        ).fetchone()
        if found is None:
            raise ProjectError(f"The project has no row {row_id}.")
        return ProjectRow(*found)

    def rows(self, ids: Iterable[int] | None = None) -> list[ProjectRow]:
        """Rows in id order (all of them, or the given ids in the given order)."""
        if ids is None:
            return list(self.iter_rows())
        id_list = [int(i) for i in ids]
        found: dict[int, ProjectRow] = {}
        for offset in range(0, len(id_list), 900):
            chunk = id_list[offset : offset + 900]
            marks = ",".join("?" * len(chunk))
            for r in self._conn.execute(
                "SELECT id, text, original_label, label, split, source_row FROM rows "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                found[r[0]] = ProjectRow(*r)
        return [found[i] for i in id_list if i in found]

    def iter_rows(self, batch: int = 10000) -> Iterator[ProjectRow]:
        last = 0
        while True:
            chunk = self._conn.execute(
                "SELECT id, text, original_label, label, split, source_row FROM rows "
                "WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not chunk:
                return
            for r in chunk:
                yield ProjectRow(*r)
            last = chunk[-1][0]

    def columns(self) -> dict[str, list[Any]]:
        """All rows as columns: ids, texts, labels, original_labels, splits, source_rows."""
        cols: dict[str, list[Any]] = {
            "ids": [], "texts": [], "original_labels": [], "labels": [], "splits": [],
            "source_rows": [],
        }  # fmt: skip
        for r in self._conn.execute(
            "SELECT id, text, original_label, label, split, source_row FROM rows ORDER BY id"
        ):
            cols["ids"].append(r[0])
            cols["texts"].append(r[1])
            cols["original_labels"].append(r[2])
            cols["labels"].append(r[3])
            cols["splits"].append(r[4])
            cols["source_rows"].append(r[5])
        return cols

    def to_dataset(self) -> Any:
        """The rows as a :class:`desktop_app.core.data.dataset.Dataset` (current labels and splits)."""
        import pandas as pd

        from desktop_app.core.data.dataset import SPLIT_CATEGORIES, Dataset, LoadReport
        from desktop_app.core.data.readers import RawTable

        cols = self.columns()
        n = len(cols["ids"])
        present = sorted({lab for lab in cols["labels"] if lab is not None})
        declared = [name for name in self.labels if name in present]
        splits = [s if s in SPLITS and lab is not None else "" for s, lab in
                  zip(cols["splits"], cols["labels"], strict=True)]  # fmt: skip
        raw = pd.DataFrame({"text": cols["texts"], "label": cols["labels"]})
        frame = pd.DataFrame(
            {
                "text": pd.Series(cols["texts"], dtype="str"),
                "label": pd.Categorical(cols["labels"], categories=declared),
                # The row's position in its imported file (as ``predict --file`` numbers
                # rows); rows added without one are numbered by their place in the project.
                "source_row": pd.Series(
                    [i if s is None else s for i, s in enumerate(cols["source_rows"])],
                    dtype="int64",
                ),
                "split": pd.Categorical(splits, categories=list(SPLIT_CATEGORIES)),
            }
        )
        report = LoadReport(
            path=str(self.path),
            format="sstudio",
            encoding=None,
            delimiter=None,
            has_header=True,
            lines_read=n,
            rows=n,
            columns=["text", "label"],
            text_column="text",
            label_column="label",
            label_names={name: name for name in declared},
            notes=[f"Rows and current labels of the project {self.path.name}."],
        )
        table = RawTable(
            frame=raw, format="sstudio", lines_read=n, default_text="text", default_label="label"
        )
        return Dataset(frame, raw, report, declared, table)

    def all_ids(self) -> list[int]:
        return [r[0] for r in self._conn.execute("SELECT id FROM rows ORDER BY id")]

    def unlabelled_ids(self) -> list[int]:
        return [
            r[0] for r in self._conn.execute("SELECT id FROM rows WHERE label IS NULL ORDER BY id")
        ]

    def labelled_ids(self) -> list[int]:
        return [
            r[0]
            for r in self._conn.execute("SELECT id FROM rows WHERE label IS NOT NULL ORDER BY id")
        ]

    def counts(self) -> dict[str, Any]:
        """``{"total", "labelled", "unlabelled", "per_class": {label: n}, "splits": {...}}``."""
        total = self.row_count()
        per_class = {
            label: n
            for label, n in self._conn.execute(
                "SELECT label, COUNT(*) FROM rows WHERE label IS NOT NULL GROUP BY label"
            )
        }
        for name in self.labels:
            per_class.setdefault(name, 0)
        splits = {
            split: n
            for split, n in self._conn.execute(
                "SELECT split, COUNT(*) FROM rows WHERE label IS NOT NULL GROUP BY split"
            )
        }
        labelled = sum(per_class.values())
        return {
            "total": total,
            "labelled": labelled,
            "unlabelled": total - labelled,
            "per_class": {name: per_class[name] for name in self.labels if name in per_class},
            "splits": splits,
        }

    def split_data(self) -> dict[str, tuple[list[str], list[str]]]:
        """Texts and current labels of the labelled rows, by split (train/validation/test)."""
        out: dict[str, tuple[list[str], list[str]]] = {s: ([], []) for s in SPLITS}
        for text, label, split in self._conn.execute(
            "SELECT text, label, split FROM rows WHERE label IS NOT NULL ORDER BY id"
        ):
            texts, labels = out.setdefault(split or "train", ([], []))
            texts.append(text)
            labels.append(label)
        return out

    def fingerprint(self) -> str:
        """A hash of the labelled data (texts, labels, splits): changes when a label does.

        The same as the fingerprint of the training data prepared from the project.
        """
        from desktop_app.core.fingerprint import data_fingerprint

        splits = self.split_data()
        return data_fingerprint((name, *splits[name]) for name in SPLITS)


def import_data(
    project_path: str | os.PathLike[str],
    data_path: str,
    text_column: str | None = None,
    label_column: str | None = None,
    ctx: JobContext | None = None,
) -> tuple[ProjectStore, int, bool]:
    """Load a data file and create the project from it, or append it to an existing project.

    Returns (store, rows added, created). The file's labels become the rows' original and
    current labels.
    """
    from desktop_app.core.data.dataset import LoadOptions, load_dataset

    options = LoadOptions(text_column=text_column, label_column=label_column)
    target = Path(project_path)
    if target.exists():
        # Open first: a project open in the app, or read-only here, is refused before the
        # data is read.
        store = ProjectStore.open(target)
        try:
            if store.read_only:
                raise ProjectReadOnly(f"Cannot add rows to {target.name}: {store.read_only_reason}")
            dataset = load_dataset(data_path, options, ctx=ctx)
            added = store.add_rows(dataset, ctx=ctx)
            known = store._get_meta("labels", [])
            store.set_labels([*known, *[n for n in dataset.labels if n not in known]])
        except BaseException:
            store.close()
            raise
        return store, added, False
    dataset = load_dataset(data_path, options, ctx=ctx)
    store = ProjectStore.create(target, dataset, source=str(data_path), ctx=ctx)
    return store, store.row_count(), True
