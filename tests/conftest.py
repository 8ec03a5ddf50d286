"""Test set-up: offscreen Qt, isolated HOME/QSettings, offline hub, no dangling threads."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """HOME, XDG folders and QSettings point at a temporary folder for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QSettings

        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / ".config"))
    yield home


@pytest.fixture
def shared_data() -> Path:
    """The real data beside the project (../shared/data); skips when it is absent."""
    if not (SHARED_DATA / "sentiment").is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (it lives beside the project)")
    return SHARED_DATA


@pytest.fixture
def no_dangling_qthreads(monkeypatch: pytest.MonkeyPatch):
    """Fail the test if a QThread it started is still running at the end (napari's idea)."""
    from PySide6.QtCore import QThread

    started: list[QThread] = []
    original = QThread.start

    def start(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start)
    yield started
    running = [t.objectName() or repr(t) for t in started if _is_running(t)]
    assert not running, f"test left QThreads running: {running}"


def _is_running(thread) -> bool:  # type: ignore[no-untyped-def]
    try:
        return bool(thread.isRunning())
    except RuntimeError:  # the C++ object is already deleted: not running
        return False
