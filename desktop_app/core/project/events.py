"""Label events: every label, undo and note is an event in the project's history.

Nothing is overwritten: undo appends an event, so the history of every row stays whole.
:class:`LabelEvents` is mixed into :class:`~desktop_app.core.project.store.ProjectStore`
(it uses the store's connection and transactions); agreement between annotators and the
labelling rate are computed from the same events.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from desktop_app.core.errors import ProjectError
from desktop_app.core.imports import heavy_imports
from desktop_app.core.project.rows import SPLITS, clean_label, split_for_row
from desktop_app.core.project.schema import SCHEMA_VERSION

IDLE_GAP_S = 300.0  # a pause longer than this does not count as labelling time


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


class LabelEvents:
    """Labelling operations of the project store (a mixin; see ProjectStore)."""

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
        value = clean_label(label)
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
            with heavy_imports():
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
