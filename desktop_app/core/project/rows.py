"""A project's rows: what a row holds, which split it belongs to, how data becomes rows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.errors import ProjectError

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}


@dataclass(frozen=True)
class ProjectRow:
    id: int
    text: str
    original_label: str | None
    label: str | None
    split: str
    source_row: int | None


def split_for_row(row_id: int, fractions: dict[str, float], seed: int | str = 0) -> str:
    """Deterministic split of a row: a hash of the row id against the project's fractions.

    The same row always lands in the same split, whatever order rows are labelled in,
    so a row never moves between train and test when the model is retrained.
    """
    return splitter(fractions, seed)(row_id)


def splitter(fractions: dict[str, float], seed: int | str = 0) -> Callable[[int], str]:
    """:func:`split_for_row` for many rows: the fractions are added up once."""
    total = sum(max(0.0, float(fractions.get(s, 0.0))) for s in SPLITS) or 1.0
    edges = []
    edge = 0.0
    for name in SPLITS:
        edge += max(0.0, float(fractions.get(name, 0.0))) / total
        edges.append((edge, name))
    prefix = f"{seed}:"

    def split_of(row_id: int) -> str:
        digest = hashlib.sha256(f"{prefix}{int(row_id)}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2.0**64
        for upper, name in edges:
            if u < upper:
                return name
        return SPLITS[-1]

    return split_of


def clean_label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas
        return None
    text = str(value).strip()
    return text or None


ROLE_TEXT = "text"
ROLE_LABEL = "label"


@dataclass
class RowSource:
    """Rows to add to a project, read in batches, with the file's own columns.

    ``layout`` is the imported file's columns in order as ``(name, role)``: role ``"text"``
    or ``"label"`` for the columns that became the rows' text and label, ``""`` for the
    others, whose values (as text) go with each row (``cells``, in ``layout`` order of the
    ``""`` columns). Data without a file (rows, a DataFrame) has an empty layout.
    """

    count: int
    layout: list[tuple[str, str]] = field(default_factory=list)
    # (start, stop) -> ([(text, label, split, source_row)], [values of each plain column])
    _batch: Any = None

    @property
    def plain_columns(self) -> list[str]:
        return [name for name, role in self.layout if not role]

    def batches(self, size: int) -> Iterator[tuple[list[tuple], list[list[str | None]]]]:
        for start in range(0, self.count, size):
            yield self._batch(start, min(self.count, start + size))


def row_source(data: Any) -> RowSource:
    """A :class:`RowSource` from a Dataset, a DataFrame or an iterable of rows.

    Rows may be strings (text only), (text, label) tuples or dicts with ``text`` and
    optionally ``label``, ``split``, ``source_row``. A Dataset brings its file's other
    columns (``Dataset.raw``) along.
    """
    frame = getattr(data, "frame", None)
    if frame is None and hasattr(data, "columns") and hasattr(data, "to_dict"):
        frame = data
    if frame is None:
        rows = list(_plain_rows(data))
        return RowSource(len(rows), [], lambda a, b: (rows[a:b], []))
    columns = set(frame.columns)
    if "text" not in columns:
        raise ProjectError("The data has no 'text' column; pick the text column first.")
    n = len(frame)
    raw = getattr(data, "raw", None)
    report = getattr(data, "report", None)
    layout: list[tuple[str, str]] = []
    plain: list[Any] = []  # the raw columns themselves (a Parquet file's names need not be str)
    if raw is not None and report is not None and "source_row" in columns:
        roles = {report.text_column: ROLE_TEXT}
        if report.label_column:
            roles[report.label_column] = ROLE_LABEL
        layout = [(str(name), roles.get(str(name), "")) for name in raw.columns]
        plain = [column for column in raw.columns if not roles.get(str(column))]

    def batch(start: int, stop: int) -> tuple[list[tuple], list[list[str | None]]]:
        from desktop_app.core.data.export import cells_as_text

        part = frame.iloc[start:stop]
        texts = part["text"].tolist()
        labels = part["label"].tolist() if "label" in columns else [None] * len(texts)
        splits = part["split"].tolist() if "split" in columns else [""] * len(texts)
        sources = part["source_row"].tolist() if "source_row" in columns else range(start, stop)
        cells = []
        if plain:
            taken = part["source_row"].to_numpy()
            if len(taken) and (taken[1:] - taken[:-1] == 1).all():  # in order, none dropped
                taken = slice(int(taken[0]), int(taken[-1]) + 1)
            cells = [cells_as_text(raw[column].iloc[taken]) for column in plain]
        rows = [
            (
                "" if text is None else str(text),
                clean_label(label),
                str(split or "") if split == split else "",
                None if source is None or source != source else int(source),
            )
            for text, label, split, source in zip(texts, labels, splits, sources, strict=True)
        ]
        return rows, cells

    return RowSource(n, layout, batch)


def _plain_rows(data: Any) -> Iterator[tuple[str, str | None, str, int | None]]:
    for index, item in enumerate(data):
        if isinstance(item, str):
            yield item, None, "", index
        elif isinstance(item, dict):
            source = item.get("source_row", index)
            yield (
                str(item["text"]),
                clean_label(item.get("label")),
                str(item.get("split") or ""),
                None if source is None else int(source),
            )
        else:
            text, label = item[0], item[1] if len(item) > 1 else None
            yield str(text), clean_label(label), "", index


def rows_from(data: Any) -> Iterator[tuple[str, str | None, str, int | None]]:
    """(text, label, split, source_row) of every row of ``data`` (see :func:`row_source`)."""
    for rows, _cells in row_source(data).batches(10000):
        yield from rows
