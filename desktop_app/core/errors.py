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


# CSI sequences (colours, bold) and other two-character escapes that libraries put in messages.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


def plain_message(text: str) -> str:
    """``text`` without terminal escape codes, for dialogs, logs and one-line CLI errors."""
    return _ANSI.sub("", str(text))
