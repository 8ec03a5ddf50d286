"""Statistics of a loaded data set: class counts, duplicates, text lengths, split counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PERCENTILES = (5, 25, 50, 75, 95)
HISTOGRAM_BINS = 30


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

    text = frame["text"]
    label = frame["label"]
    labelled = label.notna()
    counts = label[labelled].value_counts()
    labels = {str(k): int(v) for k, v in sorted(counts.items()) if v > 0}

    duplicates = int(text.duplicated().sum())
    conflicting = 0
    if duplicates:
        dup_mask = text.duplicated(keep=False) & labelled
        if dup_mask.any():
            per_text = frame.loc[dup_mask, ["text", "label"]].astype("str")
            conflicting = int((per_text.groupby("text")["label"].nunique() > 1).sum())

    lengths = text.str.len().to_numpy(dtype=np.int64, na_value=0)
    stats = DatasetStats(
        rows=len(frame),
        labels=labels,
        unlabelled=int((~labelled).sum()),
        duplicates=duplicates,
        conflicting_duplicates=conflicting,
    )
    if len(lengths):
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

    split = frame["split"].astype("str")
    if (split != "").any():
        table = frame.assign(split=split)[labelled & (split != "")]
        grouped = table.groupby(["split", "label"], observed=True).size()
        for (name, lab), n in grouped.items():
            stats.splits.setdefault(str(name), {})[str(lab)] = int(n)
    return stats
