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
    reports: list = []
    job.on_progress(reports.append)
    qtbot.waitUntil(lambda: len(reports) >= 2, timeout=10000)
    with qtbot.waitSignal(job.cancelled, timeout=10000):
        job.cancel()
    assert job.status == "cancelled" and not job.active
    assert seen["thread"] != threading.main_thread().name
    # Progress reached the handle as plain data, with the time left computed by the core.
    assert reports[-1].message == "working" and reports[-1].total == 200
    assert reports[-1].time_left.endswith("left")


def test_a_handle_routes_only_its_own_job(qtbot, main_window, monkeypatch):
    """Two jobs at once: each handle hears its own result; a late binding still hears it."""
    from desktop_app import jobs

    def echo(state, params, ctx):
        ctx.partial("echo", params["value"])
        return params["value"] * 2

    monkeypatch.setitem(jobs.JOBS, "test_echo", f"{__name__}:_echo_handler")
    globals()["_echo_handler"] = echo
    service = main_window.service
    first, second = (
        service.submit("test_echo", {"value": 1}),
        service.submit("test_echo", {"value": 5}),
    )
    got: dict[str, list] = {"first": [], "second": [], "partials": []}
    first.on_result(got["first"].append).on_partial(lambda k, p: got["partials"].append(p))
    second.on_result(got["second"].append)
    qtbot.waitUntil(lambda: not first.active and not second.active, timeout=60000)
    assert got == {"first": [2], "second": [10], "partials": [1]}
    late: list = []
    second.on_result(late.append).on_finished(lambda: late.append("finished"))
    assert late == [10, "finished"]


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


def test_ctrl_number_switches_tabs_and_help_lists_every_key(qtbot, main_window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QTableWidget, QTextBrowser

    for number, name in ((2, "trainingTab"), (5, "labelTab"), (1, "datasetTab")):
        qtbot.keyClick(
            main_window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier
        )
        assert main_window.tabs.currentWidget().objectName() == name
    main_window.show_shortcuts()
    dialog = main_window.findChild(QDialog, "shortcutsDialog")
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    rows = {table.item(i, 1).text(): table.item(i, 0).text() for i in range(table.rowCount())}
    assert "Ctrl+O" in rows["Open dataset"]
    assert "Ctrl+2" in rows["2 Training"]
    assert any("Start training" in what for what in rows)
    assert any("Undo my last label" in what and "Backspace" in keys for what, keys in rows.items())
    dialog.close()
    main_window.show_guide()
    guide = main_window.findChild(QTextBrowser, "guideText")
    assert "first ten minutes" in guide.toPlainText().lower()


def test_the_window_fits_a_1024_by_700_screen(qtbot, main_window):
    main_window.resize(1024, 700)
    qtbot.waitUntil(lambda: main_window.width() == 1024, timeout=5000)
    assert main_window.minimumSizeHint().width() <= 1024
    assert main_window.minimumSizeHint().height() <= 700
    for index in range(main_window.tabs.count()):
        main_window.tabs.setCurrentIndex(index)
        tab = main_window.tabs.currentWidget()
        hint = tab.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 640, (tab.objectName(), hint)


def test_closing_before_the_first_event_loop_turn_is_quiet(qtbot, _isolated_home):
    """A window closed before Qt ran its first timers (a quick Quit, a script) raises
    nothing from the tabs' start-up work queued for later."""
    from PySide6.QtCore import QSettings

    from desktop_app.ui.main_window import MainWindow

    settings = QSettings(str(_isolated_home / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.close()
    qtbot.wait(100)  # the queued warm-ups run now; pytest-qt fails the test on an exception
