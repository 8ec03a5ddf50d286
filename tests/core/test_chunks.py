"""Long texts read in windows: boundaries, overlap, aggregation, the limit, empty texts,
every model kind, saved limits, and the results of predict, score_pool and explain."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from desktop_app.core.errors import UserError
from desktop_app.core.predict.chunks import (
    aggregate,
    check_long_text,
    plan_reading,
    plan_windows,
    predict_long,
    text_chunks,
)
from tests.core.tiny_models import FILLER, NEGATIVE, POSITIVE, make_tiny_bert

torch.set_num_threads(1)


# -- windows and aggregation (pure) ---------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 50, 100])
def test_a_text_that_fits_is_one_window(n):
    assert plan_windows(n, 100, 16) == [(0, n)]


@pytest.mark.parametrize("n", [101, 150, 199, 200, 517, 1000, 4321])
@pytest.mark.parametrize("overlap", [0, 16, 32])
def test_windows_cover_the_text_with_the_overlap_asked_for(n, overlap):
    size = 100
    windows = plan_windows(n, size, overlap)
    assert windows[0][0] == 0 and windows[-1][1] == n  # first and last token read
    assert all(end - start == size for start, end in windows)  # full windows only
    starts = [start for start, _ in windows]
    assert starts == sorted(set(starts))
    shared = [
        a_end - b_start for (_, a_end), (b_start, _) in zip(windows, windows[1:], strict=False)
    ]
    assert min(shared) >= overlap  # neighbours share at least the overlap: no token skipped
    # the fewest windows: one less could not cover n tokens with that overlap
    fewer = len(windows) - 1
    assert fewer < 2 or fewer * size - (fewer - 1) * overlap < n


def test_overlap_is_at_most_half_a_window():
    windows = plan_windows(300, 100, overlap=90)
    assert (
        windows == plan_windows(300, 100, overlap=50) == [(i, i + 100) for i in range(0, 201, 50)]
    )


def test_one_token_over_the_window_gives_two_windows():
    assert plan_windows(101, 100, 10) == [(0, 100), (1, 101)]


def test_mean_and_weighted_aggregation():
    probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    owner = [0, 0, 1, 2]
    tokens = [30, 10, 5, 7]
    mean = aggregate(probs, owner, 3)
    np.testing.assert_allclose(mean, [[0.6, 0.4], [0.2, 0.8], [0.6, 0.4]])
    weighted = aggregate(probs, owner, 3, tokens, how="weighted")
    np.testing.assert_allclose(
        weighted[0], [(0.9 * 30 + 0.3 * 10) / 40, (0.1 * 30 + 0.7 * 10) / 40]
    )
    np.testing.assert_allclose(weighted[1:], mean[1:])
    with pytest.raises(ValueError):
        aggregate(probs[:1], [0], 2)  # the second text has no window


def test_long_text_mode_is_checked():
    assert check_long_text(None) == "chunk"
    assert check_long_text(" Truncate ") == "truncate"
    with pytest.raises(UserError, match="chunk.*truncate"):
        check_long_text("summarise")


# -- a tiny BERT (64 positions) ----------------------------------------------------------------
@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    from desktop_app.core.models.transformer import TransformerModel

    folder = make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
    model = TransformerModel.create(str(folder), ["negative", "positive"])
    model.max_length = 12  # a short training length must not limit prediction
    return model


WORDS = POSITIVE + NEGATIVE + FILLER


def words(n: int, seed: int = 0) -> str:
    """``n`` words of the tiny vocabulary: exactly ``n`` tokens for the tiny BERT."""
    rng = np.random.default_rng(seed)
    return " ".join(WORDS[i] for i in rng.integers(0, len(WORDS), n))


def test_the_limit_is_what_the_model_accepts_not_the_training_length(bert):
    assert bert.inference_limit == 64 and bert.chunk_tokens == 64
    assert bert.special_tokens == 2 and bert.template() == ([2], [3])  # [CLS] ... [SEP]
    assert bert.truncated([words(20)]) == [True]  # training would cut it at 12 ...
    assert predict_long(bert, [words(20)]).chunks == [1]  # ... prediction reads it whole


def test_a_text_exactly_at_the_limit_is_read_whole(bert):
    at, over = words(62), words(63)  # 62 tokens + [CLS] + [SEP] = 64
    reading = plan_reading(bert, [at, over])
    assert reading.counts == [1, 2] and reading.cut == [False, False]
    assert [len(ids) for ids in reading.inputs] == [64, 64, 64]
    assert all(ids[0] == 2 and ids[-1] == 3 for ids in reading.inputs)
    assert reading.tokens == [62, 62, 62] and reading.owner == [0, 1, 1]


def test_texts_over_the_window_are_split_and_truncate_reads_up_to_the_limit(bert):
    texts = [words(30), words(31), words(62), words(63)]  # + [CLS] [SEP]: 32, 33, 64, 65
    chunked = plan_reading(bert, texts, chunk_tokens=32, overlap=8)
    assert chunked.counts == [1, 2, len(plan_windows(62, 30, 8)), len(plan_windows(63, 30, 8))]
    assert max(len(ids) for ids in chunked.inputs) == 32
    cut = plan_reading(bert, texts, "truncate", chunk_tokens=32)
    assert cut.counts == [1, 1, 1, 1] and cut.cut == [False, False, False, True]
    assert [len(ids) for ids in cut.inputs] == [32, 33, 64, 64]


def test_windows_overlap_and_their_spans_are_the_passages_read(bert):
    text = words(300, seed=1)
    read = predict_long(bert, [text], offsets=True)
    chunks = text_chunks(read, bert.labels, 0, len(text))
    assert len(chunks) == read.chunks[0] == len(plan_windows(300, 62))
    assert chunks[0]["start"] == 0 and chunks[-1]["end"] == len(text)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b["start"] < a["end"]  # neighbours overlap
    # each window's probabilities are the model's for that passage on its own
    passages = [text[c["start"] : c["end"]] for c in chunks]
    assert all(len(p.split()) == 62 for p in passages)
    direct = bert.predict_proba(passages)
    got = np.array([[c["probabilities"][x] for x in bert.labels] for c in chunks])
    np.testing.assert_allclose(got, direct, atol=1e-5)
    # the document: the mean of its windows, and what predict_proba says
    np.testing.assert_allclose(read.probabilities[0], direct.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(bert.predict_proba([text])[0], read.probabilities[0], atol=1e-6)


def test_truncate_reads_only_the_first_window(bert):
    text = words(300, seed=2)
    read = predict_long(bert, [text, "good film"], "truncate", offsets=True)
    assert read.chunks == [1, 1] and read.cut == [True, False]
    first = " ".join(text.split()[:62])
    np.testing.assert_allclose(read.probabilities[0], bert.predict_proba([first])[0], atol=1e-5)
    assert text_chunks(read, bert.labels, 0, len(text))[0]["end"] == len(first)


def test_an_empty_text_is_one_window_of_special_tokens(bert):
    reading = plan_reading(bert, ["", "   "], offsets=True)
    assert reading.counts == [1, 1] and reading.inputs == [[2, 3], [2, 3]]
    assert reading.spans == [(0, 0), (0, 3)] and reading.tokens == [0, 0]
    assert predict_long(bert, [""]).probabilities.shape == (1, 2)


def test_batches_of_mixed_lengths_give_the_same_answer_as_one_by_one(bert):
    texts = [words(n, seed=n) for n in (5, 70, 200, 62, 63, 1)]
    together = predict_long(bert, texts, batch_size=3)
    alone = np.vstack([predict_long(bert, [t]).probabilities for t in texts])
    np.testing.assert_allclose(together.probabilities, alone, atol=1e-5)
    assert together.chunks == [predict_long(bert, [t]).chunks[0] for t in texts]


def test_saved_model_keeps_both_lengths_and_old_folders_get_the_limit(bert, tmp_path):
    from desktop_app.core.models import load_model

    bert.save(tmp_path / "m")
    info = json.loads((tmp_path / "m" / "training.json").read_text())
    assert info["max_length"] == 12 and info["inference_limit"] == 64
    loaded = load_model(str(tmp_path / "m"), device="cpu")
    assert loaded.max_length == 12 and loaded.inference_limit == 64
    # a folder saved before: only the training percentile as "max_length"
    del info["inference_limit"]
    (tmp_path / "m" / "training.json").write_text(json.dumps(info))
    old = load_model(str(tmp_path / "m"), device="cpu")
    assert old.max_length == 12 and old.inference_limit == 64  # from the config


# -- the BiLSTM: its own chunk length -----------------------------------------------------------
@pytest.fixture(scope="module")
def bilstm():
    from desktop_app.core.models.bilstm import BiLSTMModel

    vocab = ["<pad>", "<unk>", *sorted(set(WORDS)), "."]
    arch = {"embedding_dim": 8, "hidden_size": 8, "num_layers": 1, "dropout": 0.0}
    torch.manual_seed(0)
    return BiLSTMModel(vocab, ["negative", "positive"], arch, inference_limit=10)


def test_bilstm_reads_windows_of_its_own_length(bilstm):
    text = "The film was good. " * 6
    n = len(bilstm.pipeline(text))  # Treebank keeps "good." whole inside the text: 25
    read = predict_long(bilstm, [text, "bad film"], offsets=True)
    assert bilstm.chunk_tokens == 10 and read.chunks == [len(plan_windows(n, 10)), 1]
    chunks = text_chunks(read, bilstm.labels, 0, len(text))
    assert chunks[0]["start"] == 0 and chunks[-1]["end"] == len(text.rstrip())
    assert (
        text[chunks[0]["start"] : chunks[0]["end"]]
        == "The film was good. The film was good. The film"
    )
    first = bilstm.predict_proba([text[chunks[0]["start"] : chunks[0]["end"]]])[0]
    np.testing.assert_allclose(list(chunks[0]["probabilities"].values()), first, atol=1e-5)
    windows = np.array([list(c["probabilities"].values()) for c in chunks])
    np.testing.assert_allclose(read.probabilities[0], windows.mean(axis=0), atol=1e-6)
    assert predict_long(bilstm, [text], "truncate").cut == [True]


def test_bilstm_spans_follow_quotes_and_stop_words():
    from desktop_app.core.models.bilstm import TextPipeline

    text = 'He said "I didn\'t like it." Then he left.'
    tokens, spans = TextPipeline(remove_stopwords=True).with_spans(text)
    assert tokens == TextPipeline(remove_stopwords=True)(text)
    assert [text[a:b].lower() for a, b in spans] == [
        t if t not in ("``", "''") else '"' for t in tokens
    ]


# -- results: predict, predict_batch, score_pool, explain ------------------------------------
def test_predict_results_count_chunks_and_rows_have_a_chunks_column(bert):
    from desktop_app.core.predict.batch import predict_batch, predict_texts, results_rows

    texts = [words(10), words(150, seed=3)]
    k = len(plan_windows(150, 62))  # 4
    single = predict_texts(bert, texts)
    assert single["chunks"] == [1, k] and single["long_text"] == "chunk"
    assert single["inference_limit"] == 64
    assert [len(d) for d in single["chunk_details"]] == [1, k]
    batch = predict_batch(bert, texts, ["positive", "negative"], batch_size=2)
    assert batch["chunks"] == [1, k] and batch["truncated"] == [False, False]
    np.testing.assert_allclose(batch["probabilities"], single["probabilities"], atol=1e-5)
    assert batch["chunks_per_second"] == pytest.approx((1 + k) / 2 * batch["texts_per_second"])
    rows = results_rows(texts, batch, ["positive", "negative"])
    assert [row["chunks"] for row in rows] == [1, k] and "truncated" not in rows[0]
    cut = predict_batch(bert, texts, long_text="truncate")
    assert cut["chunks"] == [1, 1] and cut["truncated"] == [False, True]
    with pytest.raises(UserError):
        predict_batch(bert, texts, long_text="middle")


def test_score_pool_reads_long_texts_by_the_same_rule(bert):
    from desktop_app.core.jobs import JobContext
    from desktop_app.jobs import WorkerState, resolve

    state = WorkerState(model=bert)
    texts = [words(150, seed=4), words(8), words(64, seed=5)]
    out = resolve("score_pool")(state, {"row_ids": [7, 8, 9], "texts": texts}, JobContext())
    by_row = dict(zip(out["row_ids"], out["probabilities"], strict=True))
    chunks = dict(zip(out["row_ids"], out["chunks"], strict=True))
    expected = predict_long(bert, texts).probabilities
    for row, probs in zip((7, 8, 9), expected, strict=True):
        np.testing.assert_allclose(by_row[row], probs, atol=1e-4)
    assert chunks == {7: len(plan_windows(150, 62)), 8: 1, 9: 2} and out["long_text"] == "chunk"
    cut = resolve("score_pool")(
        state, {"row_ids": [7], "texts": texts[:1], "long_text": "truncate"}, JobContext()
    )
    assert cut["chunks"] == [1]


def test_explain_gives_each_chunk_of_a_long_text(bert):
    from desktop_app.core.explain.explainer import explain_text

    text = ". ".join(words(9, seed=i) for i in range(30)) + "."  # 30 sentences, 300 words
    result = explain_text(bert, text, num_samples=50, runs=1)
    assert result["level"] == "sentence" and len(result["chunks"]) > 1
    read = predict_long(bert, [text])
    assert len(result["chunks"]) == read.chunks[0]
    document = [result["probabilities"][x] for x in bert.labels]
    np.testing.assert_allclose(document, read.probabilities[0], atol=1e-5)
    means = np.mean([[c["probabilities"][x] for x in bert.labels] for c in result["chunks"]], 0)
    np.testing.assert_allclose(document, means, atol=1e-5)
    assert result["sentence_probabilities"] is not None
    assert result["predicted"] == bert.labels[int(np.argmax(document))]
    assert any("chunks" in note for note in result["notes"])
    short = explain_text(bert, "a good film", num_samples=50, runs=1)
    assert [(c["start"], c["end"]) for c in short["chunks"]] == [(0, len("a good film"))]
    assert short["sentence_probabilities"] is None and short["truncated"] is False
    cut = explain_text(bert, text, num_samples=50, runs=1, long_text="truncate")
    assert cut["truncated"] is True and len(cut["chunks"]) == 1
    assert any("truncated" in note for note in cut["notes"])
