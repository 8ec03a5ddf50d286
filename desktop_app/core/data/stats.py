"""Statistics of a loaded data set: class counts, duplicates, text lengths, split counts.

:func:`compute_stats` runs on the Dataset tab's loader thread while the GUI thread keeps
painting, so it avoids single calls that hold the GIL for long over a million rows (pandas
``duplicated``/``groupby`` on strings, ``astype("str")``): counts come from the category
codes with ``numpy.bincount``, duplicates from one Arrow dictionary encoding (Arrow releases
the GIL while it hashes), and columns that are not Arrow strings yet are converted in slices.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PERCENTILES = (5, 25, 50, 75, 95)
HISTOGRAM_BINS = 30
CHUNK_ROWS = 100_000  # slices for conversions that hold the GIL (about 10 ms each)


@dataclass
class DatasetStats:
    """What the Dataset tab and ``inspect`` show about a data set.

    ``duplicates`` counts rows whose text already occurred in an earlier row;
    ``conflicting_duplicates`` counts distinct texts that carry more than one label.
    Lengths are in characters. ``length_counts[i]`` rows have a length in
    ``[length_edges[i], length_edges[i + 1])`` (the last bin includes its right edge).
    """

    rows: int
    labels: dict[str, int]
    unlabelled: int
    duplicates: int
    conflicting_duplicates: int
    length_min: int = 0
    length_max: int = 0
    length_mean: float = 0.0
    length_percentiles: dict[str, float] = field(default_factory=dict)  # "p5" ... "p95"
    length_counts: list[int] = field(default_factory=list)
    length_edges: list[float] = field(default_factory=list)
    splits: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> label -> rows

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute_stats(frame: Any) -> DatasetStats:
    """Statistics of a Dataset frame (columns text, label, source_row, split)."""
    import numpy as np
    import pyarrow.compute as pc

    n = len(frame)
    label_codes, label_names = category_codes(frame["label"])
    labelled = label_codes >= 0
    per_class = np.bincount(label_codes[labelled], minlength=len(label_names))
    labels = {
        str(name): int(count)
        for name, count in sorted(zip(label_names, per_class.tolist(), strict=True))
        if count > 0
    }

    text = arrow_strings(frame["text"])
    text_codes, distinct = _text_codes(text)
    duplicates = n - distinct
    conflicting = 0
    if duplicates:
        conflicting = _conflicting(text_codes, label_codes, len(label_names))

    lengths = np.zeros(n, dtype=np.int64)
    start = 0
    for chunk in text.chunks:
        counted = pc.fill_null(pc.utf8_length(chunk), 0)  # missing text: length 0
        lengths[start : start + len(chunk)] = counted.to_numpy(zero_copy_only=False)
        start += len(chunk)
    stats = DatasetStats(
        rows=n,
        labels=labels,
        unlabelled=int(n - np.count_nonzero(labelled)),
        duplicates=duplicates,
        conflicting_duplicates=conflicting,
    )
    if n:
        stats.length_min = int(lengths.min())
        stats.length_max = int(lengths.max())
        stats.length_mean = float(lengths.mean())
        values = np.percentile(lengths, PERCENTILES)
        stats.length_percentiles = {
            f"p{p}": float(v) for p, v in zip(PERCENTILES, values, strict=True)
        }
        hist, edges = np.histogram(lengths, bins=HISTOGRAM_BINS)
        stats.length_counts = [int(c) for c in hist]
        stats.length_edges = [float(e) for e in edges]

    stats.splits = split_counts(frame["split"], label_codes, label_names)
    return stats


def category_codes(column: Any) -> tuple[Any, list[Any]]:
    """Integer codes (-1 = missing) and category values of a column, categorical or not."""
    import numpy as np
    import pandas as pd

    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("category")  # not a Dataset frame's usual column: rare, small
    return np.asarray(column.cat.codes), list(column.cat.categories)


def split_counts(split: Any, label_codes: Any, label_names: list[Any]) -> dict[str, dict[str, int]]:
    """split -> class -> labelled rows, for rows in a named split (not "" or missing)."""
    import numpy as np

    split_codes, split_names = category_codes(split)
    named = [i for i, name in enumerate(split_names) if str(name) != ""]
    width = len(label_names)
    if not named or not width or not len(split_codes):
        return {}
    rows = (split_codes >= 0) & (label_codes >= 0)
    keys = split_codes[rows].astype(np.int64) * width + label_codes[rows]
    table = np.bincount(keys, minlength=len(split_names) * width).reshape(-1, width)
    out: dict[str, dict[str, int]] = {}
    # Splits by name, classes in category order: the order groupby gave before.
    for i in sorted(named, key=lambda i: str(split_names[i])):
        for j, count in enumerate(table[i].tolist()):
            if count:
                out.setdefault(str(split_names[i]), {})[str(label_names[j])] = int(count)
    return out


def arrow_strings(column: Any, chunk: int = CHUNK_ROWS) -> Any:
    """The column as a ``pyarrow.ChunkedArray`` of strings (missing values stay null).

    Arrow-backed string columns (the loader's) are returned as they are; others are
    converted ``chunk`` rows at a time, as ``astype("str")`` would convert them.
    """
    import pandas as pd
    import pyarrow as pa

    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        arrow = column.array.__arrow_array__()
        return arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
    string = pd.StringDtype("pyarrow")
    parts = [
        pd.array(column.iloc[start : start + chunk].to_numpy(), dtype=string).__arrow_array__()
        for start in range(0, len(column), chunk)
    ]
    chunks = [c for part in parts for c in getattr(part, "chunks", [part])]
    return pa.chunked_array(chunks, type=pa.large_string())


def _text_codes(text: Any) -> tuple[Any, int]:
    """One code per row (equal texts, and missing ones, share a code) and the distinct count."""
    import numpy as np
    import pyarrow.compute as pc

    if len(text) == 0:
        return np.zeros(0, dtype=np.int64), 0
    encoded = pc.dictionary_encode(text, null_encoding="encode")  # hashes without the GIL
    sizes = {len(c.dictionary) for c in encoded.chunks}
    if len(sizes) > 1:  # each chunk with its own dictionary: map them onto one
        encoded = encoded.unify_dictionaries()
    codes = np.empty(len(text), dtype=np.int64)
    start = 0
    for chunk in encoded.chunks:
        codes[start : start + len(chunk)] = chunk.indices.to_numpy(zero_copy_only=False)
        start += len(chunk)
    return codes, len(encoded.chunks[-1].dictionary)


def _conflicting(text_codes: Any, label_codes: Any, classes: int) -> int:
    """Distinct texts that carry more than one label (labelled rows only)."""
    import numpy as np

    labelled = label_codes >= 0
    pairs = np.sort(text_codes[labelled] * max(classes, 1) + label_codes[labelled])
    if not len(pairs):
        return 0
    first = np.empty(len(pairs), dtype=bool)
    first[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    texts = pairs[first] // max(classes, 1)  # one entry per distinct (text, label)
    return int(np.count_nonzero(np.bincount(texts) > 1))
