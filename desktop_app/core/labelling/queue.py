"""The Label tab's queue: which row comes next, and going back and forth. No Qt.

Orders: ``uncertainty`` (smallest margin between the model's top two probabilities
first; rows not scored yet follow in file order), ``random`` (seeded) and ``file``.
Rows already shown in this pass are not offered again until the pass ends; skipped
rows come back in the next pass. Every step is O(1) amortised, so the next item is
ready at once even on a large pool; only :meth:`LabelQueue.rebuild` sorts.

The queue keeps no idea of its own of which rows are labelled: it asks ``is_labelled``
(the open project's :meth:`~desktop_app.core.labelling.session.LabelSession.is_labelled`),
so a label given anywhere -- this queue's card, another tab, an import -- takes the row
out of the queue at once, and an undo puts it back.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence

ORDERS = ("uncertainty", "random", "file")


class LabelQueue:
    """The order rows come in, the row on the card, and the way back (see the module)."""

    def __init__(
        self,
        ids: Iterable[int],
        is_labelled: Callable[[int], bool],
        order: str = "uncertainty",
        seed: int = 0,
        include_labelled: bool = False,
    ) -> None:
        self._ids = [int(i) for i in ids]
        self.is_labelled = is_labelled  # the owner's answer (O(1)), asked at every step
        self.order = order if order in ORDERS else "uncertainty"
        self.seed = seed
        self.include_labelled = include_labelled
        self._scores: dict[int, float] = {}
        self._order: list[int] = []
        self._cursor = 0
        self._seen: set[int] = set()
        self._back: list[int] = []
        # Rows stepped back from (by back or go_to), to return to: (row, labelled then).
        self._ahead: list[tuple[int, bool]] = []
        self.current: int | None = None
        self.rebuild()

    # -- state --------------------------------------------------------------------
    def set_ids(self, ids: Iterable[int]) -> None:
        """The rows changed (rows were added): re-order over the new ones."""
        self._ids = [int(i) for i in ids]
        known = set(self._ids)
        self._back = [i for i in self._back if i in known]
        self._ahead = [entry for entry in self._ahead if entry[0] in known]
        if self.current is not None and self.current not in known:
            self.current = None
        self.rebuild()

    @property
    def scored(self) -> int:
        return len(self._scores)

    def set_scores(
        self, row_ids: Sequence[int], margins: Sequence[float], replace: bool = False
    ) -> None:
        """Record uncertainty margins (smaller = less sure). Call :meth:`rebuild` to re-order."""
        if replace:
            self._scores = {}
        for row_id, margin in zip(row_ids, margins, strict=True):
            self._scores[int(row_id)] = float(margin)

    def set_order(self, order: str, include_labelled: bool | None = None) -> None:
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}")
        self.order = order
        if include_labelled is not None:
            self.include_labelled = include_labelled
        self._seen.clear()
        self._ahead.clear()
        self.rebuild()

    def rebuild(self) -> None:
        """Re-order the candidates; the current item stays, the next ones follow the new order."""
        if self.include_labelled:
            candidates = list(self._ids)
        else:
            labelled = self.is_labelled
            candidates = [i for i in self._ids if not labelled(i)]
        if self.order == "random":
            random.Random(self.seed).shuffle(candidates)
        elif self.order == "uncertainty":
            scores = self._scores
            scored = sorted((i for i in candidates if i in scores), key=lambda i: (scores[i], i))
            candidates = scored + [i for i in candidates if i not in scores]
        self._order = candidates
        self._cursor = 0
        self._ahead.clear()

    # -- moving ---------------------------------------------------------------------
    def _eligible(self, row_id: int) -> bool:
        return (
            row_id != self.current
            and row_id not in self._seen
            and (self.include_labelled or not self.is_labelled(row_id))
        )

    def advance(self) -> int | None:
        """Move to the next row (after labelling or skipping the current one)."""
        if self.current is not None:
            self._seen.add(self.current)
            self._back.append(self.current)
        while self._ahead:
            entry = self._ahead.pop()
            if entry[0] != self.current and self._returnable(entry):
                self.current = entry[0]
                return entry[0]
        found = self._scan()
        if found is None and self._seen:
            # End of the pass: skipped rows come round again.
            self._seen.clear()
            self._cursor = 0
            found = self._scan()
        self.current = found
        return found

    def _leaving(self, row_id: int) -> tuple[int, bool]:
        return (row_id, self.is_labelled(row_id))

    def _returnable(self, entry: tuple[int, bool]) -> bool:
        """A row stepped back from is shown again, unless it was unlabelled then and has
        been labelled since (elsewhere): the queue no longer offers it."""
        row_id, was_labelled = entry
        return self.include_labelled or was_labelled or not self.is_labelled(row_id)

    def _scan(self) -> int | None:
        order = self._order
        while self._cursor < len(order):
            row_id = order[self._cursor]
            self._cursor += 1
            if self._eligible(row_id):
                return row_id
        return None

    def back(self) -> int | None:
        """The row shown before this one (labelled or not), or None at the start."""
        if not self._back:
            return None
        if self.current is not None:
            self._ahead.append(self._leaving(self.current))
        self.current = self._back.pop()
        return self.current

    def go_to(self, row_id: int) -> None:
        """Show a given row now (after undo, or from the review list); then carry on."""
        row_id = int(row_id)
        if row_id == self.current:
            return
        if self.current is not None:
            self._ahead.append(self._leaving(self.current))
        self._seen.discard(row_id)
        self.current = row_id

    def restart(self) -> int | None:
        """Start the order from its first row (after the user changed the order)."""
        if self.current is not None:
            self._back.append(self.current)
        self.current = None
        self._seen.clear()
        self._ahead.clear()
        self._cursor = 0
        self.current = self._scan()
        return self.current

    def start(self) -> int | None:
        """The first row, if none is shown yet."""
        if self.current is None:
            return self.advance()
        return self.current

    def upcoming(self, count: int) -> list[int]:
        """The next ``count`` rows :meth:`advance` would show, without moving."""
        out: list[int] = []
        for entry in reversed(self._ahead):
            if len(out) >= count:
                return out
            if entry[0] != self.current and self._returnable(entry):
                out.append(entry[0])
        cursor = self._cursor
        order = self._order
        while len(out) < count and cursor < len(order):
            row_id = order[cursor]
            cursor += 1
            if self._eligible(row_id) and row_id not in out:
                out.append(row_id)
        return out
