"""The Dataset tab's background work: load, re-pick columns, re-split, and prepare the view.

These functions run on a :class:`~desktop_app.tasks.TaskRunner` thread, never on the
GUI thread. Besides calling the core they do everything the GUI would otherwise have to do
with a million rows: statistics, the arrays behind the table, counts per split and class,
and the matplotlib import. The GUI thread then only swaps in the finished
:class:`PreparedDataset`. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.jobs import JobContext
from desktop_app.ui.lazy_columns import column_view

SPLITS = ("train", "validation", "test")
MAX_LABEL_VALUES = 100  # the core keeps the names of at most this many raw values
CHUNK_ROWS = 50_000  # work on big columns in slices so the GUI thread gets the GIL often


@dataclass
class SplitSettings:
    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1
    seed: int = 0


@dataclass
class PreparedDataset:
    """A dataset plus everything the Dataset tab shows, computed off the GUI thread."""

    dataset: Any  # desktop_app.core.data.dataset.Dataset
    stats: Any  # desktop_app.core.data.dataset.DatasetStats
    rows: Any  # per-row columns for the table: numpy array / lazy_columns views
    texts: Any
    labels: Any
    splits: Any
    label_values: list[tuple[str, int, str]] = field(default_factory=list)  # raw, rows, name
    label_note: str = ""
    split_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # class -> split -> n
    unsplit: int = 0
    split_note: str = ""  # why the data is not split, if it is not
    charts: list[Any] = field(default_factory=list)  # chart_images.ChartImage: class, length


def load(
    path: str,
    options: dict[str, Any],
    split: SplitSettings,
    ctx: JobContext,
    charts: tuple[Any, Any] | None = None,
) -> PreparedDataset:
    """Load ``path`` with ``options`` (``LoadOptions`` fields), split it, prepare the view
    (with ``charts``, two ``chart_images.ChartStyle``: draw the charts too).

    The core module (and pandas with it) is imported here, on the loader thread: importing
    it on the GUI thread would freeze the window for most of a second.
    """
    from desktop_app.core.data.dataset import LoadOptions, load_dataset

    dataset = load_dataset(path, LoadOptions(**options), ctx=ctx)
    ctx.check_cancelled()
    return _split_and_prepare(dataset, split, ctx, strict=False, charts=charts)


def recolumn(
    dataset: Any,
    text_column: str,
    label_column: str | None,
    label_names: dict[str, str] | None,
    split: SplitSettings,
    ctx: JobContext,
    charts: tuple[Any, Any] | None = None,
) -> PreparedDataset:
    """Pick other text/label columns or label names from the table as read."""
    ctx.progress(0, 3, "Reading the columns…")
    dataset = dataset.with_columns(text_column, label_column, label_names)
    ctx.check_cancelled()
    return _split_and_prepare(dataset, split, ctx, strict=False, charts=charts)


def prepare_view(
    dataset: Any, ctx: JobContext, charts: tuple[Any, Any] | None = None
) -> PreparedDataset:
    """Prepare ``dataset`` as it is, without splitting it (an open project's rows)."""
    ctx.progress(1, 3, "Computing statistics…")
    prepared = prepare(dataset)
    ctx.check_cancelled()
    if charts is not None:
        from desktop_app.ui.chart_images import render_charts

        ctx.progress(2, 3, "Drawing charts…")
        prepared.charts = render_charts(prepared.stats, charts)
    ctx.progress(3, 3, "Done")
    return prepared


def restat(
    texts: Any,
    label_codes: Any,
    label_names: list[str],
    split_codes: Any,
    split_names: list[str],
    ctx: JobContext,
    charts: tuple[Any, Any] | None = None,
) -> tuple[Any, list[Any]]:
    """Statistics (and charts) of the same rows with edited labels: ``(stats, charts)``.

    The codes are copies the GUI thread took, so its later edits do not race with this.
    """
    import pandas as pd

    from desktop_app.core.data.stats import compute_stats

    frame = pd.DataFrame(
        {
            "text": texts,
            "label": pd.Categorical.from_codes(label_codes, categories=label_names),
            "split": pd.Categorical.from_codes(split_codes, categories=split_names),
        }
    )
    ctx.check_cancelled()
    stats = compute_stats(frame)
    drawn: list[Any] = []
    if charts is not None:
        from desktop_app.ui.chart_images import render_charts

        drawn = render_charts(stats, charts)
    return stats, drawn


def import_data_libraries(ctx: JobContext) -> str:
    """Warm-up: pandas and the readers (see :data:`WARM_UPS`)."""
    import desktop_app.core.data.dataset  # noqa: F401

    return "data"


def import_plot_library(ctx: JobContext) -> str:
    """Warm-up: matplotlib (the charts are drawn on this thread)."""
    from desktop_app.ui.chart_images import preload_matplotlib

    preload_matplotlib()
    return "plots"


def find_corpora(ctx: JobContext) -> list[str]:
    """The NLTK sample corpora on the NLTK data path (importing nltk takes seconds)."""
    from desktop_app.core.data.samples import available_corpora

    return list(available_corpora())


# Imports that loading and showing a data set need, run one by one on the loader thread right
# after start-up (while torch loads on the model worker), so that neither the first file nor
# the File > Open sample menu waits for them. Even on this thread an import freezes the GUI in
# bursts (loading C extensions holds the GIL), so it is better done before the user acts.
WARM_UPS = (import_data_libraries, import_plot_library)


def resplit(
    dataset: Any, split: SplitSettings, ctx: JobContext, charts: tuple[Any, Any] | None = None
) -> PreparedDataset:
    """Split again with other fractions or seed; a split that cannot be made is an error."""
    return _split_and_prepare(dataset, split, ctx, strict=True, charts=charts)


def _split_and_prepare(
    dataset: Any,
    split: SplitSettings,
    ctx: JobContext,
    strict: bool,
    charts: tuple[Any, Any] | None = None,
) -> PreparedDataset:
    from desktop_app.core.errors import DatasetError

    ctx.progress(1, 3, "Splitting…")
    split_note = ""
    if dataset.labels:
        try:
            dataset = dataset.split(split.train, split.validation, split.test, seed=split.seed)
        except DatasetError as exc:
            if strict:
                raise
            split_note = f"Not split: {exc}"  # a load must not fail because of the split
    ctx.check_cancelled()
    ctx.progress(2, 3, "Computing statistics…")
    prepared = prepare(dataset)
    prepared.split_note = split_note
    ctx.check_cancelled()
    if charts is not None:
        # Drawing a figure takes 15-20 ms of CPU time: here the GUI thread keeps running
        # meanwhile (this thread gives the GIL up every few ms); there it would freeze.
        from desktop_app.ui.chart_images import render_charts

        ctx.progress(2, 3, "Drawing charts…")
        prepared.charts = render_charts(prepared.stats, charts)
        ctx.check_cancelled()
    ctx.progress(3, 3, "Done")
    return prepared


def prepare(dataset: Any) -> PreparedDataset:
    """Statistics, table arrays, label values and split counts of ``dataset``."""
    frame = dataset.frame
    stats = dataset.stats()
    prepared = PreparedDataset(
        dataset=dataset,
        stats=stats,
        rows=frame["source_row"].to_numpy() if "source_row" in frame.columns else (),
        texts=column_view(frame["text"]),
        labels=column_view(frame["label"]),
        splits=column_view(frame["split"]) if "split" in frame.columns else (),
    )
    prepared.split_counts, prepared.unsplit = split_table(stats)
    prepared.label_values, prepared.label_note = label_values(dataset)
    return prepared


def split_table(stats: Any) -> tuple[dict[str, dict[str, int]], int]:
    """``(class -> split -> rows, labelled rows in no split)`` for the Split panel."""
    # stats.splits is split -> class -> rows; the panel shows class -> split -> rows.
    counts: dict[str, dict[str, int]] = {name: {} for name in stats.labels}
    for part, per_class in (getattr(stats, "splits", None) or {}).items():
        for name, n in per_class.items():
            counts.setdefault(str(name), {})[str(part)] = int(n)
    in_splits = sum(sum(per_class.values()) for per_class in counts.values())
    return counts, max(0, sum(stats.labels.values()) - in_splits)


def label_values(dataset: Any) -> tuple[list[tuple[str, int, str]], str]:
    """``(raw value, rows, class name)`` for each value of the label column.

    ``report.label_names`` maps every raw value (as the core writes it: stripped, 1.0 -> "1")
    to its class name; the row counts come from the column as read.
    """
    from desktop_app.core.data.dataset import label_key  # the core's raw-value spelling

    report = dataset.report
    column = report.label_column
    if not column or column not in dataset.raw.columns:
        return [], "There is no label column. Pick one above to name its values."
    names = {str(k): str(v) for k, v in (report.label_names or {}).items()}
    if len(names) >= MAX_LABEL_VALUES:
        return [], (
            f"The label column {column!r} has {len(names)} or more different values: "
            "that looks like text, not labels. Pick another label column above."
        )
    counts = chunked_value_counts(dataset.raw[column], label_key)
    out = [(raw, counts.get(raw, 0), name) for raw, name in names.items()]
    out.sort(key=lambda item: (-item[1], item[0]))
    return out, ""


def chunked_value_counts(series: Any, key: Any, chunk: int = CHUNK_ROWS) -> dict[str, int]:
    """Rows per ``key(value)`` of a column, computed in slices.

    One ``value_counts`` over a million objects holds the GIL for a tenth of a second and
    the GUI thread cannot paint meanwhile; slices keep each hold short.
    """
    from collections import Counter

    total: Counter[str] = Counter()
    for start in range(0, len(series), chunk):
        part = series.iloc[start : start + chunk].value_counts(dropna=True)
        for value, n in part.items():
            total[key(value)] += int(n)
    return dict(total)
