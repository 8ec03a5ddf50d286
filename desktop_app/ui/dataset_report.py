"""The Dataset tab's summary panel as HTML: statistics and the load report. No Qt here."""

from __future__ import annotations

import os
from html import escape
from typing import Any

DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", " ": "space"}
EXAMPLE_CHARS = 120


def delimiter_name(delimiter: str | None) -> str:
    if delimiter is None:
        return "none"
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))


def summary_html(dataset: Any, stats: Any) -> str:
    """Warnings first (what to act on), statistics (what the user came for), then how the
    file was read."""
    report = dataset.report
    parts = [_warnings_html(report.warnings), _stats_html(stats, report), _report_html(report)]
    return "".join(parts)


def _warnings_html(warnings: list[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(str(w))}</li>" for w in warnings)
    return f"<h3 style='color:#b00020'>Warnings</h3><ul>{items}</ul>"


def _full_path(path: str) -> str:
    return path if path.startswith("nltk:") else os.path.abspath(path)


def _row(name: str, value: Any, indent: bool = False) -> str:
    pad = "&nbsp;" * 4 if indent else ""
    return (
        f"<tr><td>{pad}{escape(name)}</td><td align='right'><b>{escape(str(value))}</b></td></tr>"
    )


def _n(value: Any) -> str:
    return f"{int(value):,}"


def _stats_html(stats: Any, report: Any) -> str:
    rows = [_row("Rows", _n(stats.rows))]
    for name, count in stats.labels.items():
        share = count / stats.rows if stats.rows else 0.0
        rows.append(_row(name, f"{int(count):,} ({share:.1%})", indent=True))
    rows.append(_row("Unlabelled", _n(stats.unlabelled)))
    rows.append(_row("Duplicate texts", _n(stats.duplicates)))
    rows.append(_row("with conflicting labels", _n(stats.conflicting_duplicates), indent=True))
    percentiles = getattr(stats, "length_percentiles", None) or {}
    if percentiles:
        for key in ("p5", "p50", "p95"):
            if key in percentiles:
                name = "median" if key == "p50" else f"{key[1:]}th percentile"
                rows.append(_row(f"Text length, {name}", f"{percentiles[key]:,.0f} chars"))
    if getattr(stats, "length_max", 0):
        rows.append(_row("Text length, longest", f"{int(stats.length_max):,} chars"))
    html = ["<h3>Statistics</h3><table cellspacing='2'>", *rows, "</table>"]
    if len(stats.labels) < 2:
        html.append(
            "<p style='color:#b00020'>Training needs at least two classes; this data has "
            f"{len(stats.labels)}. Pick another label column or add labels.</p>"
        )
    return "".join(html)


def _report_html(report: Any) -> str:
    dropped_total = sum(report.dropped.values()) if report.dropped else 0
    header = {True: "yes", False: "no", None: "—"}.get(report.has_header, str(report.has_header))
    rows = [
        _row("File", _full_path(report.path)),
        _row("Format", report.format),
        *([_row("Sheet", report.sheet)] if getattr(report, "sheet", None) else []),
        _row("Encoding", report.encoding or "—"),
        _row("Delimiter", delimiter_name(report.delimiter)),
        _row("Header row", header),
        _row("Lines read", _n(report.lines_read)),
        _row("Rows kept", _n(report.rows)),
        _row("Rows dropped", _n(dropped_total)),
        _row("Text column", report.text_column),
        _row("Label column", report.label_column or "(none)"),
    ]
    html = ["<h3>Load report</h3><table cellspacing='2'>", *rows, "</table>"]
    if report.dropped:
        html.append("<h4>Dropped rows</h4><ul>")
        for reason, count in report.dropped.items():
            html.append(f"<li><b>{escape(str(reason))}</b>: {int(count):,}")
            examples = (report.drop_examples or {}).get(reason, [])
            if examples:
                html.append("<ul>")
                for example in examples[:5]:
                    text = str(example)
                    if len(text) > EXAMPLE_CHARS:
                        text = text[:EXAMPLE_CHARS] + "…"
                    html.append(f"<li><code>{escape(text)}</code></li>")
                html.append("</ul>")
            html.append("</li>")
        html.append("</ul>")
    if report.notes:
        html.append("<h4>Notes</h4><ul>")
        html.extend(f"<li>{escape(str(n))}</li>" for n in report.notes)
        html.append("</ul>")
    return "".join(html)
