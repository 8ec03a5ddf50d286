"""The Dataset tab's background work: load, re-pick columns, re-split, and prepare the view.

These functions run on a :class:`~desktop_app.ui.background.TaskRunner` thread, never on the
GUI thread. Besides calling the core they do everything the GUI would otherwise have to do
with a million rows: statistics, the arrays behind the table, counts per split and class,
and the matplotlib import. The GUI thread then only swaps in the finished
:class:`PreparedDataset`. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.jobs import JobContext

SPLITS = ("train", "validation", "test")
MAX_LABEL_VALUES = 200  # more distinct values than this is not a label column


@dataclass
class SplitSettings:
    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1
    seed: int = 0


@dataclass
class PreparedDataset:
    """A dataset plus everything the Dataset tab shows, computed off the GUI thread."""

    dataset: Any  # desktop_app.core.dataset.Dataset
    stats: Any  # desktop_app.core.dataset.DatasetStats
    rows: Any  # numpy arrays, one entry per row of dataset.frame
    texts: Any
    labels: Any
    splits: Any
    label_values: list[tuple[str, int, str]] = field(default_factory=list)  # raw, rows, name
    label_note: str = ""
    split_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # class -> split -> n
    unsplit: int = 0


def load(path: str, options: Any, split: SplitSettings, ctx: JobContext) -> PreparedDataset:
    """Load ``path`` with ``options`` (a core ``LoadOptions``), split it, prepare the view."""
    from desktop_app.core.dataset import load_dataset

    dataset = load_dataset(path, options, ctx=ctx)
    ctx.check_cancelled()
    return _split_and_prepare(dataset, split, ctx)


def recolumn(
    dataset: Any,
    text_column: str,
    label_column: str | None,
    label_names: dict[str, str] | None,
    split: SplitSettings,
    ctx: JobContext,
) -> PreparedDataset:
    """Pick other text/label columns or label names from the table as read."""
    ctx.progress(0, 3, "Reading the columns…")
    dataset = dataset.with_columns(text_column, label_column, label_names)
    ctx.check_cancelled()
    return _split_and_prepare(dataset, split, ctx)


def resplit(dataset: Any, split: SplitSettings, ctx: JobContext) -> PreparedDataset:
    return _split_and_prepare(dataset, split, ctx)


def _split_and_prepare(dataset: Any, split: SplitSettings, ctx: JobContext) -> PreparedDataset:
    ctx.progress(1, 3, "Splitting…")
    if dataset.labels:
        dataset = dataset.split(split.train, split.validation, split.test, seed=split.seed)
    ctx.check_cancelled()
    ctx.progress(2, 3, "Computing statistics…")
    prepared = prepare(dataset)
    ctx.check_cancelled()
    # The charts need matplotlib; importing it here keeps that half second off the GUI thread.
    from desktop_app.ui.widgets.plot_canvas import preload_matplotlib

    preload_matplotlib()
    ctx.progress(3, 3, "Done")
    return prepared


def prepare(dataset: Any) -> PreparedDataset:
    """Statistics, table arrays, label values and split counts of ``dataset``."""
    frame = dataset.frame
    stats = dataset.stats()
    labels = frame["label"]
    splits = frame["split"] if "split" in frame.columns else None
    prepared = PreparedDataset(
        dataset=dataset,
        stats=stats,
        rows=frame["source_row"].to_numpy() if "source_row" in frame.columns else (),
        texts=frame["text"].to_numpy(dtype=object),
        labels=labels.to_numpy(dtype=object),
        splits=splits.to_numpy(dtype=object) if splits is not None else (),
    )
    if splits is not None:
        labelled = labels.notna()
        table = (
            frame.loc[labelled, ["label", "split"]]
            .value_counts()
            .rename("n")
            .reset_index()
            .itertuples(index=False)
        )
        counts: dict[str, dict[str, int]] = {name: {} for name in dataset.labels}
        for label, part, n in table:
            counts.setdefault(str(label), {})[str(part)] = int(n)
        prepared.split_counts = counts
        prepared.unsplit = int((splits[labelled] == "").sum())
    prepared.label_values, prepared.label_note = label_values(dataset)
    return prepared


def label_values(dataset: Any) -> tuple[list[tuple[str, int, str]], str]:
    """``(raw value as str, rows, class name)`` for each value of the label column."""
    report = dataset.report
    column = report.label_column
    if not column or column not in dataset.raw.columns:
        return [], "There is no label column. Pick one above to name its values."
    raw = dataset.raw[column]
    counts = raw.astype("string").str.strip().value_counts(dropna=True)
    if len(counts) > MAX_LABEL_VALUES:
        return [], (
            f"The label column {column!r} has {len(counts):,} different values: that looks like "
            "text, not labels. Pick another label column above."
        )
    names = {str(k): str(v) for k, v in (report.label_names or {}).items()}
    out = []
    for value, n in counts.items():
        value = str(value)
        out.append((value, int(n), names.get(value, names.get(value.casefold(), value.casefold()))))
    out.sort(key=lambda item: (-item[1], item[0]))
    return out, ""
