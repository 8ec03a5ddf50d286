"""Label suggestions never offer a class the project does not have (issue 11, section 2)."""

from __future__ import annotations

import pytest

from desktop_app.core.labelling.suggestions import match_classes, suggest

MODEL = ["negative", "neutral", "positive"]


def test_a_class_the_project_lacks_is_never_suggested_and_probabilities_renormalise():
    probs = [
        [0.2, 0.7, 0.1],  # the model says neutral; among the project's classes: negative
        [0.1, 0.5, 0.4],
        [0.45, 0.1, 0.45],  # a tie once neutral is gone: as unsure as can be
    ]
    out, match = suggest([10, 11, 12], probs, MODEL, ["negative", "positive"], "model-7")
    assert match.left_out == ("neutral",) and match.usable
    assert {s.label for s in out.values()} <= {"negative", "positive"}
    assert out[10].label == "negative"
    assert out[10].confidence == pytest.approx(2 / 3, abs=1e-6)
    assert out[10].margin == pytest.approx(1 / 3, abs=1e-6)
    assert out[11].label == "positive" and out[11].confidence == pytest.approx(0.8)
    assert out[12].margin == pytest.approx(0.0)
    assert all(s.model_id == "model-7" for s in out.values())
    assert "“neutral” is left out" in match.note()


def test_the_same_classes_in_another_order_change_nothing():
    out, match = suggest([1], [[0.2, 0.3, 0.5]], MODEL, ["positive", "negative", "neutral"])
    assert match.note() == ""
    assert out[1].label == "positive" and out[1].confidence == pytest.approx(0.5)
    assert out[1].margin == pytest.approx(0.2)


def test_classes_the_model_does_not_know_are_said_and_too_few_give_no_suggestion():
    match = match_classes(MODEL, ["negative", "positive", "mixed"])
    assert match.missing == ("mixed",) and "never suggests “mixed”" in match.note()
    out, none = suggest([1, 2], [[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]], MODEL, ["positive", "mixed"])
    assert out == {} and not none.usable
    assert "do not match this project's" in none.note()
    # Every shared class at probability zero: no suggestion for that row.
    out, _ = suggest([1], [[0.0, 1.0, 0.0]], MODEL, ["negative", "positive"])
    assert out == {}
