"""The project file: one SQLite file (``.sstudio``) that holds a labelling project.

It stores the dataset rows (text, original label, current label, split, row in the
source file), every label event (row, label, previous label, annotator, time, note:
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

import hashlib
import json
import os
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ProjectError, ProjectReadOnly
from desktop_app.core.jobs import JobContext
from desktop_app.core.project.access import connect, folder_problem, loads
from desktop_app.core.project.file import (
    ProjectFile,
    is_project_path,  # noqa: F401 - re-exported
    refuse_if_held,
)
from desktop_app.core.project.schema import SCHEMA_VERSION, SUFFIX, migrate

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}
_INSERT_BATCH = 5000
IDLE_GAP_S = 300.0
EXPORT_COLUMNS = (
    "row",
    "text",
    "label",
    "original_label",
    "split",
    "annotator",
    "labelled_at",
    "note",
)  # a pause longer than this does not count as labelling time


@dataclass(frozen=True)
class ProjectRow:
    id: int
    text: str
    original_label: str | None
    label: str | None
    split: str
    source_row: int | None


@dataclass(frozen=True)
class LabelEvent:
    id: int
    row_id: int
    kind: str  # "label" | "undo" | "note"
    label: str | None
    previous_label: str | None
    annotator: str
    created_at: float
    note: str | None
    undoes: int | None
    undone: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_for_row(row_id: int, fractions: dict[str, float], seed: int | str = 0) -> str:
    """Deterministic split of a row: a hash of the row id against the project's fractions.

    The same row always lands in the same split, whatever order rows are labelled in,
    so a row never moves between train and test when the model is retrained.
    """
    digest = hashlib.sha256(f"{seed}:{int(row_id)}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    total = sum(max(0.0, float(fractions.get(s, 0.0))) for s in SPLITS) or 1.0
    edge = 0.0
    for name in SPLITS:
        edge += max(0.0, float(fractions.get(name, 0.0))) / total
        if u < edge:
            return name
    return SPLITS[-1]


def _clean_label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas
        return None
    text = str(value).strip()
    return text or None


def _rows_from(data: Any) -> Iterator[tuple[str, str | None, str, int | None]]:
    """(text, label, split, source_row) from a Dataset, a DataFrame or an iterable of rows.

    Rows may be strings (text only), (text, label) tuples or dicts with ``text`` and
    optionally ``label``, ``split``, ``source_row``.
    """
    frame = getattr(data, "frame", None)
    if frame is None and hasattr(data, "columns") and hasattr(data, "to_dict"):
        frame = data
    if frame is not None:
        columns = set(frame.columns)
        if "text" not in columns:
            raise ProjectError("The data has no 'text' column; pick the text column first.")
        texts = frame["text"].tolist()
        labels = frame["label"].tolist() if "label" in columns else [None] * len(texts)
        splits = frame["split"].tolist() if "split" in columns else [""] * len(texts)
        sources = frame["source_row"].tolist() if "source_row" in columns else range(len(texts))
        for text, label, split, source in zip(texts, labels, splits, sources, strict=True):
            yield (
                "" if text is None else str(text),
                _clean_label(label),
                str(split or "") if split == split else "",
                None if source is None else int(source),
            )
        return
    for index, item in enumerate(data):
        if isinstance(item, str):
            yield item, None, "", index
        elif isinstance(item, dict):
            source = item.get("source_row", index)
            yield (
                str(item["text"]),
                _clean_label(item.get("label")),
                str(item.get("split") or ""),
                None if source is None else int(source),
            )
        else:
            text, label = item[0], item[1] if len(item) > 1 else None
            yield str(text), _clean_label(label), "", index


class ProjectStore(ProjectFile):
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
        """Append rows; returns how many. Labelled rows without a split get the hash rule's."""
        fractions = self.fractions
        seed = self._get_meta("split_seed", 0)
        start = int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM rows").fetchone()[0])
        rows = list(_rows_from(data))
        total = len(rows)
        with self._transaction():
            for offset in range(0, total, _INSERT_BATCH):
                if ctx is not None:
                    ctx.check_cancelled()
                    ctx.progress(offset, total, "Writing rows to the project")
                batch = []
                for i, (text, label, split, source) in enumerate(
                    rows[offset : offset + _INSERT_BATCH], start=start + offset + 1
                ):
                    if split not in SPLITS:
                        split = split_for_row(i, fractions, seed) if label is not None else ""
                    batch.append((i, text, label, label, split, source))
                self._conn.executemany(
                    "INSERT INTO rows(id, text, original_label, label, split, source_row) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    batch,
                )
        if ctx is not None:
            ctx.progress(total, total, "Rows written")
        known = self.labels
        found = {label for _, label, _, _ in rows if label is not None} - set(known)
        if found:
            self.set_labels(known + sorted(found))
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
                "source_row": pd.Series(range(n), dtype="int64"),
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
        """A hash of the labelled data (texts, labels, splits): changes when a label does."""
        h = hashlib.sha256()
        for row_id, label, split in self._conn.execute(
            "SELECT id, label, split FROM rows WHERE label IS NOT NULL ORDER BY id"
        ):
            h.update(f"{row_id}\t{label}\t{split}\n".encode())
        return h.hexdigest()[:16]

    # -- labelling ----------------------------------------------------------------------
    def label(
        self,
        row_id: int,
        label: str,
        annotator: str = "",
        note: str | None = None,
        *,
        timeout: float | None = None,
    ) -> int:
        """Set a row's label in its own committed transaction; returns the event id.

        A row labelled for the first time gets its split from :func:`split_for_row`.
        Waits up to ``timeout`` s (default ``lock_timeout``) for another writer, then
        raises :class:`ProjectLocked`; nothing is written then.
        """
        value = _clean_label(label)
        if value is None:
            raise ProjectError("A label cannot be empty.")
        now = time.time()
        with self._transaction(timeout):
            found = self._conn.execute(
                "SELECT label, split FROM rows WHERE id = ?", (int(row_id),)
            ).fetchone()
            if found is None:
                raise ProjectError(f"The project has no row {row_id}.")
            previous, split = found
            if split not in SPLITS:
                split = split_for_row(int(row_id), self.fractions, self._get_meta("split_seed", 0))
            cursor = self._conn.execute(
                "INSERT INTO label_events(row_id, kind, label, previous_label, annotator, "
                "created_at, note) VALUES (?, 'label', ?, ?, ?, ?, ?)",
                (int(row_id), value, previous, annotator or "", now, note),
            )
            self._conn.execute(
                "UPDATE rows SET label = ?, split = ? WHERE id = ?", (value, split, int(row_id))
            )
            known = list(self._get_meta("labels", []))
            if value not in known:  # a new class: declared in the same transaction
                self._write_meta("labels", [*known, value])
        if value not in known:
            self._meta_cache["labels"] = [*known, value]
        return int(cursor.lastrowid or 0)

    def add_note(self, row_id: int, note: str, annotator: str = "") -> int:
        """Attach a note to a row (an event of its own; the label is unchanged)."""
        with self._transaction():
            found = self._conn.execute(
                "SELECT label FROM rows WHERE id = ?", (int(row_id),)
            ).fetchone()
            if found is None:
                raise ProjectError(f"The project has no row {row_id}.")
            cursor = self._conn.execute(
                "INSERT INTO label_events(row_id, kind, label, previous_label, annotator, "
                "created_at, note) VALUES (?, 'note', ?, ?, ?, ?, ?)",
                (int(row_id), found[0], found[0], annotator or "", time.time(), note),
            )
        return int(cursor.lastrowid or 0)

    def undo(self, annotator: str | None = None) -> LabelEvent | None:
        """Undo the latest label not yet undone (of ``annotator``, if given).

        Appends an ``undo`` event that puts the previous label back; returns the event
        that was undone (its ``row_id`` tells the caller where to go back to), or None.
        """
        query = (
            "SELECT e.id FROM label_events e WHERE e.kind = 'label' AND NOT EXISTS "
            "(SELECT 1 FROM label_events u WHERE u.undoes = e.id)"
        )
        args: tuple[Any, ...] = ()
        if annotator is not None:
            query += " AND e.annotator = ?"
            args = (annotator,)
        with self._transaction():
            found = self._conn.execute(query + " ORDER BY e.id DESC LIMIT 1", args).fetchone()
            if found is None:
                return None
            event = self._event(found[0])
            current = self._conn.execute(
                "SELECT label FROM rows WHERE id = ?", (event.row_id,)
            ).fetchone()[0]
            self._conn.execute(
                "INSERT INTO label_events(row_id, kind, label, previous_label, annotator, "
                "created_at, undoes) VALUES (?, 'undo', ?, ?, ?, ?, ?)",
                (event.row_id, event.previous_label, current, annotator or event.annotator,
                 time.time(), event.id),
            )  # fmt: skip
            self._conn.execute(
                "UPDATE rows SET label = ? WHERE id = ?", (event.previous_label, event.row_id)
            )
        return event

    def _event(self, event_id: int) -> LabelEvent:
        r = self._conn.execute(
            "SELECT id, row_id, kind, label, previous_label, annotator, created_at, note, undoes, "
            "EXISTS(SELECT 1 FROM label_events u WHERE u.undoes = e.id) "
            "FROM label_events e WHERE id = ?",
            (event_id,),
        ).fetchone()
        return LabelEvent(*r[:9], undone=bool(r[9]))

    def history(self, row_id: int) -> list[LabelEvent]:
        """Every event of one row, oldest first (undone labels are marked ``undone``)."""
        return [
            LabelEvent(*r[:9], undone=bool(r[9]))
            for r in self._conn.execute(
                "SELECT id, row_id, kind, label, previous_label, annotator, created_at, note, "
                "undoes, EXISTS(SELECT 1 FROM label_events u WHERE u.undoes = e.id) "
                "FROM label_events e WHERE row_id = ? ORDER BY id",
                (int(row_id),),
            )
        ]

    def event_count(self) -> int:
        return int(
            self._conn.execute("SELECT COUNT(*) FROM label_events WHERE kind = 'label'").fetchone()[
                0
            ]
        )

    def _effective_events(self, annotator: str | None = None) -> Iterator[tuple]:
        """(row_id, label, annotator, created_at, note) of each row's latest label that stands."""
        query = (
            "SELECT row_id, label, annotator, created_at, note, MAX(id) FROM label_events e "
            "WHERE kind = 'label' AND NOT EXISTS (SELECT 1 FROM label_events u WHERE u.undoes = e.id)"
        )
        args: tuple[Any, ...] = ()
        if annotator is not None:
            query += " AND annotator = ?"
            args = (annotator,)
        yield from self._conn.execute(query + " GROUP BY row_id", args)

    # -- analysis -------------------------------------------------------------------------
    def annotators(self) -> list[str]:
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT annotator, COUNT(*) AS n FROM label_events WHERE kind = 'label' "
                "GROUP BY annotator ORDER BY n DESC, annotator"
            )
        ]

    def annotator_labels(self, annotator: str) -> dict[int, str]:
        """Each row's latest standing label by one annotator."""
        return {r[0]: r[1] for r in self._effective_events(annotator)}

    def agreement(self, first: str, second: str) -> dict[str, Any]:
        """Cohen's kappa between two annotators on the rows both labelled, and where they differ."""
        a = self.annotator_labels(first)
        b = self.annotator_labels(second)
        common = sorted(set(a) & set(b))
        result: dict[str, Any] = {
            "annotators": [first, second],
            "rows": len(common),
            "agreement": None,
            "kappa": None,
            "disagreements": [],
        }
        if not common:
            return result
        ya = [a[i] for i in common]
        yb = [b[i] for i in common]
        result["agreement"] = sum(x == y for x, y in zip(ya, yb, strict=True)) / len(common)
        if len(set(ya) | set(yb)) > 1:
            from sklearn.metrics import cohen_kappa_score

            kappa = float(cohen_kappa_score(ya, yb))
            result["kappa"] = None if kappa != kappa else kappa
        elif result["agreement"] == 1.0:
            result["kappa"] = 1.0
        differ = [i for i in common if a[i] != b[i]]
        texts = {r.id: r.text for r in self.rows(differ)}
        result["disagreements"] = [
            {"row_id": i, "text": texts.get(i, ""), first: a[i], second: b[i]} for i in differ
        ]
        return result

    def conflicting_duplicates(self) -> list[dict[str, Any]]:
        """Texts that occur more than once with different current labels."""
        groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for row_id, text, label in self._conn.execute(
            "SELECT id, text, label FROM rows WHERE label IS NOT NULL ORDER BY id"
        ):
            groups[" ".join(text.split()).casefold()].append((row_id, label))
        out = []
        for rows in groups.values():
            if len({label for _, label in rows}) > 1:
                first = rows[0][0]
                out.append(
                    {
                        "text": self.row(first).text,
                        "rows": [{"row_id": i, "label": label} for i, label in rows],
                        "labels": dict(Counter(label for _, label in rows)),
                    }
                )
        return out

    def labels_per_hour(self, since: float | None = None, idle_gap_s: float = IDLE_GAP_S) -> float:
        """Labelling speed: labels per hour of active time (pauses over ``idle_gap_s`` skipped)."""
        query = "SELECT created_at FROM label_events WHERE kind = 'label'"
        args: tuple[Any, ...] = ()
        if since is not None:
            query += " AND created_at >= ?"
            args = (since,)
        times = [r[0] for r in self._conn.execute(query + " ORDER BY id", args)]
        if len(times) < 2:
            return 0.0
        active = sum(
            min(max(0.0, b - a), idle_gap_s) for a, b in zip(times, times[1:], strict=False)
        )
        # At least a minute, so the first few quick labels do not read as thousands an hour.
        return (len(times) - 1) / max(active, 60.0) * 3600.0

    def stats(self) -> dict[str, Any]:
        """What ``project --stats`` prints."""
        counts = self.counts()
        annotators = self.annotators()
        stats: dict[str, Any] = {
            "project": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "labels": self.labels,
            **counts,
            "label_events": self.event_count(),
            "annotators": {name: len(self.annotator_labels(name)) for name in annotators},
            "labels_per_hour": round(self.labels_per_hour(), 1),
            "conflicting_duplicates": len(self.conflicting_duplicates()),
            "training_runs": len(self.training_runs()),
            "fractions": self.fractions,
            "warnings": list(self.warnings),
        }
        if len(annotators) >= 2:
            agreement = self.agreement(annotators[0], annotators[1])
            stats["agreement"] = {
                "annotators": agreement["annotators"],
                "rows": agreement["rows"],
                "kappa": agreement["kappa"],
                "disagreements": len(agreement["disagreements"]),
            }
        return stats

    # -- training runs ----------------------------------------------------------------------
    def add_training_run(
        self,
        kind: str,
        config: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        history: dict[str, Any] | None = None,
        model_folder: str | None = None,
        fingerprint: str | None = None,
    ) -> int:
        with self._transaction():
            cursor = self._conn.execute(
                "INSERT INTO training_runs(created_at, kind, config, metrics, history, "
                "model_folder, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (time.time(), kind, json.dumps(config or {}), json.dumps(metrics or {}),
                 json.dumps(history or {}), model_folder, fingerprint),
            )  # fmt: skip
        return int(cursor.lastrowid or 0)

    def set_run_model_folder(self, run_id: int, folder: str) -> None:
        with self._transaction():
            self._conn.execute(
                "UPDATE training_runs SET model_folder = ? WHERE id = ?", (folder, int(run_id))
            )

    def training_runs(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r[0], "created_at": r[1], "kind": r[2], "config": loads(r[3], {}),
                "metrics": loads(r[4], {}), "history": loads(r[5], {}), "model_folder": r[6],
                "fingerprint": r[7],
            }
            for r in self._conn.execute(
                "SELECT id, created_at, kind, config, metrics, history, model_folder, fingerprint "
                "FROM training_runs ORDER BY id"
            )
        ]  # fmt: skip

    def last_model_folder(self) -> str | None:
        """The newest training run's saved model folder that still exists."""
        for r in self._conn.execute(
            "SELECT model_folder FROM training_runs WHERE model_folder IS NOT NULL ORDER BY id DESC"
        ):
            if r[0] and Path(r[0]).is_dir():
                return str(r[0])
        return None

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
                    "labelled_at": _iso(event[3]) if stands else "",
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


def _iso(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(timestamp))


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
