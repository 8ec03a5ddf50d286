"""JobProgress: the bar and status line the Training, Predict, Explain and Label tabs share."""

from __future__ import annotations

from desktop_app.core.jobs import JobContext, Progress
from desktop_app.ui.widgets.job_progress import JobProgress


def test_bar_follows_the_job_and_hides_when_it_ends(qtbot):
    widget = JobProgress(bar_name="bar", label_name="status", text="Idle", busy_text="Busy…")
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.bar.isVisible()
    assert widget.label.text() == "Idle"

    widget.start("Starting…", total=10)
    assert widget.bar.isVisible()
    assert (widget.bar.maximum(), widget.bar.value()) == (10, 0)
    assert widget.label.text() == "Starting…"

    widget.show_report(Progress(0, 10, "working"))
    assert widget.label.text() == "working"  # nothing done yet: no time left to estimate
    widget.show_report(Progress(4, 10, "working", eta=75.0))
    assert widget.bar.value() == 4
    assert widget.label.text() == "working · 1m 15s left"
    widget.show_report(Progress(12, 10, ""))  # past the end: full, no time left
    assert widget.bar.value() == 10
    assert widget.label.text() == "Busy…"

    widget.finish("Done.")
    assert not widget.bar.isVisible()
    assert widget.label.text() == "Done."


def test_a_bar_that_stays_is_busy_until_the_first_report_and_full_at_the_end(qtbot):
    widget = JobProgress(bar_name="bar", label_name="status", hide_when_idle=False, label_stretch=0)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.bar.isVisible() and widget.bar.maximum() == 1
    widget.start("Preparing…")
    assert widget.bar.maximum() == 0  # busy
    widget.finish()
    assert widget.bar.isVisible()
    assert (widget.bar.maximum(), widget.bar.value()) == (1, 1)
    assert widget.label.text() == "Preparing…"


def test_the_context_computes_the_time_left_per_phase(monkeypatch):
    import desktop_app.core.jobs as jobs

    now = [100.0]
    monkeypatch.setattr(jobs.time, "monotonic", lambda: now[0])
    seen: list[Progress] = []
    ctx = JobContext(on_progress=seen.append, min_interval=0)
    ctx.progress(0, 3, "Reading")
    now[0] += 30  # a slow load
    ctx.progress(3, 3, "Read")
    ctx.progress(0, 100, "Predicting")  # a new phase: its own clock
    now[0] += 10
    ctx.progress(10, 100, "Predicting")
    assert [p.time_left for p in seen] == ["", "", "", "1m 30s left"]
    assert seen[-1].text == "Predicting · 1m 30s left"
    assert seen[-1].elapsed == 40


def test_progress_paints_with_the_window_not_at_once(qtbot):
    """QProgressBar.setValue repaints synchronously, and a synchronous repaint paints all the
    window has pending with it (a chart's full draw at the end of a training run)."""
    from PySide6.QtCore import QEvent, QObject

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    widget = JobProgress(bar_name="bar", label_name="status", hide_when_idle=False)
    qtbot.addWidget(widget)
    paints = Paints()
    widget.bar.installEventFilter(paints)
    widget.show()
    # shown and painted once (a window that is not exposed yet paints nothing at all)
    qtbot.waitUntil(lambda: widget.windowHandle().isExposed() and Paints.count > 0)
    Paints.count = 0
    widget.start("Working…", total=100)
    for done in range(0, 101, 10):
        widget.show_report(Progress(done, 100, "working"))
    widget.finish("Done.")
    assert Paints.count == 0  # none inside the calls
    qtbot.waitUntil(lambda: Paints.count > 0, timeout=5000)  # the next ordinary paint
    assert (widget.bar.maximum(), widget.bar.value()) == (1, 1)
