"""`train DATA --model KIND|FOLDER|HUB_ID --out FOLDER`: train, test and save a model.

``DATA`` is a labelled data file or a ``.sstudio`` project (its current labels); either way
the training data comes from core ``prepare_training_data``, as in the app.
"""

from __future__ import annotations

import argparse
from typing import Any

HELP = "train a model on a labelled data file or a project, print test metrics, save it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data",
        help="labelled data file (any format `inspect` reads), nltk:NAME, or a project "
        "FILE.sstudio (trains on its current labels, in the project's splits)",
    )
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
        "--val-split", type=float, help="data files: fraction for validation (default 0.1)"
    )
    parser.add_argument(
        "--test-split", type=float, help="data files: fraction for test (default 0.1)"
    )
    parser.add_argument(
        "--device", default="auto", choices=["auto", "cpu", "cuda", "mps"], help="compute device"
    )
    parser.add_argument("--threads", type=int, help="CPU threads (default: all cores but one)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    from desktop_app.cli import engine

    engine.add_arguments(parser, "train (transformers and the BiLSTM, data-parallel)")


def document(
    result: Any, folder: str, data: Any, source: str = "", run: Any = None
) -> dict[str, Any]:
    """The --json document: the test metrics first, then the run's details.

    ``sizes`` (train, validation, test) add up to the labelled rows the run used.
    """
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
        "data": source,
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


def training_data(args: argparse.Namespace, kind: str, ctx: Any) -> tuple[Any, list[str]]:
    """(TrainData, notes) of ``args.data``: a project's current labels, or a data file's."""
    from desktop_app.core.errors import UserError
    from desktop_app.core.project.store import is_project_path
    from desktop_app.core.training.data import prepare_training_data

    if str(args.data).endswith(".sstudio") or (
        not str(args.data).startswith("nltk:") and is_project_path(args.data)
    ):
        given = [
            flag
            for flag, value in (
                ("--text-column", args.text_column),
                ("--label-column", args.label_column),
                ("--val-split", args.val_split),
                ("--test-split", args.test_split),
            )
            if value is not None
        ]
        if given:
            raise UserError(
                f"{', '.join(given)}: for data files only. A project's rows already have "
                "their text and labels, and each labelled row its split (a hash of the row's "
                "id, with the project's fractions)."
            )
        from desktop_app.cli.project_cmd import open_for_reading

        store = open_for_reading(args.data)  # read, then closed before the (long) training
        try:
            return prepare_training_data(store, kind=kind)
        finally:
            store.close()

    from desktop_app.core.data.dataset import LoadOptions, load_dataset

    dataset = load_dataset(
        args.data,
        LoadOptions(text_column=args.text_column, label_column=args.label_column),
        ctx=ctx,
    )
    if not dataset.labels:
        raise UserError(
            f"{args.data} has no labelled rows: name the label column with --label-column."
        )
    val = 0.1 if args.val_split is None else args.val_split
    test = 0.1 if args.test_split is None else args.test_split
    return prepare_training_data(
        dataset, kind=kind, fractions=(1.0 - val - test, val, test), seed=args.seed
    )


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from desktop_app.cli import engine
    from desktop_app.cli.common import eprint, print_json
    from desktop_app.core.errors import UserError
    from desktop_app.core.runs.record import record_run
    from desktop_app.core.runs.registry import RunRegistry, runs_folder_for
    from desktop_app.core.training.config import TrainConfig, model_kind

    ctx = progress_context()
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
    data, notes = training_data(args, model_kind(args.model), ctx)
    for note in notes:
        eprint(note)
    sizes = data.sizes()
    eprint(
        f"Training {args.model} on {sizes['train']} texts "
        f"({sizes['validation']} validation, {sizes['test']} test; labels: {', '.join(data.labels)})"
    )
    result, used = engine.train(args, config, data, ctx)
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
        print_json({**document(result, str(args.out), data, str(args.data), run), **used})
    else:
        sys.stdout.write(format_metrics(result.metrics, result.baseline) + "\n")
        on = f" on {used['workers']} Ray workers" if used["engine"] == "ray" else ""
        sys.stdout.write(f"Trained{on} in {result.train_seconds:.1f} s; {result.stopped_at}.\n")
        if run is not None:
            sys.stdout.write(f"Kept as run {run.id} ({run.name}): see `sentiment-studio runs`.\n")
    return 0
