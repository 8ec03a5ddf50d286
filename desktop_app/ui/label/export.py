"""Export the project's labels from the Label tab (CSV, JSON lines or Excel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.ui.dialogs import show_error

EXPORT_FILTER = "CSV (*.csv);;JSON lines (*.jsonl);;Excel (*.xlsx)"
EXPORT_DIR_KEY = "export_dir"


def choose_export_path(parent: QWidget, settings: QSettings, project_path: str) -> str | None:
    """Ask where to export (the last export folder first); None when cancelled."""
    start = str(settings.value(EXPORT_DIR_KEY, str(Path.home())))
    suggested = str(Path(start) / (Path(project_path).stem + "-labels.csv"))
    path, chosen = QFileDialog.getSaveFileName(parent, "Export labels", suggested, EXPORT_FILTER)
    if not path:
        return None
    if not Path(path).suffix:
        path += ".xlsx" if "xlsx" in chosen else ".jsonl" if "jsonl" in chosen else ".csv"
    settings.setValue(EXPORT_DIR_KEY, str(Path(path).parent))
    return path


def export_labels(
    parent: QWidget, store: Any, path: str, labelled_only: bool, protect_formulas: bool
) -> tuple[dict | None, str]:
    """Write every row (or the labelled ones) with its current label: (report, message), or
    (None, "") after showing why it could not."""
    from desktop_app.core.errors import UserError

    try:
        report = store.export(path, labelled_only=labelled_only, protect_formulas=protect_formulas)
    except UserError as exc:
        show_error(parent, "Export labels", str(exc))
        return None, ""
    extra = (
        f" ({report['neutralised_cells']:,} cells protected against formulas)"
        if report.get("neutralised_cells")
        else ""
    )
    return report, f"Exported {report['rows']:,} rows to {path}{extra}"
