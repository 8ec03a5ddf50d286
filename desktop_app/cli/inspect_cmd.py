"""`inspect PATH`: print a data file's load report and statistics."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "print a data file's load report and statistics"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        help="data file (.csv .tsv .txt .json .jsonl .xlsx .parquet, any text file), "
        "a folder of class sub-folders, or nltk:NAME",
    )
    parser.add_argument("--text-column", help="column that holds the text (default: guessed)")
    parser.add_argument(
        "--label-column",
        help='column that holds the label (default: guessed; "" for no label column)',
    )
    parser.add_argument("--encoding", help="text encoding (default: detected), e.g. windows-1252")
    parser.add_argument("--delimiter", help="field delimiter (default: detected), e.g. ',' or tab")
    parser.add_argument(
        "--sheet", help="workbook sheet to read (default: the first sheet with a column of texts)"
    )
    parser.add_argument(
        "--header",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the first row holds column names (--header) or data (--no-header); default: detected",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def build_document(dataset: Any) -> dict[str, Any]:
    """The --json document: the load report and the statistics, keys as in the README."""
    report = dataset.report
    stats = dataset.stats()
    return {
        "path": report.path,
        "format": report.format,
        "rows": report.rows,
        "lines_read": report.lines_read,
        "dropped": report.dropped,
        "drop_examples": report.drop_examples,
        "encoding": report.encoding,
        "delimiter": report.delimiter,
        "has_header": report.has_header,
        "sheet": report.sheet,
        "sheets": report.sheets,
        "columns": report.columns,
        "text_column": report.text_column,
        "label_column": report.label_column,
        "label_names": report.label_names,
        "labels": stats.labels,
        "unlabelled": stats.unlabelled,
        "duplicates": stats.duplicates,
        "conflicting_duplicates": stats.conflicting_duplicates,
        "length": {
            "min": stats.length_min,
            "max": stats.length_max,
            "mean": round(stats.length_mean, 2),
            **stats.length_percentiles,
        },
        "warnings": report.warnings,
        "notes": report.notes,
        "examples": dataset.frame["text"].head(5).astype("str").tolist(),
    }


def _human(doc: dict[str, Any]) -> str:
    delimiter = {None: "none", "\t": "tab", " ": "space"}.get(doc["delimiter"], doc["delimiter"])
    lines = [
        f"File:        {doc['path']} ({doc['format']})",
        f"Encoding:    {doc['encoding'] or 'n/a'}    Delimiter: {delimiter}    "
        f"Header: {'yes' if doc['has_header'] else 'no'}",
    ]
    if doc["sheet"] is not None:
        others = [s for s in doc["sheets"] if s != doc["sheet"]]
        also = f" (also: {', '.join(others)})" if others else ""
        lines.append(f"Sheet:       {doc['sheet']}{also}")
    lines += [
        f"Lines read:  {doc['lines_read']}",
        f"Rows kept:   {doc['rows']}",
    ]
    for reason, count in doc["dropped"].items():
        lines.append(f"Dropped:     {count} ({reason})")
        lines.extend(
            f"               {example}" for example in doc["drop_examples"].get(reason, [])
        )
    lines.append(f"Columns:     {', '.join(doc['columns'])}")
    lines.append(
        f"Text column: {doc['text_column']}    Label column: {doc['label_column'] or '(none)'}"
    )
    if doc["labels"]:
        lines.append("Labels:")
        width = max(len(name) for name in doc["labels"])
        lines.extend(f"  {name:<{width}}  {count}" for name, count in doc["labels"].items())
    renamed = {k: v for k, v in doc["label_names"].items() if k != v}
    if renamed:
        lines.append("Label names: " + ", ".join(f"{k} -> {v}" for k, v in renamed.items()))
    lines.append(f"Unlabelled:  {doc['unlabelled']}")
    lines.append(
        f"Duplicates:  {doc['duplicates']} rows repeat an earlier text; "
        f"{doc['conflicting_duplicates']} texts carry conflicting labels"
    )
    length = doc["length"]
    if doc["rows"]:
        lines.append(
            f"Length:      {length['min']}-{length['max']} characters, "
            f"median {length.get('p50', 0):.0f}, mean {length['mean']:.0f}"
        )
    lines.extend(f"Warning:     {w}" for w in doc["warnings"])
    lines.extend(f"Note:        {n}" for n in doc["notes"])
    lines.append("Examples:")
    lines.extend(f"  {i + 1}. {text[:120]}" for i, text in enumerate(doc["examples"]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from desktop_app.cli.common import print_json, stderr_context
    from desktop_app.core.data.dataset import LoadOptions, load_dataset

    options = LoadOptions(
        encoding=args.encoding,
        delimiter=args.delimiter,
        has_header=args.header,
        text_column=args.text_column,
        label_column=args.label_column,
        sheet=args.sheet,
    )
    dataset = load_dataset(args.path, options, ctx=stderr_context())
    doc = build_document(dataset)
    if args.json:
        print_json(doc)
    else:
        import sys

        sys.stdout.write(_human(doc) + "\n")
    return 0
