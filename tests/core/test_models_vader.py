"""VADER: compound score -> labels, probabilities consistent with the ±0.05 band."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.errors import ModelError
from desktop_app.core.models import create_vader, load_model
from desktop_app.core.models.vader import VaderModel

TEXTS = [
    "I love this wonderful film!",
    "It is a table.",
    "This is terrible and awful.",
    "not bad",
    "meh",
]


def test_three_classes_follow_the_band():
    model = create_vader()
    assert model.labels == ["negative", "neutral", "positive"] and model.kind == "vader"
    compound = model.compound(TEXTS)
    probs = model.predict_proba(TEXTS)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-9)
    expected = [
        "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral" for c in compound
    ]
    assert model.predict(TEXTS) == expected
    assert expected[:3] == ["positive", "neutral", "negative"]
    # confidence grows with distance from the threshold
    strong, weak = model.proba_from_compound(np.array([0.9, 0.1]))[:, 2]
    assert strong > weak > 0.4


def test_band_edges():
    model = create_vader()
    probs = model.proba_from_compound(np.array([0.05, 0.0499, -0.05, -0.0499]))
    assert [model.labels[i] for i in probs.argmax(1)] == [
        "positive",
        "neutral",
        "negative",
        "neutral",
    ]


def test_binary_labels_and_order():
    model = create_vader(["pos", "neg"])
    assert model.roles == ["positive", "negative"]
    probs = model.predict_proba(["I love it", "I hate it"])
    assert model.predict(["I love it", "I hate it"]) == ["pos", "neg"]
    assert probs[0, 0] > 0.9 and probs[1, 1] > 0.9
    assert create_vader(["negative", "positive"]).proba_from_compound(np.array([0.0])).argmax() == 1


def test_numeric_and_unknown_labels():
    assert create_vader(["0", "1"]).roles == ["negative", "positive"]
    assert create_vader(["-1", "0", "1"]).roles == ["negative", "neutral", "positive"]
    with pytest.raises(ModelError, match="cannot tell"):
        create_vader(["sports", "politics"])
    with pytest.raises(ModelError, match="knows only"):
        create_vader(["a", "b", "c", "d"])


def test_save_and_load(tmp_path):
    model = create_vader(["negative", "positive"])
    model.save(tmp_path / "v")
    loaded = load_model(str(tmp_path / "v"))
    assert isinstance(loaded, VaderModel) and loaded.labels == ["negative", "positive"]
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert load_model("vader").labels == ["negative", "neutral", "positive"]
