"""The Label tab's Review and Agreement panels: suspicious labels judged out of fold
(``review_labels`` on the worker), duplicate texts with conflicting labels, and Cohen's
kappa between two annotators. Read from the open project; nothing here writes to it."""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.job_handle import JobHandle

REVIEW, AGREEMENT = 1, 2  # their pages in the side panel


class ReviewController(QObject):
    progressed = Signal(object)  # Progress of the review job
    status = Signal(str)  # what the tab's status line says while it runs

    def __init__(self, service: Any, review_panel: Any, agreement_panel: Any, parent: Any) -> None:
        super().__init__(parent)
        self.service = service
        self.review_panel = review_panel
        self.agreement_panel = agreement_panel
        self.session: Any = None
        self._job: JobHandle | None = None
        agreement_panel.pair_changed.connect(self.refresh_agreement)

    def attach(self, session: Any) -> None:
        self.cancel()
        self.session = session
        self.review_panel.list.clear()
        self.review_panel.set_busy(False, "")

    def detach(self) -> None:
        self.cancel()
        self.session = None

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self._job = None

    @property
    def running(self) -> bool:
        return self._job is not None

    def row_name(self, row_id: int) -> int:
        """The row number the user knows: its line in the imported file (1-based)."""
        source = self.session.source_row(row_id) if self.session is not None else None
        return source + 1 if source is not None else row_id

    # -- review -------------------------------------------------------------------------
    @Slot()
    def start_review(self) -> None:
        session = self.session
        if session is None:
            return
        ids = session.labelled_ids()
        params = {
            "row_ids": ids,
            "texts": [session.text(i) for i in ids],
            "labels": [session.label_of(i) for i in ids],
            "folds": 5,
        }
        self.cancel()
        job = self._job = self.service.submit("review_labels", params)
        job.on_progress(self._on_progress).on_result(self._on_reviewed)
        job.on_failed(self._on_failed).on_cancelled(self._on_cancelled)
        job.on_finished(functools.partial(self._on_finished, job))
        self.review_panel.set_busy(True, f"Reviewing {len(ids):,} labelled rows…")
        self.show_duplicates([])

    def show_duplicates(self, suspicious: list[dict]) -> None:
        duplicates = self.session.store.conflicting_duplicates() if self.session else []
        self.review_panel.show_rows(suspicious, duplicates, self.row_name)

    def _on_progress(self, report: Any) -> None:
        self.progressed.emit(report)
        self.status.emit(report.text)

    def _on_reviewed(self, payload: object) -> None:
        if not isinstance(payload, dict) or self.session is None:
            return
        self.review_panel.set_busy(
            False,
            f"{len(payload['suspicious']):,} suspicious of {payload['rows']:,} rows "
            f"({payload['folds']}-fold out-of-fold accuracy {100 * payload['oof_accuracy']:.0f}%).",
        )
        self.show_duplicates(payload["suspicious"])

    def _on_failed(self, message: str, details: str) -> None:
        self.review_panel.set_busy(False, message)

    def _on_cancelled(self) -> None:
        self.review_panel.set_busy(False, "Review cancelled.")

    def _on_finished(self, job: JobHandle) -> None:
        if job is self._job:
            self._job = None

    # -- the side panel ----------------------------------------------------------------
    @Slot(int)
    def page_shown(self, index: int) -> None:
        if self.session is None:
            return
        if index == AGREEMENT:
            self.agreement_panel.set_annotators(self.session.store.annotators())
            self.refresh_agreement()
        elif index == REVIEW and self.review_panel.list.count() == 0:
            self.show_duplicates([])

    @Slot()
    def refresh_agreement(self) -> None:
        a, b = self.agreement_panel.pair()
        if self.session is None or not a or not b or a == b:
            self.agreement_panel.show_result(None, self.row_name)
            return
        self.agreement_panel.show_result(self.session.store.agreement(a, b), self.row_name)
