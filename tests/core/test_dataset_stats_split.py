"""Statistics and the stratified split on larger random frames, against plain pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from desktop_app.core.data.dataset import SPLIT_CATEGORIES, SPLITS, Dataset, LoadReport
from desktop_app.core.data.readers import RawTable
from desktop_app.core.data.stats import compute_stats


def random_frame(rows: int, seed: int, text_dtype: str = "str") -> pd.DataFrame:
    """Texts with many repeats (some with other labels), unlabelled rows, classes of unequal
    size in an unsorted category order, and a split column with every part."""
    rng = np.random.default_rng(seed)
    texts = [f"text {i} é" for i in rng.integers(0, rows // 3, size=rows)]
    codes = rng.choice([-1, 0, 1, 2], size=rows, p=[0.1, 0.5, 0.3, 0.1])
    splits = rng.integers(0, len(SPLIT_CATEGORIES), size=rows)
    return pd.DataFrame(
        {
            "text": pd.Series(texts, dtype=text_dtype),
            "label": pd.Categorical.from_codes(codes, categories=["pos", "neg", "meh"]),
            "source_row": np.arange(rows),
            "split": pd.Categorical.from_codes(splits, categories=list(SPLIT_CATEGORIES)),
        }
    )


def pandas_stats(frame: pd.DataFrame) -> dict:
    """The statistics computed the straightforward pandas way."""
    text, label = frame["text"], frame["label"]
    labelled = label.notna()
    counts = label[labelled].value_counts()
    dup_mask = text.duplicated(keep=False) & labelled
    per_text = frame.loc[dup_mask, ["text", "label"]].astype("str")
    split = frame["split"].astype("str")
    table = frame.assign(split=split)[labelled & (split != "")]
    splits: dict[str, dict[str, int]] = {}
    for (name, lab), n in table.groupby(["split", "label"], observed=True).size().items():
        splits.setdefault(str(name), {})[str(lab)] = int(n)
    lengths = text.str.len().to_numpy(dtype=np.int64)
    hist, edges = np.histogram(lengths, bins=30)
    return {
        "labels": {str(k): int(v) for k, v in sorted(counts.items()) if v > 0},
        "unlabelled": int((~labelled).sum()),
        "duplicates": int(text.duplicated().sum()),
        "conflicting_duplicates": int((per_text.groupby("text")["label"].nunique() > 1).sum()),
        "length_counts": hist.tolist(),
        "length_edges": edges.tolist(),
        "length_mean": float(lengths.mean()),
        "splits": splits,
    }


@pytest.mark.parametrize(("seed", "text_dtype"), [(0, "str"), (1, "str"), (2, "object")])
def test_stats_match_pandas(seed, text_dtype):
    frame = random_frame(30_000, seed, text_dtype)
    stats = compute_stats(frame).to_dict()
    expected = pandas_stats(frame)
    assert expected["duplicates"] > 0 and expected["conflicting_duplicates"] > 0
    for key, value in expected.items():
        assert stats[key] == value, key
    # Same insertion order as before too (splits by name, classes in category order).
    assert list(stats["splits"]) == list(expected["splits"])
    assert [list(v) for v in stats["splits"].values()] == [
        list(v) for v in expected["splits"].values()
    ]


def test_stats_of_unique_texts_and_of_a_frame_without_labels():
    frame = random_frame(1000, 3)
    frame["text"] = pd.Series([f"unique {i}" for i in range(1000)], dtype="str")
    assert (compute_stats(frame).duplicates, compute_stats(frame).conflicting_duplicates) == (0, 0)
    frame["label"] = pd.Categorical.from_codes(np.full(1000, -1), categories=[])
    stats = compute_stats(frame)
    assert (stats.labels, stats.unlabelled, stats.splits) == ({}, 1000, {})


def _dataset(frame: pd.DataFrame) -> Dataset:
    frame = frame.assign(
        split=pd.Categorical.from_codes(np.zeros(len(frame), np.int8), list(SPLIT_CATEGORIES))
    )
    report = LoadReport(path="x", format="csv", encoding=None, delimiter=None, has_header=None,
                        lines_read=len(frame), rows=len(frame))  # fmt: skip
    labels = [str(c) for c in frame["label"].cat.categories]
    return Dataset(frame, frame, report, labels, RawTable(frame=frame, format="csv"))


@pytest.mark.parametrize("fractions", [(0.8, 0.1, 0.1), (0.7, 0.0, 0.3), (0.6, 0.25, 0.15)])
def test_large_split_is_stratified_complete_and_seeded(fractions):
    ds = _dataset(random_frame(20_000, 4))
    split = ds.split(*fractions, seed=3)
    frame = split.frame
    labelled = frame["label"].notna().to_numpy()
    names = frame["split"].astype("str").to_numpy()
    assert (names[~labelled] == "").all()  # the unlabelled pool stays out of the split
    assert (names[labelled] != "").all()  # every labelled row is in a part
    n = int(labelled.sum())
    per_class = frame.loc[labelled, "label"].value_counts()
    for name, fraction in zip(SPLITS, fractions, strict=True):
        part = names == name
        assert abs(int(part.sum()) - n * fraction) <= 1
        for label, count in per_class.items():
            in_part = int((part & (frame["label"] == label).to_numpy()).sum())
            assert abs(in_part - count * fraction) <= 2, (name, label)
    assert not any("not stratified" in w for w in split.report.warnings)
    again = ds.split(*fractions, seed=3)
    assert again.frame["split"].tolist() == frame["split"].tolist()
    other = ds.split(*fractions, seed=4)
    assert other.frame["split"].tolist() != frame["split"].tolist()
