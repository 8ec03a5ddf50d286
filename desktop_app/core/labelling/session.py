"""A labelling session: the open project's rows and labels, as the GUI sees them. No Qt.

While a project is open, the :class:`LabelSession` is the one holder of "which rows are
labelled, with what": every label, undo, class edit or import goes through it, is written to
the project store first (its own committed transaction) and then reflected here, and returns a
:class:`Change` -- what changed and the session's new version, like Anki's ``OpChanges``. The
GUI's workspace announces each change once; the Label tab (the queue and counts), the Dataset
tab (the table), the Training tab (the data a run uses) and the Predict tab read from here.

The store stays the truth: the session caches the rows' texts and current labels so the Label
tab answers a key press without a query, and re-reads them with :meth:`refresh`. The Label
tab's queue (:meth:`make_queue`) asks the session which rows are labelled; it keeps no copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.jobs import JobContext
from desktop_app.core.labelling.queue import LabelQueue

# The Label tab's view of a project, kept in the project's app state.
ORDER_KEY, INCLUDE_KEY, SEED_KEY, CURRENT_KEY = (
    "label.order",
    "label.include_labelled",
    "label.seed",
    "label.current",
)


@dataclass(frozen=True)
class Change:
    """What one operation changed: ``labels`` (of ``row_ids``), ``classes``, ``rows``."""

    what: str
    row_ids: tuple[int, ...] = ()
    version: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "row_ids": list(self.row_ids),
            "version": self.version,
            **self.details,
        }


class LabelSession:
    """The rows and current labels of an open project (see the module docstring)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.version = 0
        self._dataset: Any = None
        self._dataset_version = -1
        self._load()

    def _load(self) -> None:
        cols = self.store.columns()
        self.ids: list[int] = list(cols["ids"])
        self._texts: dict[int, str] = dict(zip(cols["ids"], cols["texts"], strict=True))
        self._labels: dict[int, str | None] = dict(zip(cols["ids"], cols["labels"], strict=True))
        self._sources: dict[int, int | None] = dict(
            zip(cols["ids"], cols["source_rows"], strict=True)
        )
        self._per_class: Counter[str] = Counter(
            label for label in self._labels.values() if label is not None
        )

    # -- reading ------------------------------------------------------------------------------
    @property
    def path(self) -> Any:
        return self.store.path

    @property
    def read_only(self) -> bool:
        return bool(self.store.read_only)

    @property
    def labels(self) -> list[str]:
        """The project's class names, in their order (what the keys 1-9 choose)."""
        return list(self.store.labels)

    def text(self, row_id: int) -> str:
        return self._texts[row_id]

    def label_of(self, row_id: int) -> str | None:
        return self._labels.get(row_id)

    def source_row(self, row_id: int) -> int | None:
        """The row's 0-based position in the imported file (None if it was typed in)."""
        return self._sources.get(row_id)

    def is_labelled(self, row_id: int) -> bool:
        return self._labels.get(row_id) is not None

    def __contains__(self, row_id: object) -> bool:
        return row_id in self._texts

    def labelled_ids(self) -> list[int]:
        return [i for i in self.ids if self._labels[i] is not None]

    def unlabelled_ids(self) -> list[int]:
        return [i for i in self.ids if self._labels[i] is None]

    def counts(self) -> dict[str, Any]:
        """``{"total", "labelled", "unlabelled", "per_class": {class: n}}`` (every class)."""
        labelled = sum(self._per_class.values())
        per_class = {name: self._per_class.get(name, 0) for name in self.labels}
        for name, n in self._per_class.items():
            per_class.setdefault(name, n)
        return {
            "total": len(self.ids),
            "labelled": labelled,
            "unlabelled": len(self.ids) - labelled,
            "per_class": per_class,
        }

    def split_data(self) -> dict[str, tuple[list[str], list[str]]]:
        """Texts and current labels of the labelled rows by split (read from the store)."""
        return self.store.split_data()

    def fingerprint(self) -> str:
        return self.store.fingerprint()

    def dataset(self) -> Any:
        """The rows as a :class:`~desktop_app.core.data.dataset.Dataset` (current labels),
        built once per version."""
        if self._dataset is None or self._dataset_version != self.version:
            self._dataset = self.store.to_dataset()
            self._dataset_version = self.version
        return self._dataset

    # -- the queue ------------------------------------------------------------------------------
    def make_queue(self) -> LabelQueue:
        """A queue over the rows, asking this session which are labelled; in the order and
        at the row saved when the project was last closed (:meth:`save_queue`)."""
        get = self.store.get_state
        seed = get(SEED_KEY, 0)
        queue = LabelQueue(
            self.ids,
            self.is_labelled,
            order=str(get(ORDER_KEY, "uncertainty")),
            seed=seed if isinstance(seed, int) else 0,
            include_labelled=bool(get(INCLUDE_KEY, False)),
        )
        queue.start()
        last = get(CURRENT_KEY)
        if isinstance(last, int) and last in self:
            queue.go_to(last)
        return queue

    def save_queue(self, queue: LabelQueue) -> None:
        """Remember the queue's order and row for the next opening (not when read-only).

        Raises :class:`~desktop_app.core.errors.ProjectError` when the store cannot write."""
        if self.store.closed or self.store.read_only:
            return
        self.store.set_state(ORDER_KEY, queue.order)
        self.store.set_state(INCLUDE_KEY, queue.include_labelled)
        if queue.current is not None:
            self.store.set_state(CURRENT_KEY, queue.current)

    # -- writing (each returns what changed) ---------------------------------------------------
    def _changed(self, what: str, row_ids: Iterable[int] = (), **details: Any) -> Change:
        self.version += 1
        return Change(what, tuple(int(i) for i in row_ids), self.version, dict(details))

    def _set(self, row_id: int, label: str | None) -> None:
        previous = self._labels.get(row_id)
        if previous is not None:
            self._per_class[previous] -= 1
            if self._per_class[previous] <= 0:
                del self._per_class[previous]
        if label is not None:
            self._per_class[label] += 1
        self._labels[row_id] = label

    def label(
        self,
        row_id: int,
        label: str,
        annotator: str = "",
        note: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Change:
        """Write the label (committed before this returns), then reflect it.

        The signature is the store's: ``timeout`` (s) is how long to wait for another
        writer before :class:`~desktop_app.core.errors.ProjectLocked`; nothing is changed
        then, here or in the store."""
        kwargs = {} if timeout is None else {"timeout": timeout}
        self.store.label(row_id, label, annotator, note=note, **kwargs)
        previous = self._labels.get(row_id)
        self._set(row_id, label)
        return self._changed("labels", [row_id], label=label, previous=previous)

    def undo(self, annotator: str | None = None) -> tuple[Any, Change | None]:
        """Undo ``annotator``'s latest label: (the undone event, the change), or (None, None)."""
        event = self.store.undo(annotator)
        if event is None:
            return None, None
        restored = self.store.row(event.row_id).label
        self._set(event.row_id, restored)
        return event, self._changed("labels", [event.row_id], label=restored, undo=True)

    def add_note(self, row_id: int, note: str, annotator: str = "") -> int:
        return self.store.add_note(row_id, note, annotator)

    def set_classes(self, names: Sequence[str]) -> Change:
        """Declare the class names (their order gives the keys 1-9)."""
        self.store.set_labels(list(names))
        return self._changed("classes", classes=self.labels)

    def add_rows(self, data: Any, ctx: JobContext | None = None) -> Change:
        added = self.store.add_rows(data, ctx=ctx)
        self._load()
        return self._changed("rows", added=added)

    def refresh(self) -> Change:
        """Re-read the rows and labels from the store (after another program changed them)."""
        self._load()
        return self._changed("rows")
