"""The rows a file prediction writes, built in one place for every engine.

``predict --file`` (the local engine) and the Ray engine's workers both call
:func:`file_rows`, so their outputs have the same columns with the same values:
``source_row``, the columns of :func:`~desktop_app.core.predict.batch.results_rows` (text,
predicted, confidence, ``p_<label>``, ..., true_label / correct with true labels), then
``seen`` (the leakage guard: "train", "validation" or "") and ``model`` (which model).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop_app.core.guard import Guarded, guard_rows
from desktop_app.core.predict.batch import results_rows


def file_rows(
    model: Any,
    texts: Sequence[str],
    result: dict,
    true_labels: Sequence[Any] | None,
    source_rows: Sequence[int],
    *,
    include_seen: bool = False,
    model_name: str | None = None,
) -> tuple[list[dict[str, Any]], Guarded]:
    """Rows for ``texts`` and their ``predict_batch`` ``result``, and the guard's view of
    them (for the accuracy). ``model_name``: the ``model`` column (default: the model's
    :func:`~desktop_app.core.runs.record.model_label`; a worker that loaded a copy of the
    folder passes the driver's)."""
    from desktop_app.core.runs.record import model_label

    guarded = guard_rows(model, texts, include_seen=include_seen)
    name = model_label(model) if model_name is None else model_name
    rows = results_rows(texts, result, true_labels, extra={"source_row": list(source_rows)})
    for row, seen in zip(rows, guarded.seen, strict=True):
        row["seen"] = seen  # "train" / "validation" / "": every row is written
        row["model"] = name
    return rows, guarded
