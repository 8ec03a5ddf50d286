"""A model folder to the workers through Ray's object store, so nobody copies it by hand.

The driver reads the folder's files into one object (:func:`pack_folder`, put once with
``ray.put``); each worker writes them under the system's temporary folder, in a folder named
after their content (:func:`unpack_folder`), so the workers of one node share one copy and a
restarted worker finds it there. The whole folder passes through the driver's memory and the
object store: fine for the app's models (MiniLM-L6 is about 90 MB), slow for multi-gigabyte
ones (see README, "Scaling out").
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from desktop_app.core.errors import ModelError

CACHE_DIR = "sentiment-studio-models"
DONE_MARK = ".complete"


def pack_folder(folder: str | os.PathLike[str]) -> dict[str, bytes]:
    """Every file under ``folder`` (no hidden files, no ``__pycache__``): relative path -> bytes."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ModelError(f"Model folder not found: {root}.")
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
            continue
        try:
            files[rel.as_posix()] = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if not files:
        raise ModelError(f"{root} is empty: it holds no model.")
    return files


def folder_digest(files: dict[str, bytes]) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.blake2b(files[name], digest_size=16).digest())
    return digest.hexdigest()


def packed_size(files: dict[str, bytes]) -> int:
    return sum(len(v) for v in files.values())


def unpack_folder(files: dict[str, bytes], root: str | os.PathLike[str] | None = None) -> Path:
    """Write ``files`` to a folder named after their content (reused when complete) and
    return it. Safe when several workers of one node do it at once."""
    base = Path(root) if root is not None else Path(tempfile.gettempdir()) / CACHE_DIR
    target = base / folder_digest(files)
    if (target / DONE_MARK).is_file():
        return target
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="incoming-", dir=base))
    for name, data in files.items():
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (staging / DONE_MARK).write_text("", encoding="utf-8")
    try:
        staging.rename(target)  # atomic; another worker may have won the race
    except OSError:
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
        if not (target / DONE_MARK).is_file():
            raise
    return target
