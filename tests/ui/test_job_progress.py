"""JobProgress: the bar and status line the Training, Predict and Explain tabs share."""

from __future__ import annotations

from desktop_app.ui.widgets.job_progress import JobProgress


def _describe(done: int, total: int, message: str, eta: str) -> str | None:
    return f"{message}|{eta}" if message else None


def test_bar_follows_the_job_and_hides_when_it_ends(qtbot):
    widget = JobProgress(_describe, bar_name="bar", label_name="status", text="Idle")
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.bar.isVisible()
    assert widget.label.text() == "Idle"

    widget.start("Starting…", total=10)
    assert widget.bar.isVisible()
    assert (widget.bar.maximum(), widget.bar.value()) == (10, 0)
    assert widget.label.text() == "Starting…"

    widget.on_progress(0, 10, "working")
    assert widget.label.text() == "working|"  # nothing done yet: no time left to estimate
    widget.on_progress(4, 10, "working")
    assert widget.bar.value() == 4
    assert widget.label.text().startswith("working|") and widget.label.text().endswith(" left")
    widget.on_progress(12, 10, "")  # no text from describe: the label stays
    assert widget.bar.value() == 10
    assert widget.label.text().startswith("working|")

    widget.finish("Done.")
    assert not widget.bar.isVisible()
    assert widget.label.text() == "Done."


def test_a_bar_that_stays_is_busy_until_the_first_report_and_full_at_the_end(qtbot):
    widget = JobProgress(
        _describe, bar_name="bar", label_name="status", hide_when_idle=False, label_stretch=0
    )
    qtbot.addWidget(widget)
    widget.show()
    assert widget.bar.isVisible() and widget.bar.maximum() == 1
    widget.start("Preparing…")
    assert widget.bar.maximum() == 0  # busy
    widget.finish()
    assert widget.bar.isVisible()
    assert (widget.bar.maximum(), widget.bar.value()) == (1, 1)
    assert widget.label.text() == "Preparing…"
