"""Fills the Label tab's card from the open project: the queue's row, its status, the
file's columns the user picked (*Card columns*, kept in the project), the model's
suggestion (or why there is none) and, when asked, the highlighted words.

Everything comes from the session (texts, labels, rows in the file) and the scoring
controller (suggestions), so showing the next row costs no job; the picked columns are one
indexed lookup of the row's cells.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction

from desktop_app.core.errors import ProjectError
from desktop_app.ui.label.scoring import ScoringController


class CardPresenter(QObject):
    shown = Signal(int)  # row id now on the card (-1: nothing left)

    def __init__(self, page: Any, scoring: ScoringController, parent: QObject) -> None:
        super().__init__(parent)
        self.card = page.card
        self.columns_button = page.columns_button
        self.columns: list[str] = []  # the file's columns shown on the card
        self.hide_check, self.lime_check = page.hide_check, page.lime_check
        self.scoring = scoring
        self.session: Any = None
        self.queue: Any = None
        self.hide_check.toggled.connect(self.refresh_suggestion)
        self.lime_check.toggled.connect(self._on_lime_toggled)
        scoring.suggestions_changed.connect(self.refresh_suggestion)
        scoring.highlighted.connect(self._on_highlighted)

    def attach(self, session: Any, queue: Any) -> None:
        self.session, self.queue = session, queue
        self._offer_columns()

    # -- the file's columns on the card ------------------------------------------------
    def _offer_columns(self) -> None:
        """The Card columns menu: one checkable entry per column of the project's file."""
        menu = self.columns_button.menu()
        menu.clear()
        store = self.session.store if self.session is not None else None
        names = store.metadata_columns() if store is not None else []
        self.columns = store.card_columns() if store is not None else []
        for name in names:
            action = QAction(name, menu)
            action.setCheckable(True)
            action.setChecked(name in self.columns)
            action.setObjectName(f"cardColumn_{name}")
            action.toggled.connect(self._on_column_toggled)
            menu.addAction(action)
        self.columns_button.setEnabled(bool(names))
        self.columns_button.setToolTip(
            "The file's other columns (IDs, products, dates, ...) to show on the card; the "
            "choice is kept in the project"
            if names
            else "The project's file had no columns besides the text and the label"
        )

    def set_columns(self, names: list[str]) -> None:
        """Show ``names`` (in the file's order) on the card and keep the choice in the
        project (a read-only project keeps it for this session only)."""
        store = self.session.store if self.session is not None else None
        if store is None:
            return
        order = store.metadata_columns()
        self.columns = [n for n in order if n in set(names)]
        for action in self.columns_button.menu().actions():
            action.blockSignals(True)
            action.setChecked(action.text() in self.columns)
            action.blockSignals(False)
        try:
            store.set_card_columns(self.columns)
        except (ProjectError, OSError) as exc:  # read-only, or the file went away
            self.card.info_label.setToolTip(f"The column choice is not saved: {exc}")
        self._show_metadata()

    @Slot(bool)
    def _on_column_toggled(self, _checked: bool) -> None:
        chosen = [a.text() for a in self.columns_button.menu().actions() if a.isChecked()]
        self.set_columns(chosen)

    def _show_metadata(self) -> None:
        row_id = self.current
        if not self.columns or self.session is None or row_id is None:
            self.card.set_metadata([])
            return
        cells = self.session.store.metadata(row_id)
        self.card.set_metadata([(name, cells.get(name)) for name in self.columns])

    @property
    def current(self) -> int | None:
        return self.queue.current if self.queue is not None else None

    def row_info(self, row_id: int) -> str:
        label = self.session.label_of(row_id)
        source = self.session.source_row(row_id)
        where = f"Row {source + 1} of the file" if source is not None else f"Row {row_id}"
        return f"{where} · " + (f"labelled <b>{html.escape(label)}</b>" if label else "unlabelled")

    def show_current(self) -> None:
        """Put the queue's current row on the card; O(1): the session has it in memory."""
        session, row_id = self.session, self.current
        if session is None or self.queue is None:
            return
        if row_id is None:
            if session.counts()["unlabelled"]:
                self.card.show_message("Nothing in this queue", "Change the order or options.")
            else:
                self.card.show_message(
                    "Every row is labelled",
                    "Retrain with your labels, review suspicious labels, or export them.",
                )
            self.shown.emit(-1)
            return
        self.card.show_text(
            session.text(row_id), self.row_info(row_id), session.label_of(row_id), None
        )
        self._show_metadata()
        self.refresh_suggestion()
        if self.lime_check.isChecked():
            self._request_explanation()
        self.scoring.prefetch()
        self.shown.emit(row_id)

    def refresh_status(self, row_ids: Any = None) -> None:
        """Labels changed (``row_ids``, or any): the card's row line and button follow."""
        row_id = self.current
        if self.session is not None and row_id is not None:
            if row_ids is None or row_id in row_ids:
                self.card.set_status(self.row_info(row_id), self.session.label_of(row_id))

    def hidden_now(self) -> bool:
        """Suggestions are hidden until the row on the card is answered."""
        row_id = self.current
        return (
            self.hide_check.isChecked()
            and row_id is not None
            and not self.session.is_labelled(row_id)
        )

    @Slot()
    def refresh_suggestion(self, *_args: Any) -> None:
        row_id = self.current
        if row_id is None or self.session is None:
            return
        found = self.scoring.suggestion(row_id)
        if self.hidden_now():
            self.card.set_suggestion(None, None, hidden=True)
        elif found is None:
            self.card.set_suggestion(None, None, note=self.scoring.missing_text())
        else:
            self.card.set_suggestion(found.label, found.confidence, scope=self.scoring.note())

    @Slot(bool)
    def _on_lime_toggled(self, on: bool) -> None:
        if on:
            self._request_explanation()
        else:
            self.scoring.cancel_explanation()
            self.show_current()

    def _request_explanation(self) -> None:
        if self.current is not None and not self.hidden_now():
            self.scoring.explain(self.current)

    @Slot(int, str)
    def _on_highlighted(self, row_id: int, body: str) -> None:
        if row_id == self.current:
            self.card.show_highlight(body)
