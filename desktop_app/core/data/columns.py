"""Choosing columns and naming labels: the text column, the label column, class names.

Used by ``dataset.py`` on a table as read (``RawTable.frame``); no file is read here.
"""

from __future__ import annotations

from typing import Any

from desktop_app.core.data.readers.base import LABEL_NAMES, TEXT_NAMES
from desktop_app.core.errors import DatasetError

DEFAULT_NUMERIC_NAMES: dict[frozenset[int], dict[str, str]] = {
    frozenset({0, 1}): {"0": "negative", "1": "positive"},
    frozenset({0, 1, 2}): {"0": "negative", "1": "neutral", "2": "positive"},
    frozenset({-1, 1}): {"-1": "negative", "1": "positive"},
    frozenset({-1, 0, 1}): {"-1": "negative", "0": "neutral", "1": "positive"},
}
# Label values that mean "no label" (spreadsheets and pandas write them for empty cells);
# compared case-folded. A user's label name for one of them keeps it as a class.
MISSING_LABELS = frozenset({"nan", "na", "n/a", "#n/a", "none", "null", "<na>"})


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _looks_like_json(value: str) -> bool:
    value = value.strip()
    return value[:1] in ("{", "[") and value[-1:] in ("}", "]")


def _sample_strings(col: Any, n: int = 1000) -> list[str]:
    values = col.iloc[: n * 2].dropna()
    return [str(v) for v in values.tolist() if str(v).strip()][:n]


def guess_text_column(raw: Any, path: str = "") -> str:
    """The column that most looks like free text: a known name, else the longest strings
    (columns of JSON, such as nested values turned into text, come last)."""
    best: tuple[Any, ...] | None = None
    for position, name in enumerate(raw.columns):
        col = raw[name]
        if col.dtype.kind in "iufbmM":
            continue
        sample = _sample_strings(col)
        if not sample or sum(map(_is_number, sample)) > 0.9 * len(sample):
            continue
        mean_length = sum(map(len, sample)) / len(sample)
        json_like = sum(map(_looks_like_json, sample)) > 0.9 * len(sample)
        key = (str(name).casefold() in TEXT_NAMES, not json_like, mean_length, -position, str(name))
        best = key if best is None or key > best else best
    if best is None:
        raise DatasetError(
            f"{path or 'The file'} has no column that looks like text "
            f"(columns: {', '.join(map(str, raw.columns))}). Choose the text column yourself."
        )
    return best[-1]


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


def label_key(value: Any) -> str:
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
    """raw label (as str) -> class name: user overrides, else defaults, else case-folded.

    A missing-value word ("NaN", "N/A", "null", ...) maps to "" (unlabelled) unless the
    user names it."""
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
        elif key.casefold() in MISSING_LABELS:
            name = ""  # unlabelled
        elif key in numeric_defaults:
            name = numeric_defaults[key]
        else:
            name = key.casefold()
        mapping[key] = name
    return mapping
