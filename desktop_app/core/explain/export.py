"""Export an explanation (the dict from :func:`desktop_app.core.explain.explainer.explain_text`).

- :func:`write_html` - a standalone page: the text highlighted by
  :func:`desktop_app.core.explain.highlight.highlight_html` (the Explain tab's colours, the
  weight in each piece's ``title``, unstable pieces underlined) with its legend, the
  probabilities, a bar chart of the top words (inline SVG drawn with matplotlib's Agg
  backend), the weights table (mean, sd, sign agreement per word), the deletion check and the
  audit record.
- :func:`write_csv` - the weights table, preceded by the audit record as ``# key: value``
  comment lines (read it back with ``pandas.read_csv(path, comment="#")``).
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
from pathlib import Path
from typing import Any

from desktop_app.core.data.export import protect_cell
from desktop_app.core.errors import UserError
from desktop_app.core.explain.highlight import BLUE, ORANGE, highlight_html, legend_html

TOP_WORDS = 15


def bar_chart_svg(result: dict, top: int = TOP_WORDS) -> str:
    """An inline SVG bar chart of the strongest words (mean weight, sd as error bars)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    words = result.get("words", [])[:top]
    fig = Figure(figsize=(6.0, 0.35 * max(3, len(words)) + 0.9))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    names = [w["word"] if len(w["word"]) <= 30 else w["word"][:29] + "…" for w in words][::-1]
    means = [w["mean_weight"] for w in words][::-1]
    sds = [w["sd"] for w in words][::-1]
    colours = [tuple(c / 255 for c in (BLUE if m > 0 else ORANGE)) for m in means]
    ax.barh(range(len(words)), means, xerr=sds, color=colours, ecolor="#333", capsize=2)
    ax.set_yticks(range(len(words)))
    ax.set_yticklabels(names)
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_xlabel(f"weight for {result.get('label', '')} (mean over runs, bars = sd)")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.find("<svg") :]


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v, digits) for v in value)
    return str(value)


def _table(rows: list[list[Any]], header: list[str] | None = None) -> str:
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
.text { font-size: 1.15em; line-height: 1.9; border: 1px solid #ccc; padding: 0.8em; }
.legend { margin: 0.5em 0 1.5em; font-size: 0.9em; }
.lime-word { border-radius: 3px; }
.lime-word.unstable { text-decoration: underline dotted #555; text-decoration-thickness: 2px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
tr.unstable td { color: #a33; }
.note { background: #fff6d5; padding: 0.4em 0.8em; }
"""


def explanation_html(result: dict) -> str:
    """The whole standalone HTML page for ``result``."""
    label = str(result.get("label", ""))
    audit = result.get("audit", {})
    del_check = result.get("deletion_check", {})
    prob_rows = [[k, v] for k, v in result.get("probabilities", {}).items()]
    word_rows = []
    for w in result.get("words", []):
        cls = ' class="unstable"' if w.get("unstable") else ""
        cells = [
            w["word"],
            w.get("count", 1),
            w["mean_weight"],
            w["sd"],
            f"{w['sign_agreement']:.0%}",
            "unstable" if w.get("unstable") else "stable",
            w.get("weights", []),
        ]
        word_rows.append(
            f"<tr{cls}>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in cells) + "</tr>"
        )
    words_table = (
        "<table><tr><th>word</th><th>count</th><th>mean weight</th><th>sd</th>"
        "<th>sign agreement</th><th>stability</th><th>weight per run</th></tr>\n"
        + "\n".join(word_rows)
        + "</table>"
    )
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in result.get("notes", []))
    deletion_rows = [
        ["words removed (k)", del_check.get("k")],
        ["top words removed", del_check.get("top_words")],
        [f"probability of {label} before", del_check.get("probability_before")],
        ["after removing the top-k words", del_check.get("probability_after_top_k")],
        ["drop for the top-k words", del_check.get("top_k_drop")],
        [
            f"mean drop for k random words ({del_check.get('random_draws', 0)} draws)",
            del_check.get("random_drop"),
        ],
        ["sd of the random drops", del_check.get("random_drop_sd")],
        ["top words matter more than random ones", del_check.get("faithful")],
    ]
    timings = result.get("timings", {})
    timing_rows = [
        [k, v]
        for k, v in timings.items()
        if k in ("total_s", "model_s", "lime_s", "regression_s", "sampling_s", "distinct_texts")
    ]
    try:
        chart = bar_chart_svg(result)
    except Exception as exc:  # noqa: BLE001 - the page is still useful without the chart
        chart = f'<p class="note">The chart could not be drawn: {html.escape(str(exc))}</p>'
    title = f"Explanation: {label}"
    text_html, _tips = highlight_html(
        result.get("tokens", []),
        result.get("words", []),
        label,
        result.get("max_abs_weight"),
        links=False,
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Why the model says <em>{html.escape(label)}</em></h1>
<p>Model: <b>{html.escape(str(audit.get("model_name", "")))}</b>;
predicted: <b>{html.escape(str(result.get("predicted", "")))}</b>;
LIME over {result.get("runs", 1)} run(s) of {result.get("num_samples", 0)} samples,
seeds {html.escape(_fmt(result.get("seeds", [])))}; features: {html.escape(str(result.get("level", "word")))}s.</p>
{notes}
<h2>Text</h2>
<div class="text">{text_html}</div>
<div class="legend">{legend_html(label)}</div>
<h2>Class probabilities</h2>
{_table(prob_rows, ["class", "probability"])}
<h2>Top words</h2>
{chart}
<h2>Weights</h2>
{words_table}
<h2>Deletion check (faithfulness)</h2>
{_table(deletion_rows)}
<h2>Timings</h2>
{_table(timing_rows, ["what", "value"])}
<h2>Audit record</h2>
{_table([[k, v] for k, v in audit.items()], ["field", "value"])}
</body>
</html>
"""


def _write(path: str | os.PathLike, text: str) -> str:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return str(path)


def write_html(result: dict, path: str | os.PathLike) -> str:
    """Write the standalone HTML page; returns the path."""
    return _write(path, explanation_html(result))


def audit_lines(result: dict) -> list[str]:
    """The audit record (plus the text and explained class) as ``# key: value`` lines."""
    record = dict(result.get("audit", {}))
    record.setdefault("explained_label", result.get("label"))
    lines = []
    for key, value in record.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"# {key}: {shown}")
    lines.append(f"# text: {json.dumps(result.get('text', ''), ensure_ascii=False)}")
    lines.append(f"# probabilities: {json.dumps(result.get('probabilities', {}))}")
    return lines


def write_csv(result: dict, path: str | os.PathLike, protect_formulas: bool = True) -> str:
    """Write the weights (one row per word, strongest first) after the audit comment lines."""
    seeds = result.get("seeds", [])
    buf = io.StringIO()
    for line in audit_lines(result):
        buf.write(line.replace("\r", " ").replace("\n", " ") + "\n")
    # Every text cell quoted: a word starting with "#" must not read as a comment line.
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(
        ["word", "count", "mean_weight", "sd", "sign_agreement", "unstable"]
        + [f"weight_seed_{s}" for s in seeds]
    )
    for w in result.get("words", []):
        word = protect_cell(w["word"]) if protect_formulas else w["word"]
        writer.writerow(
            [
                word,
                w.get("count", 1),
                float(w["mean_weight"]),
                float(w["sd"]),
                float(w["sign_agreement"]),
                int(bool(w.get("unstable"))),
            ]
            + [float(x) for x in w.get("weights", [])]
        )
    return _write(path, buf.getvalue())
