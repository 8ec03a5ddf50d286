"""Training runs kept in the project: kind, settings, metrics, history and the model folder.

:class:`RunRecords` is mixed into :class:`~desktop_app.core.project.store.ProjectStore`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from desktop_app.core.project.access import loads


class RunRecords:
    """The project's training runs (a mixin; see ProjectStore)."""

    # -- training runs ----------------------------------------------------------------------
    def add_training_run(
        self,
        kind: str,
        config: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        history: dict[str, Any] | None = None,
        model_folder: str | None = None,
        fingerprint: str | None = None,
    ) -> int:
        with self._transaction():
            cursor = self._conn.execute(
                "INSERT INTO training_runs(created_at, kind, config, metrics, history, "
                "model_folder, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (time.time(), kind, json.dumps(config or {}), json.dumps(metrics or {}),
                 json.dumps(history or {}), model_folder, fingerprint),
            )  # fmt: skip
        return int(cursor.lastrowid or 0)

    def set_run_model_folder(self, run_id: int, folder: str) -> None:
        with self._transaction():
            self._conn.execute(
                "UPDATE training_runs SET model_folder = ? WHERE id = ?", (folder, int(run_id))
            )

    def training_runs(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r[0], "created_at": r[1], "kind": r[2], "config": loads(r[3], {}),
                "metrics": loads(r[4], {}), "history": loads(r[5], {}), "model_folder": r[6],
                "fingerprint": r[7],
            }
            for r in self._conn.execute(
                "SELECT id, created_at, kind, config, metrics, history, model_folder, fingerprint "
                "FROM training_runs ORDER BY id"
            )
        ]  # fmt: skip

    def last_model_folder(self) -> str | None:
        """The newest training run's saved model folder that still exists."""
        for r in self._conn.execute(
            "SELECT model_folder FROM training_runs WHERE model_folder IS NOT NULL ORDER BY id DESC"
        ):
            if r[0] and Path(r[0]).is_dir():
                return str(r[0])
        return None
