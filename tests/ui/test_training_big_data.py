"""A big file's training data is prepared off the GUI thread when Start is clicked (a million
rows took 0.5-1 s, during which the window froze), and Cancel works while it is prepared."""

from __future__ import annotations

import threading
import time

import pytest

from tests.ui.training_helpers import (
    MPL_WARNING,
    click,
    is_train,
    set_tiny_bilstm,
    split_dataset,
    training_tab,
)

pytestmark = [MPL_WARNING, pytest.mark.usefixtures("quit_without_asking")]


@pytest.fixture
def big(monkeypatch, tmp_path):
    """The 120-row data set counts as big; the preparation records its thread and can wait."""
    import desktop_app.core.training.data as training_data
    from desktop_app.ui import workspace

    monkeypatch.setattr(workspace, "BACKGROUND_PREPARE_ROWS", 100)
    calls: list[str] = []
    gate = threading.Event()
    gate.set()
    real = training_data.prepare_training_data

    def prepare(*args, **kwargs):
        calls.append(threading.current_thread().name)
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(training_data, "prepare_training_data", prepare)
    return split_dataset(tmp_path), calls, gate


def test_a_big_file_is_prepared_off_the_gui_thread_then_trained(qtbot, main_window, big):
    dataset, calls, gate = big
    gate.clear()  # the preparation waits until the test has looked at the tab
    main_window.state.workspace.set_dataset(dataset)
    tab = training_tab(main_window)
    set_tiny_bilstm(tab)

    click(qtbot, tab.start_button)
    # Back from the click at once, while the data is being prepared elsewhere.
    assert "Preparing the training data" in tab.progress_label.text()
    assert not tab.start_button.isEnabled() and tab.cancel_button.isEnabled()
    with qtbot.waitSignal(main_window.service.result, timeout=60000, check_params_cb=is_train):
        gate.set()
    assert calls and calls[0] != threading.main_thread().name
    qtbot.waitUntil(lambda: tab.start_button.isEnabled(), timeout=10000)
    assert "72 train · 24 validation · 24 test" in tab.run_panel.run_label.text()
    assert tab.metrics_view.table.rowCount() > 0


def test_cancel_while_preparing_trains_nothing(qtbot, main_window, big):
    dataset, calls, gate = big
    gate.clear()
    main_window.state.workspace.set_dataset(dataset)
    tab = training_tab(main_window)
    set_tiny_bilstm(tab)
    jobs: list[str] = []
    main_window.service.started.connect(lambda _job_id, name: jobs.append(name))

    click(qtbot, tab.start_button)
    click(qtbot, tab.cancel_button)
    gate.set()
    qtbot.waitUntil(lambda: tab.start_button.isEnabled(), timeout=10000)
    time.sleep(0.2)
    qtbot.wait(100)  # a train job would have been handed to the worker by now
    assert "train" not in jobs
    assert "Cancelled while preparing the training data" in tab.log_view.toPlainText()
    assert tab.progress_label.text().startswith("Cancelled")
    assert not tab.is_training()
