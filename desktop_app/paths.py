"""Where things live: bundled resources (source or PyInstaller), user log and data folders.

One helper for resources that works from source and inside the frozen bundle
(``sys._MEIPASS``), as vorta's ``get_asset`` does. No Qt here: headless commands use it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from desktop_app import APP_ID


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def app_root() -> Path:
    """The folder that holds ``resources/``: the repository root, or the bundle."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def resource(*parts: str) -> Path:
    """Path of a file under ``resources/`` (exists from source and in the bundle)."""
    return app_root().joinpath("resources", *parts)


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def user_data_dir() -> Path:
    """The app's data folder (runs, and logs/cache on Windows). ``SENTIMENT_STUDIO_HOME``
    replaces it: for tests and portable installs."""
    override = os.environ.get("SENTIMENT_STUDIO_HOME")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", _home() / "AppData" / "Local"))
        return base / APP_ID
    if sys.platform == "darwin":
        return _home() / "Library" / "Application Support" / APP_ID
    return Path(os.environ.get("XDG_DATA_HOME", _home() / ".local" / "share")) / APP_ID


def user_log_dir() -> Path:
    if sys.platform == "win32":
        return user_data_dir() / "logs"
    if sys.platform == "darwin":
        return _home() / "Library" / "Logs" / APP_ID
    return Path(os.environ.get("XDG_STATE_HOME", _home() / ".local" / "state")) / APP_ID / "log"


def user_cache_dir() -> Path:
    if sys.platform == "win32":
        return user_data_dir() / "cache"
    if sys.platform == "darwin":
        return _home() / "Library" / "Caches" / APP_ID
    return Path(os.environ.get("XDG_CACHE_HOME", _home() / ".cache")) / APP_ID


def log_file() -> Path:
    return user_log_dir() / f"{APP_ID}.log"
