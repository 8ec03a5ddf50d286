"""The app shell: worker probe, status bar, About box, clean shutdown."""

from __future__ import annotations

import threading


def test_worker_probe_reports_device_and_closes_cleanly(qtbot, main_window):
    service = main_window.service
    # Wait for the probe's effect, not its signal: once an earlier test has imported torch the
    # probe can finish while pytest-qt processes events after set-up, before a waitSignal.
    qtbot.waitUntil(
        lambda: main_window.device_label.text().startswith("Device: CPU"), timeout=60000
    )
    qtbot.waitUntil(lambda: not service.is_busy(), timeout=5000)
    assert "Worker: idle" == main_window.worker_label.text()
    # Before anything is trained the current model is VADER, and the status bar names it.
    assert main_window.model_label.text().startswith("Model: VADER")
    assert "(not saved)" not in main_window.model_label.text()
    assert "torch" in main_window.about_text()
    main_window.close()
    assert not service.thread.isRunning()


def test_worker_jobs_run_on_worker_thread_and_cancel(qtbot, main_window, monkeypatch):
    from desktop_app import jobs

    seen = {}

    def slow(state, params, ctx):
        seen["thread"] = threading.current_thread().name
        for i in range(200):
            ctx.check_cancelled()
            ctx.progress(i, 200, "working")
            threading.Event().wait(0.01)
        return "done"

    monkeypatch.setitem(jobs.JOBS, "test_slow", f"{__name__}:_slow_handler")
    globals()["_slow_handler"] = slow
    service = main_window.service
    with qtbot.waitSignal(
        service.started, timeout=60000, check_params_cb=lambda j, n: n == "test_slow"
    ):
        job = service.submit("test_slow")
    with qtbot.waitSignal(service.cancelled, timeout=10000) as blocker:
        service.cancel(job)
    assert blocker.args[0] == job
    assert seen["thread"] != threading.main_thread().name


def test_worker_failure_is_reported(qtbot, main_window, monkeypatch):
    from desktop_app import jobs
    from desktop_app.core.errors import DatasetError

    def bad(state, params, ctx):
        raise DatasetError("the file is broken")

    monkeypatch.setitem(jobs.JOBS, "test_bad", f"{__name__}:_bad_handler")
    globals()["_bad_handler"] = bad
    with qtbot.waitSignal(main_window.service.failed, timeout=60000) as blocker:
        main_window.service.submit("test_bad")
    assert blocker.args[1] == "the file is broken"
    assert blocker.args[2] == ""
