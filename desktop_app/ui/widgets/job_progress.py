"""A progress bar and a status line that follow one job: the one widget that shows progress.

The job's :class:`~desktop_app.core.jobs.Progress` reports already carry the counts, the
job's message and the time left (computed once, in the core's ``JobContext``); this widget
puts them on the bar and the status line. The Training, Predict (file), Explain and Label tabs
all use it::

    handle.on_progress(self.job_progress.show)
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from desktop_app.core.jobs import Progress


class JobProgress(QWidget):
    """``bar`` and ``label`` side by side; ``start``, ``job_started``, ``show``, ``finish``.

    With ``hide_when_idle`` the bar shows only while a job runs; without it the bar stays and
    fills up when the job finishes. ``busy_text`` stands in for a report without a message.
    """

    def __init__(
        self,
        *,
        bar_name: str,
        label_name: str,
        text: str = "",
        busy_text: str = "Working…",
        hide_when_idle: bool = True,
        label_stretch: int = 2,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._hide_when_idle = hide_when_idle
        self.busy_text = busy_text
        self.bar = QProgressBar()
        self.bar.setObjectName(bar_name)
        self.label = QLabel(text)
        self.label.setObjectName(label_name)
        self.label.setWordWrap(False)
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
        """A job was submitted: the bar shows (busy until ``total`` is known)."""
        if total > 0:
            self._set_bar(0, total, 0)
        else:
            self._set_bar(0, 0)
        self.bar.setVisible(True)
        self.label.setText(text)

    def job_started(self, text: str | None = None) -> None:
        """The worker began the job (it may have waited in the queue)."""
        if text is not None:
            self.label.setText(text)

    def show_report(self, report: Progress) -> None:
        """One progress report of the job: the bar and the status line."""
        if report.total > 0:
            self._set_bar(0, report.total, min(report.done, report.total))
        self.label.setText(report.text or self.busy_text)

    def finish(self, text: str | None = None) -> None:
        """The job is over: the bar hides (or, if it stays, shows full); ``text`` if given."""
        if self._hide_when_idle:
            self.bar.setVisible(False)
            self._set_bar(0, 1)
        else:
            self._set_bar(0, 1, 1)
        if text is not None:
            self.label.setText(text)

    def _set_bar(self, minimum: int, maximum: int, value: int | None = None) -> None:
        """Range and value without an immediate repaint. ``QProgressBar.setValue`` repaints
        synchronously when the value moves far enough, and a synchronous repaint paints
        everything else the window has pending with it (a chart's full matplotlib draw at the
        end of a training run: 16 ms more in one piece, benchmarks/training_gui_bench.py).
        With updates off the bar is only marked for the next ordinary paint."""
        bar = self.bar
        bar.setUpdatesEnabled(False)
        try:
            bar.setRange(minimum, maximum)
            if value is not None:
                bar.setValue(value)
        finally:
            bar.setUpdatesEnabled(True)  # schedules the bar's update()
