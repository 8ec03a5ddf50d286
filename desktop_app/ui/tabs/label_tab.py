"""Label tab: keyboard-first labelling with model suggestions, saved the moment it is made.

The tab is a view of the open project's core
:class:`~desktop_app.core.labelling.session.LabelSession`, which the workspace
(``state.workspace``) owns: texts, current labels, counts and "which rows are labelled" are
read from it, never copied. Every label, undo and class edit goes through the session to the
project store (on the GUI thread, each in its own small transaction, never through the model
worker: labelling never waits behind a training job) and is announced once by the workspace
(``workspace.changed``), so the Dataset, Training and Predict tabs see it at once; this tab
follows the same announcements. The worker only scores the pool and explains suggestions
(``ui/label/scoring.py``), reviews labels (``ui/label/review.py``) and retrains
(``ui/label/retrain.py``).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QInputDialog, QStackedWidget, QVBoxLayout, QWidget

from desktop_app.core.errors import ProjectError
from desktop_app.core.labelling.queue import LabelQueue
from desktop_app.job_handle import JobHandle
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.label.annotator import Annotator
from desktop_app.ui.label.card_view import CardPresenter
from desktop_app.ui.label.export import choose_export_path, export_labels
from desktop_app.ui.label.keys import key_action
from desktop_app.ui.label.progress import LabelProgress
from desktop_app.ui.label.projects import ProjectStarter
from desktop_app.ui.label.retrain import RetrainController
from desktop_app.ui.label.review import ReviewController
from desktop_app.ui.label.scoring import ScoringController
from desktop_app.ui.label.view import EmptyPage, OfferBar, WorkPage
from desktop_app.ui.label_writer import LabelWriter
from desktop_app.ui.widgets.label_card import MAX_KEYS
from desktop_app.ui.widgets.project_banner import ProjectBanner

log = logging.getLogger(__name__)

DEFAULT_CLASSES = ["negative", "neutral", "positive"]


class LabelTab(QWidget):
    TITLE = "Label"

    project_changed = Signal(str)  # path of the open project ("" when none)
    item_shown = Signal(int)  # row id now on the card (-1: nothing left)
    queue_reordered = Signal(str)  # why: "scores", "order"
    labelled = Signal(int, str)  # row id, label (after it is committed)

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("labelTab")
        self.state = state
        self.service = state.service
        self.workspace = state.workspace
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._shown: Any = None  # the LabelSession on show (the workspace's)
        self._switching = False  # this tab is opening or closing a project
        self.queue: LabelQueue | None = None

        outer = QVBoxLayout(self)
        self.offer_bar = OfferBar()
        outer.addWidget(self.offer_bar)
        # Read-only, a label not saved yet, damaged values: said here, not per key press.
        self.banner = ProjectBanner()
        outer.addWidget(self.banner)
        self.writer = LabelWriter(self.banner, self.workspace, self)
        self.empty_page, self.page = EmptyPage(), WorkPage()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_page)
        self.pages.addWidget(self.page)
        outer.addWidget(self.pages, 1)
        self._name_widgets()

        self.annotators = Annotator(state.settings, self)
        self.scoring = ScoringController(self.service, self, state.inference.job_params)
        self.retrainer = RetrainController(state, self.writer, self)
        self.review = ReviewController(
            self.service, self.page.review_panel, self.page.agreement_panel, self
        )
        self.projects = ProjectStarter(self)
        self.presenter = CardPresenter(self.page, self.scoring, self)
        self.progress = LabelProgress(self.page, self.scoring, self.retrainer, self.review, self)
        self._connect()
        self._update_annotator_button()

    def _name_widgets(self) -> None:
        """What the user reads and clicks, by name (tests and the project menu use these)."""
        page = self.page
        self.card = page.card
        self.order_combo, self.review_all_check = page.order_combo, page.review_all_check
        self.hide_check, self.lime_check = page.hide_check, page.lime_check
        self.retrain_button, self.labels_button = page.retrain_button, page.labels_button
        self.annotator_button, self.status_label = page.annotator_button, page.status_label
        self.job_progress, self.side = page.job_progress, page.side
        self.progress_panel = page.progress_panel
        self.progress_label = page.progress_panel.progress_label
        self.rate_label = page.progress_panel.rate_label
        self.labelled_only_check = page.progress_panel.labelled_only_check
        self.protect_check = page.progress_panel.protect_check
        self.review_button = page.review_panel.review_button
        self.review_list = page.review_panel.list
        self.kappa_label = page.agreement_panel.kappa_label
        self.disagreement_list = page.agreement_panel.list
        self.offer_label = self.offer_bar.label

    def _connect(self) -> None:
        page = self.page
        self.writer.committed.connect(self._on_label_committed)
        self.writer.read_only_changed.connect(self._on_read_only_changed)
        self.empty_page.new_button.clicked.connect(self.choose_new_project)
        self.empty_page.open_button.clicked.connect(self.choose_open_project)
        self.offer_bar.accepted.connect(self.choose_new_project)
        page.order_combo.currentIndexChanged.connect(self._on_order_changed)
        page.review_all_check.toggled.connect(self._on_order_changed)
        page.card.label_clicked.connect(self.label_index)
        page.retrain_button.clicked.connect(self._on_retrain_clicked)
        page.labels_button.clicked.connect(self._on_edit_labels)
        page.annotator_button.clicked.connect(self.annotators.change)
        page.progress_panel.export_requested.connect(self.choose_export)
        page.review_panel.review_requested.connect(self.review.start_review)
        page.review_panel.row_activated.connect(self.show_row)
        page.agreement_panel.row_activated.connect(self.show_row)
        page.side.currentChanged.connect(self.review.page_shown)
        self.annotators.changed.connect(self._on_annotator_changed)
        self.scoring.reordered.connect(self.queue_reordered)
        self.presenter.shown.connect(self.item_shown)
        self.retrainer.model_loaded.connect(self._score_with_current_model)
        self.scoring.message.connect(self.state.message)
        self.workspace.changed.connect(self._on_workspace_changed)
        self.state.model_changed.connect(self._on_model_changed)
        self.state.inference.changed.connect(self._on_reading_changed)
        self.state.relabel_requested.connect(self.show_row)  # Relabel in any table

    # -- the project ------------------------------------------------------------------
    @property
    def session(self) -> Any:
        """The open project's LabelSession (None without a project)."""
        return self._shown

    @property
    def store(self) -> Any:
        """The open project's store (for reading; writes go through the workspace)."""
        return self._shown.store if self._shown is not None else None

    @property
    def project_path(self) -> str:
        return str(self._shown.path) if self._shown is not None else ""

    def open_project(self, path: str) -> bool:
        """Open a project file; shows a clear message and returns False when it cannot.

        When another app instance has it open, asks: open read-only, or take it over.
        """
        from desktop_app.ui.project_open import open_store

        store = open_store(self, path)
        if store is None:
            return False
        self.attach(store)
        return True

    def create_project(self, path: str, data: Any, source: str | None = None) -> bool:
        return self.projects.create_project(path, data, source)

    def choose_new_project(self) -> None:
        self.projects.choose_new_project()

    def choose_open_project(self) -> None:
        self.projects.choose_open_project()

    def attach(self, store: Any) -> None:
        """Make ``store`` the open project (through the workspace) and show it."""
        if self._shown is not None:
            self.close_project()
        self._switching = True
        try:
            session = self.workspace.open_project(store)
        finally:
            self._switching = False
        self._show_session(session)

    def _show_session(self, session: Any) -> None:
        self.writer.attach(session)
        if not session.labels and not session.read_only:
            classes = list(self.state.model_info.get("labels") or []) or DEFAULT_CLASSES
            self.writer.guard("Labels", self.workspace.set_classes, classes)
        self._shown = session
        self.offer_bar.hide()
        self._apply_read_only()
        self.queue = session.make_queue()
        self.page.set_order(self.queue.order, self.queue.include_labelled)
        self.scoring.attach(session, self.queue, self.state.model_info)
        self.presenter.attach(session, self.queue)
        self.review.attach(session)
        self.retrainer.outcome = ""
        self.page.retrain_result.dismiss()  # another project's result
        self.card.set_labels(session.labels)
        self.pages.setCurrentIndex(1)
        self._update_project_label()
        self.progress.attach(session)
        self._show_current()
        self.project_changed.emit(self.project_path)
        if not self.annotators.name():
            self.annotators.ask_later()
        if not self.retrainer.load_last_model(session.store):
            self.scoring.start(self.state.model_info)

    def save_project_as(self, path: str) -> bool:
        session = self._shown
        if session is None:
            return False
        try:
            copy = session.store.save_as(path)
        except ProjectError as exc:
            show_error(self, "Save project as", str(exc))
            return False
        if copy is not session.store:
            self.writer.detach(self)
            self._switching = True
            try:
                self._shown = self.workspace.open_project(copy)
            finally:
                self._switching = False
            session.store.close()
            self.writer.attach(self._shown)
            # The same rows: the queue, its place and the suggestions carry over.
            if self.queue is not None:
                self.queue.is_labelled = self._shown.is_labelled
            self.scoring.rebind(self._shown)
            self.presenter.attach(self._shown, self.queue)
            self.review.attach(self._shown)
            self.progress.session = self._shown
            self._apply_read_only()
        self._update_project_label()
        self.project_changed.emit(self.project_path)
        return True

    def close_project(self) -> None:
        session = self._shown
        if session is not None:
            self._close_view()
            self._switching = True
            try:
                self.workspace.close_project()
            finally:
                self._switching = False
            session.store.close()
        self.pages.setCurrentIndex(0)
        self.project_changed.emit("")

    def _close_view(self) -> None:
        """Stop showing the open project (its jobs cancelled, its place remembered)."""
        self.scoring.detach()
        self.presenter.attach(None, None)
        self.review.detach()
        self.retrainer.cancel_load()
        self._save_view_state()
        self.writer.detach(self)
        self._shown = None
        self.queue = None
        self.progress.detach()
        self.pages.setCurrentIndex(0)

    def _update_project_label(self) -> None:
        path = Path(self.project_path)
        self.page.project_label.setText(f"<b>{html.escape(path.name)}</b>" if self._shown else "")
        self.page.project_label.setToolTip(str(path) if self._shown else "")

    def _save_view_state(self) -> None:
        if self._shown is None or self.queue is None:
            return
        try:
            self._shown.save_queue(self.queue)
        except ProjectError as exc:  # never lose the close because of the view state
            log.warning("could not save the Label tab's view state: %s", exc)

    def confirm_close(self) -> bool:
        return self.writer.confirm_close(self)  # True unless a label is still pending

    def shutdown(self) -> None:
        self.projects.shutdown()
        self.review_list.shutdown()
        if self._shown is not None:
            self.close_project()

    # -- announcements ------------------------------------------------------------------
    @Slot(dict)
    def _on_workspace_changed(self, change: dict) -> None:
        what = change.get("what")
        if what == "dataset":
            self.projects.dataset_loaded()
            return
        session = self._shown
        if what == "project":
            if not self._switching:
                self._follow_project(session, self.workspace.session)
            return
        if session is None or self.workspace.session is not session:
            return
        if what == "classes" or session.labels != self.card.labels():
            self.card.set_labels(session.labels)
            self.scoring.classes_changed()
        if what == "rows" and self.queue is not None:
            self.queue.set_ids(session.ids)
            self.scoring.score_missing()
        self.progress.refresh()
        self.presenter.refresh_status(change.get("row_ids") if what == "labels" else None)

    def _follow_project(self, shown: Any, current: Any) -> None:
        """Someone else opened or closed a project through the workspace: show what it has."""
        if shown is not None and current is not shown:
            self._close_view()
            if current is None or current.store is not shown.store:
                shown.store.close()
        if current is not None and self._shown is None:
            self._show_session(current)
        elif current is None:
            self.project_changed.emit("")

    @Slot(dict)
    def _on_reading_changed(self, _values: dict) -> None:
        self.scoring.reading_changed()

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        self.scoring.model_changed(info, rescore=not self.retrainer.loading)

    @Slot()
    def _score_with_current_model(self) -> None:
        self.scoring.start(self.state.model_info)

    # -- the card -----------------------------------------------------------------------
    def _show_current(self) -> None:
        self.presenter.show_current()
        if self.isVisible() and self.pages.currentIndex() == 1:
            self.card.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_row(self) -> int | None:
        return self.queue.current if self.queue is not None else None

    def card_text(self) -> str:
        return self.card.text()

    # -- keys ---------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Take the labelling keys before a child (a list, a check box) can use them.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if self.queue is not None and key_action(event) is not None:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        found = key_action(event) if self.queue is not None else None
        if found is None:
            super().keyPressEvent(event)
            return
        action, index = found
        if action == "label":
            self.label_index(index)
        else:
            {
                "accept": self.accept_suggestion,
                "skip": self.skip,
                "back": self.go_back,
                "undo": self.undo,
                "note": self.add_note,
            }[action]()
        event.accept()

    # -- actions ------------------------------------------------------------------------
    @Slot(int)
    def label_index(self, index: int) -> None:
        labels = self._shown.labels if self._shown is not None else []
        if 0 <= index < min(len(labels), MAX_KEYS):
            self.apply_label(labels[index])

    def accept_suggestion(self) -> None:
        row_id = self.current_row()
        if row_id is None or self._shown is None:
            return
        if self.presenter.hidden_now():
            self.state.message("Suggestions are hidden: choose a label with 1–9.", 3000)
            return
        found = self.scoring.suggestion(row_id)
        if found is None:
            self.state.message("No suggestion for this row yet: choose a label with 1–9.", 3000)
            return
        self.apply_label(found.label)  # always one of the project's classes

    def apply_label(self, label: str, note: str | None = None) -> None:
        """Commit the label (its own transaction), then show the next row at once."""
        row_id = self.current_row()
        if self._shown is None or row_id is None:
            return
        annotator = self.annotators.ask()
        if annotator is None:
            return
        if self.writer.write(row_id, label, annotator, note):
            self._after_label(row_id, label, advance=True)

    @Slot(int, str)
    def _on_label_committed(self, row_id: int, label: str) -> None:
        """A label that waited for the project's lock is written now."""
        if self.queue is not None:
            self._after_label(row_id, label, advance=self.queue.current == row_id)

    def _after_label(self, row_id: int, label: str, advance: bool) -> None:
        self.progress.labelled(+1)
        self.labelled.emit(row_id, label)
        if advance and self.queue is not None:
            self.queue.advance()
        self._show_current()

    def skip(self) -> None:
        if self.queue is not None:
            self.queue.advance()
            self._show_current()

    def go_back(self) -> None:
        if self.queue is not None and self.queue.back() is not None:
            self._show_current()

    def undo(self) -> None:
        """Undo my latest label (an event in the history: nothing is overwritten)."""
        if self._shown is None or self.queue is None:
            return
        if self.writer.pending is not None:
            self.banner.refuse("Undo: wait until the pending label is saved.")
            return
        ok, event = self.writer.guard("Undo", self.workspace.undo, self.annotators.name() or None)
        if not ok:
            return
        if event is None:
            self.state.message("Nothing to undo.", 3000)
            return
        self.progress.labelled(-1)
        self.queue.go_to(event.row_id)
        self._show_current()
        self.state.message(f"Undid {event.label!r} on row {event.row_id}.", 3000)

    def add_note(self) -> None:
        row_id = self.current_row()
        if self._shown is None or row_id is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Note", "A note on this row:")
        if not ok or not text.strip():
            return
        annotator = self.annotators.ask()
        if (
            annotator is not None
            and self.writer.guard("Note", self._shown.add_note, row_id, text.strip(), annotator)[0]
        ):
            self.card.note_label.setText(f"Note: {text.strip()}")
            self.card.note_label.show()

    @Slot()
    def _on_read_only_changed(self) -> None:
        self._apply_read_only()
        if self._shown is not None:
            self.project_changed.emit(self.project_path)  # the title says "read-only"

    def _apply_read_only(self) -> None:
        read_only = self._shown is not None and self._shown.read_only
        for button in (self.retrain_button, self.labels_button):
            button.setEnabled(not read_only)

    def annotator(self, ask: bool = True) -> str | None:
        """The annotator's name (asked once, kept in QSettings)."""
        return self.annotators.ask() if ask else self.annotators.name()

    @Slot(str)
    def _on_annotator_changed(self, _name: str) -> None:
        self._update_annotator_button()
        self.card.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_annotator_button(self) -> None:
        name = self.annotators.name()
        self.annotator_button.setText(f"Annotator: {name}" if name else "Set annotator name…")

    @Slot()
    def _on_edit_labels(self) -> None:
        session = self._shown
        if session is None:
            return
        text, ok = QInputDialog.getText(
            self,
            "Labels",
            "Class names, comma-separated (their order gives the keys 1–9):",
            text=", ".join(session.labels),
        )
        names = [n.strip() for n in text.split(",") if n.strip()] if ok else []
        if names:
            used = session.counts()["per_class"]  # classes with labels are never dropped
            keep = [n for n in session.labels if used.get(n) and n not in names]
            self.writer.guard("Labels", self.workspace.set_classes, names + keep)

    # -- order, jobs ------------------------------------------------------------------------
    @Slot()
    def _on_order_changed(self, *_args: Any) -> None:
        if self.queue is None:
            return
        self.queue.set_order(self.order_combo.currentData(), self.review_all_check.isChecked())
        self.queue.restart()
        self._save_view_state()
        self._show_current()
        self.queue_reordered.emit("order")
        self.scoring.score_missing()

    @Slot()
    def _on_retrain_clicked(self) -> None:
        if self.retrainer.running:
            self.retrainer.cancel()
        else:
            self.retrain()

    def retrain(self) -> JobHandle | None:
        """Train the current model kind on all labelled rows with the Training tab's settings."""
        return self.retrainer.retrain(self._shown) if self._shown is not None else None

    @Slot(int)
    def show_row(self, row_id: int) -> None:
        """Put a given row on the card (from the review or agreement lists)."""
        if self.queue is not None and self._shown is not None and row_id in self._shown:
            self.queue.go_to(int(row_id))
            self._show_current()

    # -- export ------------------------------------------------------------------------------
    def choose_export(self) -> None:
        if self._shown is not None:
            path = choose_export_path(self, self.state.settings, self.project_path)
            if path:
                self.export_to(path)

    def export_to(self, path: str) -> dict | None:
        if self._shown is None:
            return None
        report, message = export_labels(
            self,
            self._shown.store,
            path,
            self.labelled_only_check.isChecked(),
            self.protect_check.isChecked(),
        )
        if report is not None:
            self.state.message(message, 8000)
        return report

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.pages.currentIndex() == 1:
            self.card.setFocus(Qt.FocusReason.OtherFocusReason)
