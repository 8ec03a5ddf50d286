"""The file panel's background work (TaskRunner thread; no Qt): read a file, re-pick its
columns, take the workspace's rows, write the results table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_app.core.jobs import JobContext


@dataclass
class BatchData:
    """A file read for batch prediction: the dataset and its texts / true labels as lists."""

    dataset: Any  # desktop_app.core.data.dataset.Dataset
    source: str  # a path, "nltk:NAME", or "the Dataset tab" / "the project" (the workspace)
    texts: list[str]
    labels: list[str | None] | None  # None when no label column is picked
    version: int | None = None  # the workspace's version when its rows were taken
    row_ids: list[int] | None = None  # a project's row ids, one per row (for Relabel)
    source_rows: list[int] | None = None  # each text's row in the file (exports' source_row)


def batch_data(
    dataset: Any, source: str, version: int | None = None, row_ids: list[int] | None = None
) -> BatchData:
    """The texts and (when a label column is picked) the true labels of ``dataset``."""
    frame = dataset.frame
    texts = frame["text"].astype(str).tolist()
    labels = None
    if dataset.report.label_column:
        labels = [None if v is None or v != v else str(v) for v in frame["label"].tolist()]
        if all(v is None for v in labels):
            labels = None
    if row_ids is not None and len(row_ids) != len(texts):
        row_ids = None  # not one id per row: no Relabel rather than the wrong row
    rows = frame["source_row"].astype(int).tolist() if "source_row" in frame.columns else None
    return BatchData(dataset, source, texts, labels, version, row_ids=row_ids, source_rows=rows)


def load_batch_file(path: str, ctx: JobContext) -> BatchData:
    """Read ``path`` with the Dataset tab's loader (encoding, delimiter, columns detected)."""
    from desktop_app.core.data.dataset import load_dataset

    dataset = load_dataset(path, None, ctx=ctx)
    ctx.check_cancelled()
    return batch_data(dataset, path)


def recolumn_batch(
    data: BatchData, text_column: str, label_column: str, ctx: JobContext
) -> BatchData:
    dataset = data.dataset.with_columns(text_column, label_column or "")
    ctx.check_cancelled()
    return batch_data(dataset, data.source, data.version, data.row_ids)


def from_workspace(
    dataset: Any, source: str, version: int, row_ids: list[int] | None, ctx: JobContext
) -> BatchData:
    """The rows the workspace held (at ``version``) when the user asked; ``row_ids``: an
    open project's row ids in the dataset's order."""
    return batch_data(dataset, source, version, row_ids)


def export_results(
    texts: list[str],
    result: dict,
    true_labels: list | None,
    path: str,
    fmt: str,
    protect: bool,
    ctx: JobContext,
    dataset: Any = None,
    keep_columns: bool = False,
) -> dict:
    """Write the results; with ``keep_columns`` and the ``dataset`` they came from, the
    file's other columns go first (as ``predict --file --keep-columns`` writes them)."""
    from desktop_app.core.data.export import write_table
    from desktop_app.core.predict.rows import with_file_columns

    rows = export_rows(texts, result, true_labels)
    if keep_columns and dataset is not None and "source_row" in dataset.frame.columns:
        rows = with_file_columns(rows, dataset, true_labels is not None)
    ctx.check_cancelled()
    return write_table(rows, path, protect_formulas=protect, format=fmt)


def export_rows(texts: list[str], result: dict, true_labels: list | None) -> list[dict]:
    """The rows a prediction export writes, with the command line's columns: ``source_row``
    first, then text, predicted, ..., ``seen`` (the model saw the row: "train",
    "validation" or "") and ``model`` (run name and id)."""
    from desktop_app.core.predict.batch import results_rows

    source_rows = result.get("source_rows") or list(range(len(texts)))
    rows = results_rows(texts, result, true_labels, extra={"source_row": source_rows})
    seen = result.get("seen") or [""] * len(rows)
    name = result.get("model_label") or (result.get("model") or {}).get("name") or ""
    for row, was_seen in zip(rows, seen, strict=True):
        row["seen"] = was_seen
        row["model"] = name
    return rows
