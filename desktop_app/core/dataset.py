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

from desktop_app.core.errors import DatasetError
from desktop_app.core.jobs import JobContext
from desktop_app.core.readers import (
    LABEL_NAMES,
    OTHER_FORMATS,
    TABLE_FORMATS,
    TEXT_NAMES,
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
from desktop_app.core.stats import DatasetStats, compute_stats

SPLITS = ("train", "validation", "test")
SPLIT_CATEGORIES = ("", *SPLITS)
DEFAULT_NUMERIC_NAMES: dict[frozenset[int], dict[str, str]] = {
    frozenset({0, 1}): {"0": "negative", "1": "positive"},
    frozenset({0, 1, 2}): {"0": "negative", "1": "neutral", "2": "positive"},
    frozenset({-1, 1}): {"-1": "negative", "1": "positive"},
    frozenset({-1, 0, 1}): {"-1": "negative", "0": "neutral", "1": "positive"},
}
MAX_LABEL_VALUES = 100  # a label column with more distinct values is probably the wrong column


@dataclass
class LoadOptions:
    encoding: str | None = None  # override the detected encoding
    delimiter: str | None = None  # override the detected delimiter
    has_header: bool | None = None  # override header detection
    text_column: str | None = None  # None = guess
    label_column: str | None = None  # None = guess, "" = no label column
    label_names: dict[str, str] | None = None  # raw label value (as str) -> class name


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
        return _split(self, train, validation, test, seed)

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
        from desktop_app.core.samples import read_corpus

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


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _sample_strings(col: Any, n: int = 1000) -> list[str]:
    values = col.iloc[: n * 2].dropna()
    return [str(v) for v in values.tolist() if str(v).strip()][:n]


def guess_text_column(raw: Any, path: str = "") -> str:
    """The column that most looks like free text: a known name, else the longest strings."""
    best: tuple[Any, ...] | None = None
    for position, name in enumerate(raw.columns):
        col = raw[name]
        if col.dtype.kind in "iufbmM":
            continue
        sample = _sample_strings(col)
        if not sample or sum(map(_is_number, sample)) > 0.9 * len(sample):
            continue
        mean_length = sum(map(len, sample)) / len(sample)
        key = (str(name).casefold() in TEXT_NAMES, mean_length, -position, str(name))
        best = key if best is None or key > best else best
    if best is None:
        raise DatasetError(
            f"{path or 'The file'} has no column that looks like text "
            f"(columns: {', '.join(map(str, raw.columns))}). Choose the text column yourself."
        )
    return best[3]


def guess_label_column(raw: Any, text_column: str) -> str | None:
    """A column named like a label, else a short column with few distinct values."""
    others = [c for c in raw.columns if c != text_column]
    for name in others:
        if str(name).casefold() in LABEL_NAMES:
            return str(name)
    rows = len(raw)
    best: tuple[int, int, str] | None = None
    for position, name in enumerate(others):
        col = raw[name]
        distinct = col.nunique(dropna=True)
        if distinct < 2 or distinct > 20 or distinct > max(2, rows // 2):
            continue
        sample = _sample_strings(col, 200)
        if sample and sum(map(len, sample)) / len(sample) <= 30:
            key = (distinct, position, str(name))  # fewest distinct values, then leftmost
            best = key if best is None or key < best else best
    return best[2] if best is not None else None


def _label_key(value: Any) -> str:
    """The raw label as a string: stripped; 1.0 -> "1"; True -> "1"."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_int(key: str) -> int | None:
    try:
        return int(key)
    except ValueError:
        return None


def label_mapping(
    keys: list[str], defaults: dict[str, str], overrides: dict[str, str]
) -> dict[str, str]:
    """raw label (as str) -> class name: user overrides, else defaults, else case-folded."""
    present = [k for k in keys if k]
    numbers = {_as_int(k) for k in present}
    numeric_defaults: dict[str, str] = {}
    if present and None not in numbers:
        numeric_defaults = DEFAULT_NUMERIC_NAMES.get(frozenset(numbers), {})  # type: ignore[arg-type]
    mapping = {}
    for key in present:
        if key in overrides:
            name = str(overrides[key]).strip()
        elif key.casefold() in overrides:
            name = str(overrides[key.casefold()]).strip()
        elif key in defaults:
            name = defaults[key]
        elif key in numeric_defaults:
            name = numeric_defaults[key]
        else:
            name = key.casefold()
        mapping[key] = name
    return mapping


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
        keys = [_label_key(u) for u in uniques]
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
    )
    return Dataset(frame, raw, report, present, table)


# -- split --------------------------------------------------------------------------------
def _split(dataset: Dataset, train: float, validation: float, test: float, seed: int) -> Dataset:
    import numpy as np
    import pandas as pd

    fractions = {"train": train, "validation": validation, "test": test}
    if (
        any(f < 0 for f in fractions.values())
        or train <= 0
        or abs(sum(fractions.values()) - 1) > 1e-6
    ):
        raise DatasetError(
            f"Split fractions must be non-negative, with a train part, and add up to 1 "
            f"(got train {train}, validation {validation}, test {test})."
        )
    frame = dataset.frame
    codes = np.asarray(frame["label"].cat.codes)
    classes = len(frame["label"].cat.categories)
    counts = np.bincount(codes[codes >= 0], minlength=classes)
    n = int(counts.sum())
    wanted = [name for name, f in fractions.items() if f > 0]
    if n < len(wanted):
        raise DatasetError(
            f"Only {n} labelled rows: too few for a {'/'.join(wanted)} split. "
            "Label more rows, or set the empty parts to 0."
        )
    sizes = {name: int(round(n * f)) for name, f in fractions.items()}
    for name in ("validation", "test"):
        if fractions[name] > 0:
            sizes[name] = max(1, sizes[name])
    sizes["train"] = n - sizes["validation"] - sizes["test"]
    if sizes["train"] < 1:
        raise DatasetError(
            f"Only {n} labelled rows: nothing would be left for training. "
            "Label more rows, or make the validation and test parts smaller."
        )

    warnings: list[str] = []
    rng = np.random.default_rng(seed)
    quotas = _stratified_quotas(counts, sizes, rng)
    split_codes = np.zeros(len(frame), dtype=np.int8)
    if quotas is not None:
        # Rows grouped by class (each group in row order; unlabelled rows, code -1, first),
        # then each class shuffled on its own: numpy's Generator releases the GIL while it
        # shuffles, so the GUI thread keeps running (scikit-learn's splitter held it).
        order = np.argsort(codes, kind="stable")
        start = len(codes) - n
        for c, size in enumerate(counts.tolist()):
            rows = order[start : start + size]
            start += size
            if not size:
                continue
            rows = rows[rng.permutation(size)]
            n_test, n_val = quotas["test"][c], quotas["validation"][c]
            split_codes[rows[n_test + n_val :]] = SPLIT_CATEGORIES.index("train")
            split_codes[rows[n_test : n_test + n_val]] = SPLIT_CATEGORIES.index("validation")
            split_codes[rows[:n_test]] = SPLIT_CATEGORIES.index("test")
    else:
        small = [str(frame["label"].cat.categories[i]) for i, c in enumerate(counts) if 0 < c < 3]
        reason = (
            f"class {', '.join(small)} has too few rows to appear in every part"
            if small
            else "a part is smaller than the number of classes"
        )
        warnings.append(f"The split is not stratified: {reason}.")
        rng = np.random.default_rng(seed)
        shuffled = rng.permutation(np.flatnonzero(codes >= 0))
        start = 0
        for name in ("test", "validation", "train"):
            size = sizes[name] if name != "train" else len(shuffled) - start
            split_codes[shuffled[start : start + size]] = SPLIT_CATEGORIES.index(name)
            start += size

    new_frame = frame.copy()
    new_frame["split"] = pd.Categorical.from_codes(split_codes, categories=list(SPLIT_CATEGORIES))
    report = dataclasses.replace(
        dataset.report,
        warnings=[w for w in dataset.report.warnings if not w.startswith("The split is not")]
        + warnings,
    )
    return Dataset(new_frame, dataset.raw, report, list(dataset.labels), dataset._table)


def _stratified_quotas(counts: Any, sizes: dict[str, int], rng: Any) -> dict[str, list[int]] | None:
    """Rows per class for the test part, then for the validation part from what is left.

    Each class gets its share of a part rounded down; the rows still missing go to the
    classes with the largest remainders (ties in a seeded random order). None when a
    stratified split cannot be made, under the conditions scikit-learn's stratified
    splitter has: a class with a single row left, or a part (or what is left beside it)
    smaller than the number of classes.
    """
    pool = [int(c) for c in counts]
    quotas: dict[str, list[int]] = {}
    for name in ("test", "validation"):
        want = sizes[name]
        if not want:
            quotas[name] = [0] * len(pool)
            continue
        present = [c for c in pool if c > 0]
        total = sum(present)
        if min(present) < 2 or want < len(present) or total - want < len(present):
            return None
        share = [c * want // total for c in pool]
        remainders = [c * want % total for c in pool]
        order = sorted(rng.permutation(len(pool)).tolist(), key=lambda i: -remainders[i])
        for i in order[: want - sum(share)]:
            share[i] += 1
        quotas[name] = share
        pool = [c - s for c, s in zip(pool, share, strict=True)]
    return quotas
