"""A project's rows: what a row holds, which split it belongs to, how data becomes rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
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
    digest = hashlib.sha256(f"{seed}:{int(row_id)}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    total = sum(max(0.0, float(fractions.get(s, 0.0))) for s in SPLITS) or 1.0
    edge = 0.0
    for name in SPLITS:
        edge += max(0.0, float(fractions.get(name, 0.0))) / total
        if u < edge:
            return name
    return SPLITS[-1]


def clean_label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas
        return None
    text = str(value).strip()
    return text or None


def rows_from(data: Any) -> Iterator[tuple[str, str | None, str, int | None]]:
    """(text, label, split, source_row) from a Dataset, a DataFrame or an iterable of rows.

    Rows may be strings (text only), (text, label) tuples or dicts with ``text`` and
    optionally ``label``, ``split``, ``source_row``.
    """
    frame = getattr(data, "frame", None)
    if frame is None and hasattr(data, "columns") and hasattr(data, "to_dict"):
        frame = data
    if frame is not None:
        columns = set(frame.columns)
        if "text" not in columns:
            raise ProjectError("The data has no 'text' column; pick the text column first.")
        texts = frame["text"].tolist()
        labels = frame["label"].tolist() if "label" in columns else [None] * len(texts)
        splits = frame["split"].tolist() if "split" in columns else [""] * len(texts)
        sources = frame["source_row"].tolist() if "source_row" in columns else range(len(texts))
        for text, label, split, source in zip(texts, labels, splits, sources, strict=True):
            yield (
                "" if text is None else str(text),
                clean_label(label),
                str(split or "") if split == split else "",
                None if source is None else int(source),
            )
        return
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
