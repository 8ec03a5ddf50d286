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
    precision: str = "fp32",
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
        row["precision"] = precision  # which precision produced the row, next to which model
    return rows, guarded


def with_file_columns(rows: list[dict], data: Any, has_labels: bool) -> list[dict]:
    """The results with the file's columns other than the text (and the true-label) column,
    as text, after ``source_row``; a name the results use too gets an ``orig_`` prefix.

    ``rows`` carry ``source_row`` (the file row of each result); ``data`` is the
    :class:`~desktop_app.core.data.dataset.Dataset` they were read from. ``predict --file
    --keep-columns`` and the Predict tab's export both write them so."""
    from desktop_app.core.data.export import cells_as_text, kept_names

    if not rows:
        return rows
    report = data.report
    skip = {report.text_column} | ({report.label_column} if has_labels else set())
    names = [str(c) for c in data.raw.columns if str(c) not in skip]
    taken = data.frame["source_row"].to_numpy()
    columns = {
        new: cells_as_text(data.raw[name].take(taken))
        for name, new in zip(names, kept_names(names, rows[0]), strict=True)
    }
    out = []
    for i, row in enumerate(rows):
        merged = {"source_row": row["source_row"]}
        merged.update((name, values[i]) for name, values in columns.items())
        merged.update(row)
        out.append(merged)
    return out
