"""Label normalisation, column re-picking, statistics and the stratified split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from desktop_app.core.data.dataset import LoadOptions, load_dataset
from desktop_app.core.errors import DatasetError


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def labels(ds) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in ds.frame["label"].tolist()]


def test_string_labels_are_stripped_and_case_folded(tmp_path):
    path = write(tmp_path, "x.csv", "text,label\na, Positive \nb,POSITIVE\nc,negative\n")
    ds = load_dataset(path)
    assert labels(ds) == ["positive", "positive", "negative"]
    assert ds.report.label_names == {
        "Positive": "positive",
        "POSITIVE": "positive",
        "negative": "negative",
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("0 1 1", ["negative", "positive", "positive"]),
        ("0 1 2", ["negative", "neutral", "positive"]),
        ("-1 1 1", ["negative", "positive", "positive"]),
        ("1.0 0.0 1.0", ["positive", "negative", "positive"]),
        ("3 5 4", ["3", "5", "4"]),
    ],
)
def test_numeric_labels_get_default_names(tmp_path, values, expected):
    rows = "".join(f"text {i},{v}\n" for i, v in enumerate(values.split()))
    ds = load_dataset(write(tmp_path, "x.csv", "text,label\n" + rows))
    assert labels(ds) == expected


def test_label_names_are_editable(tmp_path):
    path = write(tmp_path, "x.csv", "text,label\na,0\nb,1\nc,2\n")
    ds = load_dataset(path, LoadOptions(label_names={"1": "meh", "2": "great"}))
    assert labels(ds) == ["negative", "meh", "great"]
    assert ds.report.label_names == {"0": "negative", "1": "meh", "2": "great"}
    again = ds.with_columns("text", "label", {"0": "bad", "1": "bad", "2": "good"})
    assert labels(again) == ["bad", "bad", "good"] and again.labels == ["bad", "good"]


def test_nan_and_blank_labels_are_the_unlabelled_pool(tmp_path):
    path = write(tmp_path, "x.csv", "text,label\na,pos\nb,\nc,   \nd,neg\n")
    ds = load_dataset(path)
    assert labels(ds) == ["pos", None, None, "neg"]
    assert ds.report.rows == 4 and ds.report.dropped == {}
    stats = ds.stats()
    assert (stats.unlabelled, stats.labels) == (2, {"neg": 1, "pos": 1})
    split = ds.split(0.5, 0.0, 0.5, seed=1)
    assert split.frame["split"].astype("str").tolist()[1:3] == ["", ""]
    assert any("unlabelled pool" in n for n in ds.report.notes)


def test_with_columns_reuses_the_raw_table(tmp_path):
    path = write(
        tmp_path,
        "x.csv",
        "title,body,stars,mood\nt1,long text one,1,happy\nt2,,0,sad\n"
        "t3,long text three,1,happy\nt4,long text four,0,sad\n",
    )
    ds = load_dataset(path)
    assert (ds.report.text_column, ds.report.label_column) == ("body", "stars")
    assert ds.report.dropped == {"empty text": 1}
    other = ds.with_columns("title", "mood")
    assert other.frame["text"].tolist() == ["t1", "t2", "t3", "t4"]
    assert labels(other) == ["happy", "sad", "happy", "sad"]
    assert other.report.dropped == {}
    none = ds.with_columns("title", None)
    assert none.report.label_column is None and none.labels == []
    with pytest.raises(DatasetError, match="must be different"):
        ds.with_columns("title", "title")


def test_stats_duplicates_conflicts_and_lengths(tmp_path):
    path = write(
        tmp_path,
        "x.csv",
        "text,label\nsame,pos\nsame,neg\nsame,pos\ntwice,pos\ntwice,pos\nlonger text here,neg\nx,\n",
    )
    stats = load_dataset(path).stats()
    assert stats.rows == 7
    assert stats.labels == {"neg": 2, "pos": 4}
    assert stats.unlabelled == 1
    assert stats.duplicates == 3  # two repeats of "same", one of "twice"
    assert stats.conflicting_duplicates == 1  # only "same" has two labels
    assert sum(stats.length_counts) == 7
    assert (stats.length_min, stats.length_max) == (1, 16)
    assert len(stats.length_edges) == len(stats.length_counts) + 1
    assert stats.length_percentiles["p50"] == 4.0


def _balanced(tmp_path: Path, n: int = 100) -> Path:
    rows = "".join(f"text number {i},{'pos' if i % 4 else 'neg'}\n" for i in range(n))
    return write(tmp_path, "x.csv", "text,label\n" + rows)


def test_split_is_stratified_seeded_and_stored_per_row(tmp_path):
    ds = load_dataset(_balanced(tmp_path))
    split = ds.split(0.8, 0.1, 0.1, seed=7)
    counts = split.stats().splits
    assert counts == {
        "train": {"neg": 20, "pos": 60},
        "validation": {"neg": 2, "pos": 8},
        "test": {"neg": 3, "pos": 7},
    } or counts == {
        "train": {"neg": 20, "pos": 60},
        "validation": {"neg": 3, "pos": 7},
        "test": {"neg": 2, "pos": 8},
    }
    again = ds.split(0.8, 0.1, 0.1, seed=7)
    assert split.frame["split"].tolist() == again.frame["split"].tolist()
    other = ds.split(0.8, 0.1, 0.1, seed=8)
    assert split.frame["split"].tolist() != other.frame["split"].tolist()
    texts, labs = split.split_data("test")
    assert len(texts) == len(labs) == 10
    assert ds.frame["split"].astype("str").eq("").all()  # the original is unchanged


def test_split_data_before_split_and_bad_names(tmp_path):
    ds = load_dataset(_balanced(tmp_path, 10))
    with pytest.raises(DatasetError, match="not split yet"):
        ds.split_data("train")
    with pytest.raises(DatasetError, match="Unknown split"):
        ds.split(0.8, 0.1, 0.1).split_data("dev")


def test_split_with_a_tiny_class_falls_back_with_a_warning(tmp_path):
    rows = "".join(f"t{i},pos\n" for i in range(20)) + "lonely,neg\n"
    ds = load_dataset(write(tmp_path, "x.csv", "text,label\n" + rows))
    split = ds.split(0.8, 0.1, 0.1, seed=0)
    assert any("not stratified" in w and "neg" in w for w in split.report.warnings)
    sizes = split.frame["split"].astype("str").value_counts().to_dict()
    assert sizes == {"train": 17, "validation": 2, "test": 2}


def test_impossible_splits_are_clear_errors(tmp_path):
    ds = load_dataset(write(tmp_path, "x.csv", "text,label\na,pos\nb,neg\n"))
    with pytest.raises(DatasetError, match="Only 2 labelled rows"):
        ds.split(0.8, 0.1, 0.1)
    with pytest.raises(DatasetError, match="add up to 1"):
        ds.split(0.5, 0.1, 0.1)
    unlabelled = load_dataset(write(tmp_path, "y.txt", "a\nb\nc\n"))
    with pytest.raises(DatasetError, match="Only 0 labelled rows"):
        unlabelled.split()


def test_a_class_seen_only_on_dropped_rows_is_not_a_class(tmp_path):
    ds = load_dataset(write(tmp_path, "x.csv", "text,label\ngood,pos\n,neg\nbad,meh\n"))
    assert ds.labels == ["meh", "pos"]
    assert list(ds.frame["label"].cat.categories) == ["meh", "pos"]
    assert ds.report.label_names == {"pos": "pos", "neg": "neg", "meh": "meh"}
