"""GUI fixtures: every GUI test checks that no QThread is left running."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _threads_checked(no_dangling_qthreads):
    yield no_dangling_qthreads


@pytest.fixture
def main_window(qtbot, _isolated_home):
    """A MainWindow with isolated settings, closed (and its worker stopped) at the end."""
    from PySide6.QtCore import QSettings

    from desktop_app.ui.main_window import MainWindow

    settings = QSettings(str(_isolated_home / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


@pytest.fixture
def quit_without_asking(monkeypatch):
    """Closing the window never waits on the "Quit anyway?" question (a modal dialog would
    block the test); returns the questions that would have been asked."""
    from desktop_app.ui.training import dialogs

    asked: list[str] = []

    def ask(parent, text):
        asked.append(text)
        return True

    monkeypatch.setattr(dialogs, "ask_quit", ask)
    return asked


def announce_model(window, info: dict) -> None:
    """Make the app believe the worker announced ``info`` as its current model.

    For tests of how tabs show a model they did not train; the one place that stands in for
    the worker's own announcement (``ModelService.model_changed``).
    """
    window.service._on_model_changed({"id": f"test-{id(info)}", **info})
