"""`train DATA --model KIND|FOLDER|HUB_ID --out FOLDER`: train, test and save a model."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "train a model on a labelled data file, print test metrics, save it to a folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="labelled data file (any format `inspect` reads) or nltk:NAME")
    parser.add_argument(
        "--model",
        default="minilm",
        help="minilm (default: fine-tune the bundled MiniLM), minilm-head (fast), bilstm, vader, "
        "a transformers model FOLDER or a hub id (needs the network)",
    )
    parser.add_argument("--out", required=True, help="folder to save the trained model in")
    parser.add_argument("--text-column", help="column that holds the text (default: guessed)")
    parser.add_argument("--label-column", help="column that holds the label (default: guessed)")
    parser.add_argument("--epochs", type=int, help="passes over the training split")
    parser.add_argument("--batch-size", type=int, help="texts per optimisation step")
    parser.add_argument("--lr", type=float, help="peak learning rate")
    parser.add_argument(
        "--max-length", type=int, help="longest input in tokens (default: 95th percentile, <= 256)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for split and training")
    parser.add_argument(
        "--val-split", type=float, default=0.1, help="fraction for validation (default 0.1)"
    )
    parser.add_argument(
        "--test-split", type=float, default=0.1, help="fraction for test (default 0.1)"
    )
    parser.add_argument(
        "--device", default="auto", choices=["auto", "cpu", "cuda", "mps"], help="compute device"
    )
    parser.add_argument("--threads", type=int, help="CPU threads (default: all cores but one)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def document(result: Any, folder: str, data: Any, run: Any = None) -> dict[str, Any]:
    """The --json document: the test metrics first, then the run's details."""
    metrics = result.metrics
    return {
        "accuracy": metrics["accuracy"],
        "accuracy_ci": metrics.get("accuracy_ci"),
        "macro_f1": metrics["macro_f1"],
        "macro_f1_ci": metrics.get("macro_f1_ci"),
        "per_class": metrics["per_class"],
        "confusion_matrix": metrics["confusion_matrix"],
        "labels": metrics["labels"],
        "train_seconds": result.train_seconds,
        "model": result.model.kind,
        "name": result.model.name,
        "folder": folder,
        "baseline_vader": result.baseline,
        "epochs": result.history["epochs"],
        "best_epoch": result.best_epoch,
        "stopped_at": result.stopped_at,
        "cancelled": result.cancelled,
        "truncated": result.truncated,
        "max_length": result.model.max_length,
        "sizes": data.sizes(),
        "fingerprint": data.fingerprint,
        "config": result.config,
        "run": run.summary() if run is not None else None,
    }


def format_metrics(metrics: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    from desktop_app.core.training.metrics import format_figure

    labels = metrics["labels"]
    width = max(12, *(len(label) for label in labels))
    n = metrics["n"]
    lines = [
        f"Accuracy {format_figure(metrics['accuracy'], metrics.get('accuracy_ci'), n)}   "
        f"macro-F1 {format_figure(metrics['macro_f1'], metrics.get('macro_f1_ci'), n)}"
    ]
    if baseline:
        lines[0] += f"   VADER baseline: accuracy {baseline['accuracy']:.4f}"
    lines.append(f"{'':<{width}}  precision  recall     f1  support")
    for label in labels:
        row = metrics["per_class"][label]
        lines.append(
            f"{label:<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  {row['f1']:5.3f}"
            f"  {row['support']:7d}"
        )
    lines.append("Confusion matrix (rows: true, columns: predicted):")
    lines.append(" " * (width + 2) + "  ".join(f"{label[:8]:>8}" for label in labels))
    for label, row in zip(labels, metrics["confusion_matrix"], strict=True):
        lines.append(f"{label:<{width}}  " + "  ".join(f"{v:>8d}" for v in row))
    return "\n".join(lines)


def progress_context() -> Any:
    """Progress lines on standard error (the same as every other command's)."""
    from desktop_app.cli.common import stderr_context

    return stderr_context()


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from desktop_app.cli.common import eprint, print_json
    from desktop_app.core.data.dataset import LoadOptions, load_dataset
    from desktop_app.core.errors import UserError
    from desktop_app.core.runs.record import record_run
    from desktop_app.core.runs.registry import RunRegistry, runs_folder_for
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.data import TrainData
    from desktop_app.core.training.train import train_model

    ctx = progress_context()
    dataset = load_dataset(
        args.data,
        LoadOptions(text_column=args.text_column, label_column=args.label_column),
        ctx=ctx,
    )
    if not dataset.labels:
        raise UserError(
            f"{args.data} has no labelled rows: name the label column with --label-column."
        )
    train_fraction = 1.0 - args.val_split - args.test_split
    dataset = dataset.split(train_fraction, args.val_split, args.test_split, seed=args.seed)
    data = TrainData.from_dataset(dataset)
    config = TrainConfig(
        model=args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        max_length=args.max_length,
        seed=args.seed,
        device=args.device,
        threads=args.threads,
    )
    sizes = data.sizes()
    eprint(
        f"Training {args.model} on {sizes['train']} texts "
        f"({sizes['validation']} validation, {sizes['test']} test; labels: {', '.join(data.labels)})"
    )
    result = train_model(config, data, ctx)
    try:  # every run is kept; a runs folder that cannot be written must not lose the model
        run = record_run(
            result,
            data,
            registry=RunRegistry(runs_folder_for(args.data)),
            data_name=Path(str(args.data)).name,
            data_path=str(args.data),
            ctx=ctx,
        )
    except UserError as exc:
        run = None
        eprint(f"warning: the run was not kept: {exc}")
    result.model.save(args.out)
    eprint(f"Saved the model to {args.out}")
    if args.json:
        print_json(document(result, str(args.out), data, run))
    else:
        sys.stdout.write(format_metrics(result.metrics, result.baseline) + "\n")
        sys.stdout.write(f"Trained in {result.train_seconds:.1f} s; {result.stopped_at}.\n")
        if run is not None:
            sys.stdout.write(f"Kept as run {run.id} ({run.name}): see `sentiment-studio runs`.\n")
    return 0
