"""A progress bar and a status label that follow one worker job: range, value, time left.

The Training, Predict (batch) and Explain tabs each showed a job the same way: remember when it
started, turn ``progress(job_id, done, total, message)`` into the bar's range and value, estimate
the time left with :func:`desktop_app.core.jobs.format_eta`, and write a status line. This widget
does that once; each tab passes a ``describe`` function for the wording of its status line and
keeps filtering the signals by its own job ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from desktop_app.core.jobs import format_eta

# describe(done, total, message, eta) -> the status text, or None to leave the label as it is.
# ``eta`` is "" when it cannot be estimated yet (nothing done) or the job is complete.
Describe = Callable[[int, int, str, str], str | None]


class JobProgress(QWidget):
    """``bar`` and ``label`` side by side; ``start``, ``job_started``, ``on_progress``, ``finish``.

    With ``hide_when_idle`` the bar shows only while a job runs; without it the bar stays and
    fills up when the job finishes.
    """

    def __init__(
        self,
        describe: Describe,
        *,
        bar_name: str,
        label_name: str,
        text: str = "",
        hide_when_idle: bool = True,
        label_stretch: int = 2,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._describe = describe
        self._hide_when_idle = hide_when_idle
        self._started = time.monotonic()
        self.bar = QProgressBar()
        self.bar.setObjectName(bar_name)
        self.label = QLabel(text)
        self.label.setObjectName(label_name)
        if hide_when_idle:
            self.bar.setVisible(False)
        else:
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label, label_stretch)

    def start(self, text: str, total: int = 0) -> None:
        """A job was submitted: the clock starts, the bar shows (busy until ``total`` is known)."""
        self._started = time.monotonic()
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(0)
        else:
            self.bar.setRange(0, 0)
        self.bar.setVisible(True)
        self.label.setText(text)

    def job_started(self, text: str | None = None) -> None:
        """The worker began the job (it may have waited in the queue): time it from now."""
        self._started = time.monotonic()
        if text is not None:
            self.label.setText(text)

    def elapsed(self) -> float:
        """Seconds since the job was submitted or, once it began, since it began."""
        return time.monotonic() - self._started

    def eta(self, done: int, total: int) -> str:
        """The time left, extrapolated from the rate so far ("" before the first item or after
        the last)."""
        if 0 < done < total:
            return format_eta(self.elapsed() * (total - done) / done)
        return ""

    def set_count(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` on the bar (an unknown total, 0, leaves it as it is)."""
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def on_progress(self, done: int, total: int, message: str) -> None:
        """A ``progress`` report of the job: the bar, then the status line from ``describe``."""
        self.set_count(done, total)
        text = self._describe(done, total, message, self.eta(done, total))
        if text is not None:
            self.label.setText(text)

    def finish(self, text: str | None = None) -> None:
        """The job is over: the bar hides (or, if it stays, shows full); ``text`` if given."""
        self.bar.setRange(0, 1)
        if self._hide_when_idle:
            self.bar.setVisible(False)
        else:
            self.bar.setValue(1)
        if text is not None:
            self.label.setText(text)
