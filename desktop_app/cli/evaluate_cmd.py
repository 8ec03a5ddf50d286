"""`evaluate FOLDER DATA`: test metrics of a saved model (or vader) on a labelled file."""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.cli import long_text

HELP = "test a saved model (or 'vader') on every labelled row of a data file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="FOLDER", help="a saved model folder, or 'vader'")
    parser.add_argument("data", help="data file with labels (any format `inspect` reads)")
    parser.add_argument("--text-column", help="column that holds the text (default: guessed)")
    parser.add_argument("--label-column", help="column that holds the label (default: guessed)")
    parser.add_argument(
        "--device", default="auto", choices=["auto", "cpu", "cuda", "mps"], help="compute device"
    )
    long_text.add_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def evaluate(
    model: Any, texts: list[str], labels: list[str], ctx: Any = None, mode: str = "chunk"
) -> dict[str, Any]:
    """Metrics of ``model`` on ``texts``; every label must be one the model knows. Long
    texts are read as ``mode`` says (:mod:`desktop_app.core.predict.chunks`)."""
    from desktop_app.core.errors import ModelError
    from desktop_app.core.predict.chunks import predict_long
    from desktop_app.core.training.metrics import evaluate_probs

    unknown = sorted(set(labels) - set(model.labels))
    if unknown:
        raise ModelError(
            f"The data has labels the model does not know: {', '.join(unknown)} "
            f"(the model knows {', '.join(model.labels)}). Pick another label column, "
            "rename the labels, or use a model trained on these classes."
        )
    read = predict_long(model, texts, mode, ctx)
    metrics = evaluate_probs(read.probabilities, labels, model.labels)
    metrics.update(long_text.summary(read.chunks, read.cut, mode))
    return metrics


def run(args: argparse.Namespace) -> int:
    import sys

    from desktop_app.cli.common import eprint, print_json, stderr_context
    from desktop_app.cli.train_cmd import format_metrics
    from desktop_app.core.data.dataset import LoadOptions, load_dataset
    from desktop_app.core.errors import UserError
    from desktop_app.core.models import create_vader, load_model

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
    metrics = evaluate(model, texts, labels, ctx, args.long_text)
    doc = {
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "per_class": metrics["per_class"],
        "confusion_matrix": metrics["confusion_matrix"],
        "labels": metrics["labels"],
        "rows": len(texts),
        "skipped_unlabelled": skipped,
        "long_text": metrics["long_text"],
        "long_texts": metrics["long_texts"],
        "chunks": metrics["chunks"],
        "truncated": metrics["truncated"],
        "inference_limit": getattr(model, "inference_limit", None),
        "chunk_tokens": getattr(model, "chunk_tokens", None),
        "model": model.kind,
        "name": model.name,
        "folder": model.folder,
    }
    if args.json:
        print_json(doc)
    else:
        sys.stdout.write(format_metrics(metrics) + "\n")
        line = long_text.sentence(metrics, model)
        if line:
            sys.stdout.write(line + "\n")
        if skipped:
            sys.stdout.write(f"{skipped} unlabelled rows were skipped.\n")
    return 0
