"""ModelService.submit(..., after_paint=True): the worker gets the job after the window's
pending paint, in submission order, and Cancel works while the job is held."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel

from desktop_app.worker import ModelService


class PaintLog(QObject):
    """Records, in order, the paints of a widget and the jobs the worker began."""

    def __init__(self, order: list[str]) -> None:
        super().__init__()
        self.order = order

    def eventFilter(self, watched, event):  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.order.append("paint")
        return False


def test_a_held_job_starts_after_the_paint_and_later_jobs_keep_their_order(qtbot):
    service = ModelService()
    try:
        label = QLabel("before")
        qtbot.addWidget(label)
        order: list[str] = []
        log = PaintLog(order)
        label.installEventFilter(log)
        label.show()
        qtbot.waitUntil(lambda: label.windowHandle().isExposed() and "paint" in order)
        order.clear()
        service.started.connect(lambda job_id, name: order.append(f"job {job_id}"))

        label.setText("the run's panel, changed just before the submission")
        first = service.submit("probe", {}, after_paint=True)
        second = service.submit("probe", {})  # not held itself, but behind the held one
        # The rest of the click's handler: a job given to the worker at once has started by
        # now, and its "started" (normal priority) would be handled before the paint.
        time.sleep(0.3)
        assert order == []  # nothing painted or started inside the click's handler
        done: list[int] = []
        first.on_finished(lambda: done.append(first.id))
        second.on_finished(lambda: done.append(second.id))
        qtbot.waitUntil(lambda: len(done) == 2, timeout=30000)

        assert order.index("paint") < order.index(f"job {first.id}")
        assert order.index(f"job {first.id}") < order.index(f"job {second.id}")
        assert done == [first.id, second.id]
    finally:
        service.shutdown()


def test_cancel_while_held_ends_the_job_as_cancelled(qtbot):
    service = ModelService()
    try:
        seen: list[str] = []
        job = service.submit("probe", {}, after_paint=True)
        job.on_result(lambda _value: seen.append("result"))
        job.on_cancelled(lambda: seen.append("cancelled"))
        job.on_finished(lambda: seen.append("finished"))
        job.cancel()
        qtbot.waitUntil(lambda: "finished" in seen, timeout=30000)
        assert seen == ["cancelled", "finished"]
    finally:
        service.shutdown()
