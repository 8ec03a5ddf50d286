"""Where training runs are kept: one folder per run in a *place*, newest first.

A place is a folder of runs: the user's (``<data dir>/runs``: on Linux
``~/.local/share/sentiment-studio/runs``; ``SENTIMENT_STUDIO_HOME`` replaces the data dir) or
a project's (``<project>.models`` beside ``<project>.sstudio``, where the Label tab already
saves its retrained models). Each run is a folder named by its id::

    20250105-140312-a1b2/
        run.json               id, name, created, pinned, kind, data, fingerprint, sizes,
                               metrics (with per-class, confusion matrix, intervals), baseline,
                               history (loss curves), config, ...
        test_predictions.json  per test row: text hash, true and predicted class (McNemar)
        model/                 the model files (training.json, weights, seen_texts.safetensors)

``run.json`` is written last and atomically: a folder without it is an unfinished run and
is not listed. The place keeps the newest ``keep`` unpinned runs (20 unless
``registry.json`` says otherwise); pinned runs are never removed. JSON only, no pickle.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.errors import UserError

RUN_FILE = "run.json"
PREDICTIONS_FILE = "test_predictions.json"
MODEL_DIR = "model"
SETTINGS_FILE = "registry.json"
DEFAULT_KEEP = 20
RUN_FORMAT = 1
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{4}$")
UNFINISHED_AFTER_S = 3600  # an id folder without run.json this old is a crashed run: removed


def default_runs_folder() -> Path:
    """The user's runs folder (``SENTIMENT_STUDIO_HOME`` replaces the data directory)."""
    from desktop_app.paths import user_data_dir

    return user_data_dir() / "runs"


def project_runs_folder(project: str | Path) -> Path:
    """A project's runs stay with it: ``<name>.models`` beside ``<name>.sstudio``."""
    path = Path(project).expanduser()
    return path.with_name(path.stem + ".models")


def runs_folder_for(source: str | Path | None) -> Path:
    """The place a run trained on ``source`` (a data file or a project) belongs to."""
    if source is not None and str(source).lower().endswith(".sstudio"):
        return project_runs_folder(source)
    return default_runs_folder()


def write_json(path: Path, document: Any) -> None:
    """Write ``document`` atomically (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def folder_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                pass
    return total


@dataclass
class RunRecord:
    """One run: its folder and what ``run.json`` holds."""

    folder: Path
    info: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.info.get("id") or self.folder.name)

    @property
    def name(self) -> str:
        return str(self.info.get("name") or self.id)

    @property
    def pinned(self) -> bool:
        return bool(self.info.get("pinned"))

    @property
    def created_ts(self) -> float:
        return float(self.info.get("created_ts") or 0.0)

    @property
    def model_folder(self) -> Path:
        return self.folder / MODEL_DIR

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.info.get("metrics") or {})

    def label(self) -> str:
        """``name (id)``: how exports and the app name a model that came from this run."""
        return f"{self.name} ({self.id})"

    def summary(self) -> dict[str, Any]:
        """What ``runs list --json`` shows per run."""
        metrics = self.metrics
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.info.get("kind"),
            "created": self.info.get("created"),
            "folder": str(self.folder),
            "pinned": self.pinned,
            "data": self.info.get("data"),
            "metrics": {
                "accuracy": metrics.get("accuracy"),
                "accuracy_ci": metrics.get("accuracy_ci"),
                "macro_f1": metrics.get("macro_f1"),
                "macro_f1_ci": metrics.get("macro_f1_ci"),
                "n": metrics.get("n"),
            },
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything ``run.json`` holds plus the folders."""
        return {
            **self.info,
            "id": self.id,
            "name": self.name,
            "pinned": self.pinned,
            "folder": str(self.folder),
            "model_folder": str(self.model_folder),
        }


class RunRegistry:
    """The runs of one place (see the module docstring). Safe to use from several processes:
    each write replaces one file atomically; a run another process removed is skipped."""

    def __init__(self, folder: str | Path | None = None, keep: int | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder is not None else default_runs_folder()
        self._keep = keep

    @classmethod
    def for_project(cls, project: str | Path, keep: int | None = None) -> RunRegistry:
        return cls(project_runs_folder(project), keep)

    # -- settings -------------------------------------------------------------------------
    @property
    def keep(self) -> int:
        """How many unpinned runs the place keeps (``registry.json`` ``keep``, default 20)."""
        if self._keep is not None:
            return self._keep
        try:
            value = json.loads((self.folder / SETTINGS_FILE).read_text(encoding="utf-8"))["keep"]
            return max(1, int(value))
        except (OSError, ValueError, KeyError, TypeError):
            return DEFAULT_KEEP

    def set_keep(self, keep: int) -> list[str]:
        """Keep the newest ``keep`` unpinned runs here from now on; prunes at once."""
        if keep < 1:
            raise UserError("Keep at least one run (pinned runs are kept in any case).")
        self._make_folder()
        write_json(self.folder / SETTINGS_FILE, {"keep": int(keep)})
        self._keep = None
        return self.prune()

    # -- reading --------------------------------------------------------------------------
    def runs(self) -> list[RunRecord]:
        """Every finished run, newest first."""
        records = []
        if not self.folder.is_dir():
            return records
        for child in self.folder.iterdir():
            record = self.read(child)
            if record is not None:
                records.append(record)
        records.sort(key=lambda r: (r.created_ts, r.id), reverse=True)
        return records

    def read(self, folder: Path) -> RunRecord | None:
        """The run in ``folder``, or None when it holds none (yet)."""
        try:
            info = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # not a run, an unfinished one, or removed meanwhile
        return RunRecord(folder, info) if isinstance(info, dict) else None

    def get(self, ref: str) -> RunRecord:
        """The run with id ``ref``, the one id starting with ``ref``, or the one named ``ref``."""
        ref = str(ref).strip()
        runs = self.runs()
        for wanted in (
            [r for r in runs if r.id == ref],
            [r for r in runs if ref and r.id.startswith(ref)],
            [r for r in runs if r.name == ref],
        ):
            if len(wanted) == 1:
                return wanted[0]
            if len(wanted) > 1:
                raise UserError(
                    f"{ref!r} matches {len(wanted)} runs ({', '.join(r.id for r in wanted[:5])}): "
                    "give more of the id."
                )
        raise UserError(
            f"No run {ref!r} in {self.folder}. `sentiment-studio runs list` shows the runs kept "
            "there (a project's runs: add --project PROJECT)."
        )

    def test_predictions(self, record: RunRecord) -> dict[str, list] | None:
        """``{"hashes", "true", "predicted"}`` of the run's test rows, or None."""
        try:
            doc = json.loads((record.folder / PREDICTIONS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not all(isinstance(doc.get(key), list) for key in ("hashes", "true", "predicted")):
            return None
        return doc

    def disk_usage(self) -> int:
        """Bytes the place's runs take (models included)."""
        return sum(folder_size(r.folder) for r in self.runs())

    # -- writing --------------------------------------------------------------------------
    def _make_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"Cannot create the runs folder {self.folder}: {exc.strerror or exc}. Set "
                "SENTIMENT_STUDIO_HOME to a folder you can write to."
            ) from exc

    def new_run_folder(self, created: float | None = None) -> tuple[str, Path]:
        """A new, empty run folder and its id (``YYYYMMDD-HHMMSS-xxxx``)."""
        self._make_folder()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(created or time.time()))
        while True:
            run_id = f"{stamp}-{secrets.token_hex(2)}"
            folder = self.folder / run_id
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return run_id, folder

    def write(self, record: RunRecord) -> RunRecord:
        """Write ``record``'s ``run.json`` (last: from then on the run is listed)."""
        write_json(record.folder / RUN_FILE, {"format": RUN_FORMAT, **record.info})
        return record

    def rename(self, ref: str, name: str) -> RunRecord:
        name = " ".join(str(name).split())
        if not name:
            raise UserError("Give the run a name with at least one character.")
        record = self.get(ref)
        record.info["name"] = name
        return self.write(record)

    def pin(self, ref: str, pinned: bool = True) -> RunRecord:
        """Pinned runs are never pruned."""
        record = self.get(ref)
        record.info["pinned"] = bool(pinned)
        return self.write(record)

    def delete(self, ref: str) -> RunRecord:
        record = self.get(ref)
        self._remove(record.folder)
        return record

    def _remove(self, folder: Path) -> None:
        # run.json first, so a half-removed run is never listed
        try:
            (folder / RUN_FILE).unlink(missing_ok=True)
        except OSError as exc:
            raise UserError(f"Cannot remove the run in {folder}: {exc.strerror or exc}.") from exc
        shutil.rmtree(folder, ignore_errors=True)

    def prune(self) -> list[str]:
        """Remove unpinned runs beyond the newest :attr:`keep`, and unfinished run folders
        older than an hour; returns the ids removed."""
        removed = []
        unpinned = [r for r in self.runs() if not r.pinned]
        for record in unpinned[self.keep :]:
            self._remove(record.folder)
            removed.append(record.id)
        if self.folder.is_dir():
            now = time.time()
            for child in self.folder.iterdir():
                if (
                    ID_PATTERN.match(child.name)
                    and child.is_dir()
                    and not (child / RUN_FILE).exists()
                    and now - child.stat().st_mtime > UNFINISHED_AFTER_S
                ):
                    shutil.rmtree(child, ignore_errors=True)
        return removed


def format_bytes(n: int) -> str:
    """``1.2 GB``, ``340.5 MB``, ``12 kB``."""
    if n < 1000:
        return f"{n} B"
    if n < 1000**2:
        return f"{n / 1000:.0f} kB"
    if n < 1000**3:
        return f"{n / 1000**2:.1f} MB"
    return f"{n / 1000**3:.1f} GB"
