"""The real files in ../shared/data (skipped when absent)."""

from __future__ import annotations

import pytest

from desktop_app.core.data.dataset import load_dataset


def texts(ds) -> list[str]:
    return ds.frame["text"].astype("str").tolist()


@pytest.mark.parametrize(
    ("name", "words"),
    [("rt-polarity.pos", ["buñuel", "não"]), ("rt-polarity.neg", ["buñuel", "não", "crème"])],
)
def test_rt_polarity_files_decode_as_windows_1252(shared_data, name, words):
    ds = load_dataset(shared_data / "sentiment" / name)
    r = ds.report
    assert (r.format, r.encoding, r.lines_read, r.rows, r.dropped) == (
        "text",
        "windows-1252",
        5331,
        5331,
        {},
    )
    joined = "\n".join(texts(ds))
    for word in words:
        assert word in joined, word
    assert "ń" not in joined and "\ufffd" not in joined  # what a cp1250 guess would give
    assert ds.labels == [] and any("No label column" in w for w in r.warnings)


def test_rt_polarity_csv(shared_data):
    ds = load_dataset(shared_data / "sentiment" / "rt_polarity.csv")
    r = ds.report
    assert (r.encoding, r.delimiter, r.has_header, r.lines_read, r.rows) == (
        "utf-8",
        ",",
        True,
        10663,
        10662,
    )
    assert ds.stats().labels == {"negative": 5331, "positive": 5331}
    split = ds.split(0.8, 0.1, 0.1, seed=0)
    assert split.stats().splits["test"] == {"negative": 533, "positive": 533}


def test_tweeteval_has_three_classes(shared_data):
    ds = load_dataset(shared_data / "sentiment" / "tweeteval_val.csv")
    assert ds.labels == ["negative", "neutral", "positive"]
    assert ds.stats().labels == {"negative": 312, "neutral": 869, "positive": 819}
    assert ds.report.rows == 2000


def test_nltk_sentence_polarity_from_the_shared_data_path(shared_data, monkeypatch):
    import nltk

    from desktop_app.core.data.samples import available_corpora

    monkeypatch.setattr(nltk.data, "path", [str(shared_data / "nltk_data")])
    assert {"sentence_polarity", "movie_reviews"} <= set(available_corpora())
    ds = load_dataset("nltk:sentence_polarity")
    assert ds.stats().labels == {"negative": 5331, "positive": 5331}
    assert any("buñuel" in t for t in texts(ds))
