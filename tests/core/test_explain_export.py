"""Explanation exports: HTML and CSV carry the weights and the audit record; text is escaped."""

from __future__ import annotations

import csv
import html.parser

import pytest

from desktop_app.core.explain.audit import folder_fingerprint, model_fingerprint
from desktop_app.core.explain.explainer import explain_text
from desktop_app.core.explain.export import write_csv, write_html
from desktop_app.core.explain.highlight import highlight_html, weight_colour
from tests.core.toy_models import LexiconModel, WordModel

AUDIT_KEYS = (
    "model_name",
    "model_fingerprint",
    "label_names",
    "seeds",
    "num_samples",
    "lime_version",
    "created",
)


@pytest.fixture(scope="module")
def result():
    text = 'a <script>alert("x")</script> good & great film'
    return explain_text(LexiconModel(), text, num_samples=200, runs=3, seed=7)


class _Spans(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.spans = []
        self.scripts = 0
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        if tag == "span":
            self.spans.append(dict(attrs))
        self.scripts += tag == "script"
        self.svgs += tag == "svg"


def test_html_export_has_highlights_chart_table_and_audit(result, tmp_path):
    path = tmp_path / "explanation.html"
    write_html(result, path)
    page = path.read_text(encoding="utf-8")
    parser = _Spans()
    parser.feed(page)
    assert parser.scripts == 0  # the text's <script> is escaped, not run
    assert "<script" not in page and "&lt;/" in page and "&amp;" in page
    assert parser.svgs == 1  # the bar chart
    titled = [s for s in parser.spans if "title" in s and "weight" in s["title"]]
    assert {s["title"].split(":")[0] for s in titled} >= {"good", "great", "film"}
    great = next(s for s in titled if s["title"].startswith("great"))
    assert "towards" in great["class"]  # towards the (positive) class: blue
    blue, _ = weight_colour(float(great["data-weight"]), result["max_abs_weight"])
    assert f"background-color:{blue}" in great["style"]
    assert "<a " not in page  # a standalone page: no anchors to nowhere
    for key in AUDIT_KEYS:
        assert key in page
    assert result["audit"]["lime_version"] in page
    assert result["audit"]["created"] in page
    assert "sign agreement" in page and "Deletion check" in page
    for w in result["words"][:3]:
        assert f"{w['mean_weight']:.4f}" in page


def test_highlight_marks_unstable_words_and_colours_against_in_orange():
    result = explain_text(LexiconModel(), "good film but boring", num_samples=200, runs=3)
    markup, tips = highlight_html(
        result["tokens"], result["words"], result["label"], result["max_abs_weight"]
    )
    boring = next(w for w in result["words"] if w["word"] == "boring")
    assert boring["mean_weight"] < 0
    assert 'title="boring: weight' in markup
    start = markup.index('title="boring')
    span = markup[markup.rindex("<span", 0, start) : start]
    assert "against" in span
    assert weight_colour(-1.0, 1.0)[0] == "#eaad26"  # Okabe-Ito orange at full strength
    assert weight_colour(1.0, 1.0)[0] == "#2687be"  # blue
    token = next(t for t in result["tokens"] if t["text"] == "boring")
    orange, _ = weight_colour(token["weight"], result["max_abs_weight"])
    assert f"background-color:{orange}" in markup[start:]
    unstable = [w for w in result["words"] if w["unstable"]]
    assert markup.count(" unstable") >= len(unstable)
    # One anchor (and one tooltip) per weighted piece, for the Qt view.
    weighted = [t for t in result["tokens"] if t["feature"] is not None and t["weight"] is not None]
    assert len(tips) == markup.count('<a href="word:') == len(weighted)


def test_csv_export_has_audit_lines_and_weights(result, tmp_path):
    path = tmp_path / "weights.csv"
    write_csv(result, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("# ")]
    keys = {line[2:].split(":")[0] for line in comments}
    assert set(AUDIT_KEYS) <= keys and "text" in keys
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    assert [r["word"] for r in rows] == [w["word"] for w in result["words"]]
    first, word = rows[0], result["words"][0]
    assert float(first["mean_weight"]) == word["mean_weight"]  # written exactly
    assert float(first["sd"]) == word["sd"]
    assert float(first["sign_agreement"]) == word["sign_agreement"]
    assert [float(first[f"weight_seed_{s}"]) for s in (7, 8, 9)] == word["weights"]


def test_csv_export_neutralises_formula_like_pieces(tmp_path):
    text = ("=HYPERLINK(evil) is the first sentence here. " * 1) + "A good second one follows."
    result = explain_text(WordModel("good"), text, num_samples=50, runs=1, word_limit=3)
    assert result["level"] == "sentence"
    path = tmp_path / "w.csv"
    write_csv(result, path)
    words = [
        r["word"]
        for r in csv.DictReader(
            line for line in path.read_text().splitlines() if not line.startswith("#")
        )
    ]
    assert "'=HYPERLINK(evil) is the first sentence here." in words
    write_csv(result, path, protect_formulas=False)
    assert '"=HYPERLINK(evil) is the first sentence here."' in path.read_text()


def test_fingerprint_follows_the_folder_contents(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "weights.bin").write_bytes(b"\x00\x01")
    first = folder_fingerprint(folder)
    assert first.startswith("sha256:") and folder_fingerprint(folder) == first
    (folder / "weights.bin").write_bytes(b"\x00\x02")
    assert folder_fingerprint(folder) != first

    model = WordModel()
    assert model_fingerprint(model) == "unsaved"
    model.folder = str(folder)
    assert model_fingerprint(model) == folder_fingerprint(folder)
    model.kind = "vader"
    assert model_fingerprint(model) == "vader"
