"""The Label tab's progress: labelled rows and per-class counts (read from the session),
labels per hour, and the status line with the progress bar of the tab's worker jobs."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot

from desktop_app.core.jobs import Progress

RATE_EVERY_MS = 5000


class LabelProgress(QObject):
    def __init__(self, page: Any, scoring: Any, retrainer: Any, review: Any, parent: QObject):
        super().__init__(parent)
        self.panel = page.progress_panel
        self.status_label, self.bar = page.status_label, page.job_progress
        self.retrain_button = page.retrain_button
        self.scoring, self.retrainer = scoring, retrainer
        self.session: Any = None
        self.started = time.time()
        self.session_labels = 0  # labels given in this tab since the project opened
        self._rate = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(RATE_EVERY_MS)
        self._timer.timeout.connect(self.update_rate)
        scoring.busy_changed.connect(self.show_busy)
        retrainer.busy_changed.connect(self._on_retrain_busy)
        retrainer.status.connect(self.status_label.setText)
        retrainer.result.connect(page.retrain_result.show_result)
        review.status.connect(self.status_label.setText)
        for source in (scoring, retrainer, review):
            source.progressed.connect(self.show_progress)

    def attach(self, session: Any) -> None:
        self.session = session
        self.started, self.session_labels, self._rate = time.time(), 0, 0.0
        self.refresh()
        self.update_rate()
        self._timer.start()

    def detach(self) -> None:
        self.session = None
        self._timer.stop()

    # -- counts ------------------------------------------------------------------------
    def refresh(self) -> None:
        """The counts as the session has them now."""
        if self.session is not None:
            counts = self.session.counts()
            self.panel.show_counts(self.session.labels, counts["per_class"], counts["total"])
            self.show_rate()

    def labelled(self, delta: int) -> None:
        """A label given (+1) or undone (-1) in this tab."""
        self.session_labels = max(0, self.session_labels + delta)
        self.show_rate()

    @Slot()
    def update_rate(self) -> None:
        if self.session is not None:
            self._rate = self.session.store.labels_per_hour(since=self.started)
            self.show_rate()

    def show_rate(self) -> None:
        self.panel.show_rate(self.session_labels, self._rate)

    # -- jobs --------------------------------------------------------------------------
    def show_progress(self, report: Progress) -> None:
        self.bar.setMaximum(max(1, report.total))
        self.bar.setValue(report.done)

    @Slot(bool)
    def _on_retrain_busy(self, busy: bool) -> None:
        self.retrain_button.setText("Cancel retraining" if busy else "Retrain with my labels")
        self.show_busy(busy or self.scoring.busy)

    @Slot(bool)
    def show_busy(self, busy: bool) -> None:
        busy = busy or self.retrainer.running
        self.bar.setVisible(busy)
        if busy and not self.status_label.text():
            self.status_label.setText("Scoring the queue…")
        if not busy:
            scored = self.scoring.scored
            parts = [self.retrainer.outcome, f"{scored:,} rows scored" if scored else ""]
            self.status_label.setText(" · ".join(p for p in parts if p))
