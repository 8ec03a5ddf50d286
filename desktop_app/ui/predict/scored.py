"""What the Predict tab says about a file's figures: which rows were scored, which were left
out because the model saw them, the intervals, and the file's own classes.

The figures are the core's (``score`` in the ``predict_batch`` job's result:
:func:`desktop_app.core.training.evaluate.score_rows`, the report ``evaluate`` prints); this
module only words them. Plain functions, no widgets.
"""

from __future__ import annotations

import html
from typing import Any

UNKNOWN_LABELS = "labels the model does not know"  # predict_batch words that warning already


def _figure(report: dict[str, Any], key: str) -> str:
    from desktop_app.core.training.metrics import format_figure

    value = report.get(key)
    if not isinstance(value, (int, float)):
        return "–"
    n = report.get("n", report.get("rows"))
    return format_figure(float(value), report.get(f"{key}_ci"), int(n) if n else None)


def score_html(score: dict[str, Any]) -> str:
    """The metric line: "Accuracy 0.750 (0.51–0.90, n = 16), macro-F1 … on the 16 labelled
    rows the model never saw; left out 1,600 rows it saw (1,200 train, 400 validation)."
    then the figures within the file's classes and the warnings, one per line."""
    rows = int(score.get("rows") or 0)
    excluded = int(score.get("excluded_seen") or 0)
    by_split = score.get("seen_by_split") or {}
    splits = ", ".join(f"{int(n):,} {name}" for name, n in by_split.items() if n)
    guard = score.get("guard")
    if rows:
        never = " the model never saw" if guard == "applied" else ""
        text = (
            f"<b>Accuracy {_figure(score, 'accuracy')}</b>, macro-F1 "
            f"{_figure(score, 'macro_f1')} on the {rows:,} labelled rows{never}"
        )
    else:
        text = "<b>No accuracy</b>: no labelled row is left to score"
    if excluded:
        text += f"; left out {excluded:,} rows the model saw ({splits})"
    elif guard == "included" and score.get("seen_rows"):
        text += f", including {int(score['seen_rows']):,} rows the model saw ({splits})"
    text += "."
    within = score.get("within_file_classes")
    if within:
        classes = ", ".join(str(x) for x in score.get("file_labels") or [])
        text += (
            f"<br>Within the file's classes ({html.escape(classes)}): accuracy "
            f"<b>{_figure(within, 'accuracy')}</b>, macro-F1 {_figure(within, 'macro_f1')} "
            "(each row's choice restricted to those classes)."
        )
    for warning in score.get("warnings") or []:
        if UNKNOWN_LABELS not in str(warning):
            text += f"<br>⚠ {html.escape(str(warning))}"
    return text
