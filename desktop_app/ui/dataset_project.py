"""The Dataset tab's view of an open project, kept current one label at a time. No Qt.

While a project is open the tab shows ``workspace.dataset`` -- the project's rows with their
labels when the view was built -- and then follows each label, undo or import the workspace
announces: :meth:`ProjectRows.apply` writes the changed rows' current label and split (read
from the store, the truth) into the table's coded columns and the split counts. That is
O(changed rows): a label in a million-row project repaints one table row, it never rebuilds
the view.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from desktop_app.core.jobs import JobContext
from desktop_app.ui.dataset_jobs import PreparedDataset, prepare_view

SPLITS = ("train", "validation", "test")
SPLIT_NOTE = (
    "A project puts each labelled row in a split by a hash of its id, so a row never moves "
    "between train and test; the split cannot be changed here."
)


class ProjectRows:
    """The table rows of an open project: row ids by position, and the edits since."""

    def __init__(self, ids: Sequence[int], prepared: PreparedDataset) -> None:
        import numpy as np

        self.ids = np.asarray(ids, dtype=np.int64)
        self.prepared = prepared
        if len(self.ids) != len(prepared.texts):
            raise ValueError(f"{len(self.ids)} row ids for {len(prepared.texts)} rows")
        ordered = len(self.ids) < 2 or bool(np.all(self.ids[1:] > self.ids[:-1]))
        self._index: dict[int, int] | None = (
            None if ordered else {int(i): p for p, i in enumerate(self.ids)}
        )

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, row_id: int) -> int:
        """The table row of project row ``row_id`` (-1 if the view does not have it)."""
        if self._index is not None:
            return self._index.get(int(row_id), -1)
        import numpy as np

        at = int(np.searchsorted(self.ids, int(row_id)))
        return at if at < len(self.ids) and int(self.ids[at]) == int(row_id) else -1

    def row_id(self, position: int) -> int:
        return int(self.ids[position])

    def apply(self, rows: Iterable[Any]) -> list[int]:
        """Show each row's current ``label`` and ``split`` (objects with ``id``, ``label``,
        ``split``: the store's rows); returns the table rows that changed."""
        prepared = self.prepared
        labels, splits = prepared.labels, prepared.splits
        changed = []
        for row in rows:
            at = self.position(row.id)
            if at < 0:
                continue
            new_label = row.label if row.label is not None else ""
            new_split = row.split if row.label is not None and row.split in SPLITS else ""
            old_label, old_split = str(labels[at] or ""), str(splits[at] or "")
            if (old_label, old_split) == (new_label, new_split):
                continue
            self._count(old_label, old_split, -1)
            self._count(new_label, new_split, +1)
            labels.set(at, new_label or None)
            splits.set(at, new_split)
            changed.append(at)
        return changed

    def _count(self, label: str, split: str, step: int) -> None:
        if not label:
            return  # unlabelled rows are in no split and counted nowhere
        prepared = self.prepared
        if split:
            per_split = prepared.split_counts.setdefault(label, {})
            per_split[split] = max(0, per_split.get(split, 0) + step)
        else:
            prepared.unsplit = max(0, prepared.unsplit + step)

    def snapshot(self) -> tuple[Any, list[str], Any, list[str]]:
        """Copies of the label and split codes and names, for statistics off the GUI thread."""
        labels, splits = self.prepared.labels, self.prepared.splits
        return (
            labels.codes.copy(),
            list(labels.categories),
            splits.codes.copy(),
            list(splits.categories),
        )


def prepare_project(
    dataset: Any, ids: Sequence[int], ctx: JobContext, charts: tuple[Any, Any] | None = None
) -> ProjectRows:
    """Prepare the project's rows (``dataset``, ordered as ``ids``) for the Dataset tab."""
    import numpy as np

    prepared = prepare_view(dataset, ctx, charts)
    prepared.rows = np.asarray(ids, dtype=np.int64)  # the Row column shows the row ids
    prepared.split_note = SPLIT_NOTE
    return ProjectRows(ids, prepared)
