"""`evaluate FOLDER DATA`: metrics of a saved model (or vader) on the labelled rows of a file
that it never saw in training or validation (the leakage guard; ``--include-seen`` scores all).
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.cli import long_text, precision

HELP = "test a saved model (or 'vader') on the labelled rows of a data file it never saw"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="FOLDER", help="a saved model folder, or 'vader'")
    parser.add_argument("data", help="data file with labels (any format `inspect` reads)")
    parser.add_argument("--text-column", help="column that holds the text (default: guessed)")
    parser.add_argument("--label-column", help="column that holds the label (default: guessed)")
    parser.add_argument(
        "--include-seen",
        action="store_true",
        help="also score rows the model was trained or validated on (not a held-out figure)",
    )
    parser.add_argument(
        "--device", default="auto", choices=["auto", "cpu", "cuda", "mps"], help="compute device"
    )
    long_text.add_argument(parser)
    precision.add_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def evaluate(
    model: Any,
    texts: list[str],
    labels: list[str],
    ctx: Any = None,
    include_seen: bool = False,
    mode: str = "chunk",
) -> dict[str, Any]:
    """Metrics of ``model`` on ``texts`` (see :func:`desktop_app.core.training.evaluate.
    evaluate_model`); every label must be one the model knows."""
    from desktop_app.core.training.evaluate import evaluate_model

    return evaluate_model(model, texts, labels, include_seen=include_seen, ctx=ctx, long_text=mode)


def format_report(report: dict[str, Any], model: Any = None) -> str:
    """The text output: the plain figures, then those within the file's classes."""
    from desktop_app.cli.train_cmd import format_metrics

    lines = []
    if report["guard"] == "included" and report["seen_rows"]:
        lines.append("Scored every row, including rows the model saw (not a held-out figure):")
    lines.append(format_metrics(report))
    within = report.get("within_file_classes")
    if within:
        lines.append("")
        lines.append("Within the data's own classes (the most likely of those classes):")
        lines.append(format_metrics(within))
    line = long_text.sentence(report, model)
    if line:
        lines.append(line)
    lines.extend(report["notes"])
    if report["skipped_unlabelled"]:
        lines.append(f"{report['skipped_unlabelled']:,} unlabelled rows were skipped.")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import sys

    from desktop_app.cli.common import eprint, print_json, stderr_context
    from desktop_app.core.data.dataset import LoadOptions, load_dataset
    from desktop_app.core.errors import UserError
    from desktop_app.core.models import create_vader, load_model
    from desktop_app.core.runs.record import model_label, run_of_model

    ctx = stderr_context()
    dataset = load_dataset(
        args.data,
        LoadOptions(text_column=args.text_column, label_column=args.label_column),
        ctx=ctx,
    )
    frame = dataset.frame
    labelled = frame[frame["label"].notna()]
    skipped = len(frame) - len(labelled)
    if labelled.empty:
        raise UserError(
            f"{args.data} has no labelled rows to evaluate on: name the label column "
            "with --label-column."
        )
    texts = labelled["text"].astype("str").tolist()
    labels = labelled["label"].astype("str").tolist()
    if str(args.model).strip().lower() == "vader":
        # VADER follows the file's classes (binary, or negative/neutral/positive).
        model = create_vader(dataset.labels if len(dataset.labels) in (2, 3) else None)
    else:
        model = load_model(args.model, device=args.device)
    eprint(
        f"Evaluating {model.name} on {len(texts)} labelled rows"
        + (f" ({skipped} unlabelled rows skipped)" if skipped else "")
    )
    with precision.applied(model, args.precision) as choice:
        report = evaluate(
            model, texts, labels, ctx, include_seen=args.include_seen, mode=args.long_text
        )
    report["skipped_unlabelled"] = skipped
    for warning in report["warnings"]:
        eprint(f"warning: {warning}")
    doc = {
        key: report.get(key)
        for key in (
            "accuracy",
            "accuracy_ci",
            "macro_f1",
            "macro_f1_ci",
            "per_class",
            "confusion_matrix",
            "labels",
            "rows",
            "excluded_seen",
            "include_seen",
            "seen_rows",
            "seen_by_split",
            "guard",
            "skipped_unlabelled",
            "truncated",
            "long_text",
            "long_texts",
            "chunks",
            "warnings",
            "notes",
        )
    }
    doc["include_seen"] = bool(args.include_seen)
    if "within_file_classes" in report:
        doc["within_file_classes"] = report["within_file_classes"]
    doc.update(
        {
            "model": model.kind,
            "name": model.name,
            "folder": model.folder,
            "model_label": model_label(model),
            "inference_limit": getattr(model, "inference_limit", None),
            "chunk_tokens": getattr(model, "chunk_tokens", None),
            "run": run_of_model(model),
            **precision.fields(choice),
        }
    )
    if args.json:
        print_json(doc)
    else:
        sys.stdout.write(format_report(report, model) + "\n")
        if choice.device != "none":
            sys.stdout.write(f"Precision: {choice.label}.\n")
    return 0
