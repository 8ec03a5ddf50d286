"""Audit records: which model (by a hash of its files), which settings, which versions, when.

An exported explanation carries one so that someone else can check it: the fingerprint
changes when any file of the model folder changes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from pathlib import Path
from typing import Any

_FINGERPRINTS: dict[tuple, str] = {}


def folder_fingerprint(folder: str | os.PathLike) -> str:
    """SHA-256 over the relative paths and contents of every file under ``folder``.

    Cached by (path, size, mtime) of the files so a second call on an unchanged folder is
    cheap. Returns ``"sha256:<hex>"``.
    """
    root = Path(folder)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    key = (str(root.resolve()),) + tuple(
        (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in files
    )
    if key in _FINGERPRINTS:
        return _FINGERPRINTS[key]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    result = "sha256:" + digest.hexdigest()
    _FINGERPRINTS[key] = result
    return result


def model_fingerprint(model: Any) -> str:
    """``"vader"`` for VADER, the folder fingerprint for a saved model, else ``"unsaved"``."""
    if getattr(model, "kind", None) == "vader":
        return "vader"
    folder = getattr(model, "folder", None)
    if folder and Path(folder).is_dir():
        return folder_fingerprint(folder)
    return "unsaved"


def package_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def now_iso() -> str:
    """The current date and time, UTC, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def model_audit(model: Any) -> dict[str, Any]:
    """The model part of an audit record."""
    from desktop_app import __version__

    return {
        "model_name": str(getattr(model, "name", type(model).__name__)),
        "model_kind": str(getattr(model, "kind", "?")),
        "model_folder": getattr(model, "folder", None),
        "model_fingerprint": model_fingerprint(model),
        "label_names": [str(x) for x in getattr(model, "labels", [])],
        "app_version": __version__,
        "created": now_iso(),
    }
