"""The workspace: the one owner, on the GUI side, of the data the tabs work on.

Either a data file loaded in the Dataset tab (a :class:`~desktop_app.core.data.dataset.Dataset`)
or an open project (a core :class:`~desktop_app.core.labelling.session.LabelSession`). Tabs
read from it when they need data -- :attr:`dataset`, :attr:`session`, :meth:`training_data`
-- and react to :attr:`changed`, which it emits once for every change with plain data::

    {"what": "dataset" | "project" | "labels" | "classes" | "rows",
     "row_ids": [...], "version": n, "source": "file" | "project" | ""}

Writes to an open project go through the workspace (which goes through the session, which
writes to the store first), so every tab sees the same labels the moment they are committed.
No tab keeps its own copy of rows, labels or counts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

# From this many rows a loaded file's training data is prepared on a background thread.
BACKGROUND_PREPARE_ROWS = 50_000


class Workspace(QObject):
    changed = Signal(dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._file_dataset: Any = None
        self.session: Any = None  # LabelSession while a project is open
        self.version = 0

    # -- reading ----------------------------------------------------------------------------
    @property
    def source(self) -> str:
        """``"project"``, ``"file"`` or ``""`` (nothing loaded)."""
        if self.session is not None:
            return "project"
        return "file" if self._file_dataset is not None else ""

    @property
    def dataset(self) -> Any:
        """The rows as a Dataset: the project's current labels, else the loaded file."""
        if self.session is not None:
            return self.session.dataset()
        return self._file_dataset

    @property
    def file_dataset(self) -> Any:
        """The data file loaded in the Dataset tab (kept while a project is open), or None."""
        return self._file_dataset

    def training_data(self, kind: str | None = None) -> tuple[Any, list[str]]:
        """(TrainData, notes) from the project's current labels or the loaded file."""
        from desktop_app.core.training.data import prepare_training_data

        source = self.session if self.session is not None else self._file_dataset
        return prepare_training_data(source, kind=kind)

    def training_data_task(self, kind: str | None = None) -> Any:
        """For a loaded file of at least :data:`BACKGROUND_PREPARE_ROWS` rows: a function
        ``fn(ctx) -> (TrainData, notes)`` that prepares its training data off the GUI thread
        (the file's Dataset is never changed in place, so another thread may read it; 0.5-1 s
        for a million rows). None otherwise: call :meth:`training_data` (a project is read
        through its store's connection, which belongs to the GUI thread)."""
        dataset = self._file_dataset
        if self.session is not None or dataset is None:
            return None
        if len(dataset.frame) < BACKGROUND_PREPARE_ROWS:
            return None
        from desktop_app.core.training.data import prepare_training_data

        def prepare(ctx: Any) -> tuple[Any, list[str]]:
            ctx.progress(0, 0, f"Preparing the training data ({len(dataset.frame):,} rows)…")
            prepared = prepare_training_data(dataset, kind=kind)
            ctx.check_cancelled()  # a Cancel while it ran: no training
            return prepared

        return prepare

    # -- changing -------------------------------------------------------------------------------
    def set_dataset(self, dataset: Any) -> None:
        """A data file was loaded (or re-read) in the Dataset tab."""
        self._file_dataset = dataset
        self._announce("dataset")

    def open_project(self, store: Any) -> Any:
        """Make ``store`` the open project; returns its LabelSession."""
        from desktop_app.core.labelling.session import LabelSession

        self.session = LabelSession(store)
        self._announce("project")
        return self.session

    def close_project(self) -> None:
        if self.session is not None:
            self.session = None
            self._announce("project")

    def apply(self, change: Any) -> None:
        """Announce a :class:`~desktop_app.core.labelling.session.Change` the session made."""
        if change is not None:
            self._announce(change.what, change.row_ids, **change.details)

    def label(self, row_id: int, label: str, annotator: str, note: str | None = None) -> Any:
        change = self.session.label(row_id, label, annotator, note=note)
        self.apply(change)
        return change

    def undo(self, annotator: str | None) -> Any:
        event, change = self.session.undo(annotator)
        self.apply(change)
        return event

    def set_classes(self, names: list[str]) -> None:
        self.apply(self.session.set_classes(names))

    def _announce(self, what: str, row_ids: Any = (), **details: Any) -> None:
        self.version += 1
        self.changed.emit(
            {
                "what": what,
                "row_ids": [int(i) for i in row_ids],
                "version": self.version,
                "source": self.source,
                **details,
            }
        )
