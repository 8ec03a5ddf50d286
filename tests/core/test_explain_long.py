"""Long texts: sentence by sentence for every model, bounded features, honest progress."""

from __future__ import annotations

import re

import numpy as np
import pytest

from desktop_app.core.explain.explainer import explain_text
from desktop_app.core.explain.lime_fast import STRING_OVERHEAD, CachedClassifier
from desktop_app.core.explain.long_text import MAX_PIECES, LongText, mean_of_units
from desktop_app.core.jobs import JobContext
from desktop_app.core.models import create_vader
from tests.core.toy_models import LexiconModel, WordModel

GOOD = "The acting was wonderful and the story was a great joy to watch from start to end."
BAD = "The plot was boring, the pace was awful and the ending felt terrible and cheap."
PLAIN = "The film runs for about two hours and was shot in a small town near the coast."


def long_text(chars: int, block: int = 4) -> str:
    """Blocks of ``block`` sentences of one kind (good, bad, plain), at least ``chars`` long."""
    parts: list[str] = []
    while len(" ".join(parts)) < chars or len(parts) % block:
        kind = [GOOD, BAD, PLAIN][len(parts) // block % 3]
        parts.append(kind.replace("The", f"Scene {len(parts)}: the", 1))
    return " ".join(parts)


def test_a_long_text_with_vader_is_bounded_and_its_progress_total_never_changes():
    text = long_text(20_000)
    assert len(text) >= 20_000
    events: list[tuple[int, int, str]] = []
    ctx = JobContext(
        on_progress=lambda p: events.append((p.done, p.total, p.message)), min_interval=0
    )
    # the defaults: 1,000 samples, 3 runs
    result = explain_text(create_vader(), text, label="positive", ctx=ctx)
    assert result["level"] == "chunk"
    assert 1 <= len(result["words"]) <= MAX_PIECES and result["num_features"] <= MAX_PIECES
    assert "sentence" in result["notes"][0]
    assert "".join(t["text"] for t in result["tokens"]) == text
    sentences = len(re.findall(r"[.!?](?:\s|$)", text))
    assert result["timings"]["model_texts"] <= sentences + 1  # one model call per sentence
    totals = {t for _, t, _ in events}
    assert len(totals) == 1  # the total is fixed from the first report
    done = [d for d, _, _ in events]
    assert done == sorted(done) and done[-1] == events[-1][1]
    # 4 sentences a chunk, one kind each: good chunks support "positive", bad ones oppose it
    good = [w["mean_weight"] for w in result["words"] if "wonderful" in w["word"]]
    bad = [w["mean_weight"] for w in result["words"] if "boring" in w["word"]]
    assert good and bad and min(good) > 0 > max(bad)


def plain_lime(text, pieces, model_proba, label, seed, num_samples):
    """Plain LimeTextExplainer with pieces as features and the mean-of-sentences rule applied
    to the perturbed strings themselves."""
    from lime.lime_text import LimeTextExplainer

    def classify(strings):
        rows = []
        for s in strings:
            present = np.array([[1.0 if unit in s else 0.0 for unit in pieces.units]])
            rows.append(
                mean_of_units(present, pieces.unit_proba, pieces.unit_words, pieces.empty_proba)[0]
            )
        return np.array(rows)

    group_strings = [pieces.indexed.word(f) for f in range(pieces.num_features)]
    ordered = sorted(group_strings, key=text.index)
    explainer = LimeTextExplainer(
        class_names=model_proba.labels, split_expression=lambda _t: ordered, bow=True,
        random_state=seed,
    )  # fmt: skip
    exp = explainer.explain_instance(
        text, classify, labels=(label,), num_features=pieces.num_features, num_samples=num_samples
    )
    return dict(exp.local_exp[label]), explainer


@pytest.mark.parametrize("max_pieces", [MAX_PIECES, 4])
def test_mask_lime_equals_plain_lime_on_the_same_rule(max_pieces):
    model = LexiconModel()
    sentences = [
        "Sentence one was good fun.",
        "Number two was bad!",
        "The third was boring and not great.",
        "Four is plain.",
        "Five is a great, great ride?",
        "Six was not bad at all.",
        "Seven ends it.",
    ]
    text = " ".join(sentences)
    pieces = LongText(text, max_pieces=max_pieces)
    assert pieces.units == sentences
    assert pieces.num_features == min(len(sentences), max_pieces)
    pieces.score_units(CachedClassifier(model))
    plain, _ = plain_lime(text, pieces, model, 2, seed=7, num_samples=300)
    from lime.lime_text import LimeTextExplainer

    explainer = LimeTextExplainer(class_names=model.labels, bow=True, random_state=7)
    ours = pieces.lime_run(explainer, 2, 300, pieces.num_features)["weights"]
    assert set(ours) == set(plain)
    assert max(abs(ours[f] - plain[f]) for f in plain) <= 1e-9


def test_sentences_are_weighted_by_length_and_an_empty_text_uses_the_model():
    model = WordModel("good")
    text = "good. " + " ".join(["filler words here"] * 3) + "."
    pieces = LongText(text)
    pieces.score_units(CachedClassifier(model))
    assert pieces.units == ["good.", "filler words here filler words here filler words here."]
    full = pieces.proba(np.ones((1, pieces.num_features)))[0, 1]
    assert full == pytest.approx((1 * 0.9 + 9 * 0.2) / 10)
    none = pieces.proba(np.zeros((1, pieces.num_features)))[0, 1]
    assert none == pytest.approx(0.2)  # WordModel("") -> 0.2
    only_good = pieces.predict_removing([[pieces.unit_feature[1]]])[0, 1]
    assert only_good == pytest.approx(0.9)


def test_progress_within_a_call_follows_the_characters_not_the_strings():
    model = WordModel("good")
    events: list[int] = []
    ctx = JobContext(on_progress=lambda p: events.append(p.done), min_interval=0)
    classifier = CachedClassifier(model, ctx=ctx, chunk_size=1)
    distinct = ["a", "bb good", "c" * 200, "d" * 792]
    classifier.progress_total = 1000
    classifier([t for t in distinct for _ in range(250)])  # 1,000 rows, 4 distinct strings
    costs = np.cumsum([len(t) + STRING_OVERHEAD for t in sorted(distinct, key=len)])
    expected = [int(1000 * c / costs[-1]) for c in costs]
    assert events == [0, *expected]  # the two short strings barely move the bar
    assert expected[1] < 50 and events[-1] == 1000
