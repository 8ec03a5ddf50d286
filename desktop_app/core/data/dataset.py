"""Loading data sets: any supported file (or folder, or NLTK sample) -> :class:`Dataset`.

``load_dataset`` reads the file once into ``Dataset.raw`` (every column, as read);
the text and label columns are then chosen (guessed, or given by the user) and
turned into ``Dataset.frame`` with the columns ``text``, ``label``, ``source_row``
and ``split``. Re-picking columns (:meth:`Dataset.with_columns`) reuses ``raw``.

No row is merged or dropped silently: ``Dataset.report`` says how many physical
lines were read, how many rows were kept, and which rows were dropped and why.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.data.columns import (
    DEFAULT_NUMERIC_NAMES,
    MISSING_LABELS,
    _as_int,
    guess_label_column,
    guess_text_column,
    label_key,
    label_mapping,
)
from desktop_app.core.data.readers import (
    OTHER_FORMATS,
    TABLE_FORMATS,
    RawTable,
    clip,
    read_delimited,
    read_folder,
    read_json,
    read_jsonl,
    read_parquet,
    read_plain_lines,
    read_xlsx,
)
from desktop_app.core.data.splitting import SPLIT_CATEGORIES, SPLITS, split_dataset
from desktop_app.core.data.stats import DatasetStats, compute_stats
from desktop_app.core.errors import DatasetError
from desktop_app.core.jobs import JobContext

__all__ = [
    "DEFAULT_NUMERIC_NAMES",
    "MISSING_LABELS",
    "SPLITS",
    "SPLIT_CATEGORIES",
    "Dataset",
    "LoadOptions",
    "LoadReport",
    "_as_int",
    "label_key",
    "guess_label_column",
    "guess_text_column",
    "label_mapping",
    "load_dataset",
    "read_table",
]
MAX_LABEL_VALUES = 100  # a label column with more distinct values is probably the wrong column


@dataclass
class LoadOptions:
    encoding: str | None = None  # override the detected encoding
    delimiter: str | None = None  # override the detected delimiter
    has_header: bool | None = None  # override header detection
    text_column: str | None = None  # None = guess
    label_column: str | None = None  # None = guess, "" = no label column
    label_names: dict[str, str] | None = None  # raw label value (as str) -> class name
    sheet: str | None = None  # workbooks: the sheet to read (None = the one with texts)


@dataclass
class LoadReport:
    """What happened while loading.

    ``lines_read`` counts physical lines for text files (and items for JSON, sheet rows
    for spreadsheets, stored rows for Parquet, files for folders). ``rows`` is the
    number of rows kept; ``dropped`` maps a reason to a count and ``drop_examples`` a
    reason to up to five examples ("line 7: ..."). ``label_names`` maps every raw label
    value (as a string) to the class name it became.
    """

    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    has_header: bool | None
    lines_read: int
    rows: int
    dropped: dict[str, int] = field(default_factory=dict)
    drop_examples: dict[str, list[str]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    text_column: str = ""
    label_column: str | None = None
    label_names: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None  # workbooks: the sheet read
    sheets: list[str] = field(default_factory=list)  # workbooks: every sheet

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Dataset:
    """A loaded data set.

    ``frame`` has one row per kept text: ``text`` (str), ``label`` (categorical of
    class names; missing, i.e. ``pandas.isna``, for the unlabelled pool), ``source_row``
    (the row's index in ``raw``) and ``split`` (categorical: "train", "validation",
    "test", or "" when unlabelled or not split yet).
    """

    def __init__(
        self, frame: Any, raw: Any, report: LoadReport, labels: list[str], table: RawTable
    ) -> None:
        self.frame = frame
        self.raw = raw
        self.report = report
        self.labels = labels
        self._table = table
        self._stats: DatasetStats | None = None

    def __repr__(self) -> str:
        return f"Dataset({self.report.path!r}, rows={len(self.frame)}, labels={self.labels})"

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def is_split(self) -> bool:
        return bool((self.frame["split"].cat.codes > 0).any())

    def with_columns(
        self,
        text_column: str,
        label_column: str | None,
        label_names: dict[str, str] | None = None,
    ) -> Dataset:
        """The same file with other columns (``label_column`` None or "" = no labels)."""
        return _assemble(
            self._table, self.report.path, text_column, label_column or "", label_names
        )

    def stats(self) -> DatasetStats:
        if self._stats is None:
            self._stats = compute_stats(self.frame)
        return self._stats

    def split(
        self, train: float = 0.8, validation: float = 0.1, test: float = 0.1, seed: int = 0
    ) -> Dataset:
        """Stratified, seeded split of the labelled rows; unlabelled rows keep split ""."""
        return split_dataset(self, train, validation, test, seed)

    def split_data(self, name: str) -> tuple[list[str], list[str]]:
        """Texts and labels of one split ("train", "validation" or "test")."""
        if name not in SPLITS:
            raise DatasetError(f"Unknown split {name!r}; use one of {', '.join(SPLITS)}.")
        if not self.is_split:
            raise DatasetError("The data set is not split yet. Split it first.")
        rows = self.frame[self.frame["split"] == name]
        return rows["text"].astype("str").tolist(), rows["label"].astype("str").tolist()


# -- loading ------------------------------------------------------------------------------
def load_dataset(
    path: str | os.PathLike[str],
    options: LoadOptions | None = None,
    ctx: JobContext | None = None,
) -> Dataset:
    """Load a data file, a folder of class sub-folders, or ``nltk:NAME``."""
    options = options or LoadOptions()
    table = read_table(path, options, ctx)
    if ctx is not None:
        ctx.check_cancelled()
    dataset = _assemble(
        table, str(path), options.text_column, options.label_column, options.label_names
    )
    if ctx is not None:
        ctx.progress(1, 1, f"Loaded {dataset.report.rows} rows")
    return dataset


def read_table(
    path: str | os.PathLike[str], options: LoadOptions, ctx: JobContext | None = None
) -> RawTable:
    """Read the file into a RawTable (no column choice yet)."""
    text_path = os.fspath(path)
    if isinstance(text_path, str) and text_path.startswith("nltk:"):
        from desktop_app.core.data.samples import read_corpus

        return read_corpus(text_path[len("nltk:") :], options, ctx)
    p = Path(text_path)
    try:
        if not p.exists():
            raise DatasetError(f"{p} does not exist. Check the path.")
        if p.is_dir():
            return read_folder(p, options, ctx)
        suffix = p.suffix.lower()
        if suffix in TABLE_FORMATS:
            fmt = TABLE_FORMATS[suffix]
            table = read_delimited(p, fmt, options, ctx)
            return table if table is not None else read_plain_lines(p, fmt, options, ctx)
        fmt = OTHER_FORMATS.get(suffix)
        if fmt == "json":
            return read_json(p, options)
        if fmt == "jsonl":
            return read_jsonl(p, options, ctx)
        if fmt == "xlsx":
            return read_xlsx(p, options)
        if fmt == "parquet":
            return read_parquet(p, options)
        return read_plain_lines(p, "text", options, ctx)
    except (PermissionError, IsADirectoryError, FileNotFoundError) as exc:
        raise DatasetError(f"Cannot read {p}: {exc.strerror or exc}. Check the path.") from None
    except MemoryError:
        raise DatasetError(f"{p} is too large for the available memory.") from None


def _empty_texts(text: Any) -> Any:
    """Boolean mask of missing or blank texts; None when there are none (checked in Arrow)."""
    array = getattr(text.array, "__arrow_array__", None)
    if array is not None:
        import pyarrow.compute as pc

        arrow = array()
        # Most files have no empty text: two vectorised passes prove it without a mask.
        if (
            arrow.null_count == 0
            and (pc.min(pc.binary_length(arrow)).as_py() or 0) > 0
            and not pc.any(pc.utf8_is_space(arrow)).as_py()
        ):
            return None
    blank = text.str.isspace().fillna(False).astype(bool) | (text == "")
    return (text.isna() | blank).to_numpy(dtype=bool, na_value=True)


def _assemble(
    table: RawTable,
    path: str,
    text_column: str | None,
    label_column: str | None,
    label_names: dict[str, str] | None,
) -> Dataset:
    """Choose columns, normalise labels, drop (and count) empty texts."""
    import numpy as np
    import pandas as pd

    raw = table.frame
    columns = [str(c) for c in raw.columns]
    if len(raw) == 0 and not table.dropped:
        raise DatasetError(f"{path} has no rows. Choose a file that has rows of text.")

    if text_column:
        if text_column not in columns:
            raise DatasetError(
                f"{path} has no column {text_column!r}. Columns: {', '.join(columns)}."
            )
        text_col = text_column
    elif table.default_text in columns:
        text_col = table.default_text
    elif len(columns) == 1 and raw[raw.columns[0]].dtype.kind not in "iufb":
        text_col = columns[0]  # a single column of (possibly blank) strings
    else:
        text_col = guess_text_column(raw, path)

    if label_column == "":
        label_col = None
    elif label_column is not None:
        if label_column not in columns:
            raise DatasetError(
                f"{path} has no column {label_column!r}. Columns: {', '.join(columns)}."
            )
        if label_column == text_col:
            raise DatasetError("The text and label columns must be different columns.")
        label_col = label_column
    elif table.default_label in columns:
        label_col = table.default_label
    else:
        label_col = guess_label_column(raw, text_col)

    warnings: list[str] = list(table.warnings)
    notes: list[str] = list(table.notes)
    dropped = dict(table.dropped)
    drop_examples = {k: list(v) for k, v in table.drop_examples.items()}

    # Texts: keep as read; rows whose text is missing or blank are dropped and counted.
    text = raw[text_col]
    if not isinstance(text.dtype, pd.StringDtype):
        text = text.astype("str")
    empty = _empty_texts(text)
    if empty is not None and empty.any():
        where = np.flatnonzero(empty)
        others = [c for c in raw.columns if c != text_col]
        sub = raw.iloc[where]
        if others:
            filled = np.zeros(len(where), dtype=bool)
            for c in others:
                values = sub[c]
                filled |= (values.notna() & (values.astype("str").str.strip() != "")).to_numpy(
                    dtype=bool, na_value=False
                )
        else:
            filled = np.zeros(len(where), dtype=bool)
        blank = where[~filled]
        partly = where[filled]
        for reason, rows in (("blank line", blank), ("empty text", partly)):
            if len(rows):
                dropped[reason] = dropped.get(reason, 0) + len(rows)
                examples = drop_examples.setdefault(reason, [])
                for i in rows[: max(0, 5 - len(examples))]:
                    values = [str(v) for v in raw.iloc[int(i)].tolist()]
                    shown = "" if reason == "blank line" else ": " + clip(" | ".join(values))
                    examples.append(f"{table.where(int(i))}{shown}")
        kept = np.flatnonzero(~empty)
        text = text.take(kept).reset_index(drop=True)
    else:
        kept = None
    n = len(text)
    if n == 0:
        reasons = ", ".join(f"{v} {k}" for k, v in dropped.items()) or "no rows"
        raise DatasetError(
            f"{path} has no rows with text in column {text_col!r} ({reasons}). "
            "Choose another text column or another file."
        )

    # Labels: factorise once, map the few distinct values, rebuild codes (vectorised).
    report_names: dict[str, str] = {}
    if label_col is None:
        label = pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=[])
    else:
        codes, uniques = pd.factorize(raw[label_col], use_na_sentinel=True)
        keys = [label_key(u) for u in uniques]
        mapping = label_mapping(keys, table.label_names, label_names or {})
        names = [mapping.get(k) or None for k in keys]
        categories = sorted({nm for nm in names if nm})
        index = {c: i for i, c in enumerate(categories)}
        code_map = np.array([index[nm] if nm else -1 for nm in names] + [-1], dtype=np.int32)
        new_codes = code_map[codes]
        if kept is not None:
            new_codes = new_codes[kept]
        # Classes seen only on dropped rows are not classes of this data set.
        label = pd.Categorical.from_codes(new_codes, categories=categories)
        if kept is not None:
            label = label.remove_unused_categories()
        report_names = dict(list(mapping.items())[:MAX_LABEL_VALUES])
        _warn_missing_words(keys, mapping, codes if kept is None else codes[kept], warnings)
        if len(mapping) > MAX_LABEL_VALUES:
            warnings.append(
                f"The label column {label_col!r} has {len(mapping)} different values: "
                "is it the right column?"
            )
    split = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=list(SPLIT_CATEGORIES))
    source_row = np.arange(n, dtype=np.int64) if kept is None else kept.astype(np.int64)
    frame = pd.DataFrame(
        {
            "text": text.reset_index(drop=True),
            "label": label,
            "source_row": source_row,
            "split": split,
        },
        copy=False,
    )
    present = [str(c) for c in label.categories]
    unlabelled = int((label.codes < 0).sum())
    if label_col is None:
        warnings.append(
            "No label column: every row is unlabelled. Training needs labels of at least two "
            "classes: choose the label column, or label rows first."
        )
    elif not present:
        warnings.append(
            f"The label column {label_col!r} is empty: every row is unlabelled. Training needs "
            "labels of at least two classes."
        )
    elif len(present) == 1:
        warnings.append(
            f"Only one class ({present[0]}): training needs labels of at least two classes."
        )
    if label_col is not None and unlabelled and present:
        notes.append(f"{unlabelled} rows have no label: they are kept as the unlabelled pool.")

    report = LoadReport(
        path=path,
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        has_header=table.has_header,
        lines_read=table.lines_read,
        rows=n,
        dropped=dropped,
        drop_examples=drop_examples,
        columns=columns,
        text_column=text_col,
        label_column=label_col,
        label_names=report_names,
        warnings=warnings,
        notes=notes,
        sheet=table.sheet,
        sheets=list(table.sheets),
    )
    return Dataset(frame, raw, report, present, table)


def _warn_missing_words(
    keys: list[str], mapping: dict[str, str], codes: Any, warnings: list[str]
) -> None:
    """Say which label values were read as missing ("NaN", "N/A", ...) and on how many rows."""
    import numpy as np

    missing = [
        i for i, k in enumerate(keys) if k.casefold() in MISSING_LABELS and not mapping.get(k)
    ]
    if not missing:
        return
    rows = np.bincount(codes[codes >= 0], minlength=len(keys))
    shown = ", ".join(
        f"{keys[i]!r} ({int(rows[i]):,} row{'s' if rows[i] != 1 else ''})" for i in missing
    )
    warnings.append(
        f"Label values read as missing, so their rows are unlabelled: {shown}. Give such a "
        "value a name under Label names to keep it as a class."
    )
