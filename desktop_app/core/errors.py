"""Errors a user can cause. Their message says what happened and what to do."""

from __future__ import annotations

import re


class UserError(Exception):
    """An expected error (bad file, wrong column, no model): shown as a plain message."""


class DatasetError(UserError):
    """A data file could not be loaded or used."""


class ModelError(UserError):
    """A model could not be found, loaded, trained or used."""


class ProjectError(UserError):
    """A project file could not be opened or written."""


class Cancelled(Exception):
    """Raised inside a job when the user cancelled it."""


class ProjectReadOnly(ProjectError):
    """The project can be read but not written here (permissions, a read-only folder, opened
    read-only on purpose, or another app instance took it over)."""


class ProjectLocked(ProjectError):
    """Another program held the project's write lock for longer than the store waits.

    ``holder`` is the app instance that has the project open (a ``Holder``), or None when
    unknown: then another program (an SQLite browser, a backup tool) holds the lock.
    """

    def __init__(self, message: str, holder: object = None) -> None:
        super().__init__(message)
        self.holder = holder


class ProjectInUse(ProjectError):
    """Another live app instance has the project open for labelling (``holder`` says which)."""

    def __init__(self, message: str, holder: object) -> None:
        super().__init__(message)
        self.holder = holder


# CSI sequences (colours, bold) and other two-character escapes that libraries put in messages.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


def plain_message(text: str) -> str:
    """``text`` without terminal escape codes, for dialogs, logs and one-line CLI errors."""
    return _ANSI.sub("", str(text))
