"""``predict MODEL (--text T | --file DATA --out OUT)``: predict texts or a whole file."""

from __future__ import annotations

import argparse

from desktop_app.cli import engine, long_text, precision
from desktop_app.cli.common import eprint, print_json, stderr_context
from desktop_app.core.errors import UserError

HELP = "predict the sentiment of texts or of every row of a data file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a saved model folder, or 'vader'")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--text", action="append", metavar="T", help="a text to predict (repeat for more)"
    )
    source.add_argument("--file", metavar="DATA", help="a data file: predict every row")
    parser.add_argument(
        "--out", metavar="OUT", help="with --file: the results table (.csv, .xlsx or .jsonl)"
    )
    parser.add_argument("--text-column", help="with --file: the text column (default: guess)")
    parser.add_argument(
        "--label-column",
        help="with --file: the true-label column for accuracy (default: guess; '' for none)",
    )
    parser.add_argument(
        "--keep-columns",
        action="store_true",
        help="with --file: carry the file's other columns (IDs, dates, ...) into the results, "
        "in the file's order after source_row",
    )
    parser.add_argument(
        "--no-formula-protection",
        action="store_true",
        help="write cells starting with = + - @ as they are (CSV/XLSX; see README)",
    )
    parser.add_argument(
        "--include-seen",
        action="store_true",
        help="with --file: count rows the model was trained or validated on in the accuracy",
    )
    parser.add_argument(
        "--batch-size", type=int, default=128, help="texts per forward pass (default 128)"
    )
    long_text.add_argument(parser)
    precision.add_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    engine.add_arguments(parser, "predict a file (DATA: a file, folder or glob; OUT: Parquet)")


def run(args: argparse.Namespace) -> int:
    if args.file is not None:
        if not args.out:
            raise UserError("--file needs --out OUT (a .csv, .xlsx or .jsonl file to write).")
        if engine.uses_ray(args):
            if args.precision not in ("auto", "fp32"):
                raise UserError(
                    "--precision bf16/fp16 goes with the local engine; Ray workers predict in fp32."
                )
            return engine.predict_file(args)
        return _predict_file(args)
    if engine.uses_ray(args):
        raise UserError("--engine ray predicts files: give --file DATA --out OUT.parquet.")
    if args.out or args.text_column or args.label_column is not None or args.keep_columns:
        raise UserError("--out, --text-column, --label-column and --keep-columns go with --file.")
    return _predict_texts(args)


def _load(spec: str, labels: list[str] | None = None):  # noqa: ANN202
    from desktop_app.core.models import create_vader, load_model

    if spec.strip().lower() == "vader" and labels and len(labels) in (2, 3):
        return create_vader(labels)
    return load_model(spec)


def _info(model) -> dict:  # noqa: ANN001
    from desktop_app.core.runs.record import model_label
    from desktop_app.jobs.common import model_info

    return {**model_info(model, saved=True), "label": model_label(model)}


def _predict_texts(args: argparse.Namespace) -> int:
    from desktop_app.core.guard import guard_rows
    from desktop_app.core.predict.batch import check_texts, predict_texts

    texts = check_texts(args.text)  # before the (slow) model load
    model = _load(args.model)
    with precision.applied(model, args.precision) as choice:
        result = predict_texts(model, texts, stderr_context(), long_text=args.long_text)
    seen = guard_rows(model, texts).seen
    rows = [
        {
            "text": text,
            "label": result["predicted"][i],
            "probabilities": dict(zip(result["labels"], result["probabilities"][i], strict=True)),
            "chunks": result["chunks"][i],
            "truncated": result["truncated"][i],
            "seen": seen[i],
        }
        for i, text in enumerate(texts)
    ]
    for row, details in zip(rows, result["chunk_details"], strict=True):
        if len(details) > 1:  # each window's span and probabilities
            row["chunk_details"] = details
    if args.json:
        doc = {"model": _info(model), "labels": result["labels"], "results": rows}
        print_json({**doc, **precision.fields(choice)})
        return 0
    if choice.device != "none":
        eprint(f"Precision: {choice.label}.")
    for row in rows:
        probs = ", ".join(f"{k} {v:.3f}" for k, v in row["probabilities"].items())
        short = row["text"] if len(row["text"]) <= 60 else row["text"][:59] + "…"
        count = row["chunks"]
        flag = "  (truncated)" if row["truncated"] else f"  ({count} chunks)" if count > 1 else ""
        if row["seen"]:
            flag += f"  (a {row['seen']} text of this model)"
        print(f"{row['label']:<12} {probs}  {short!r}{flag}")
    return 0


def _predict_file(args: argparse.Namespace) -> int:
    from desktop_app.core.data.dataset import LoadOptions, load_dataset
    from desktop_app.core.data.export import write_table
    from desktop_app.core.guard import guard_note, guarded_accuracy
    from desktop_app.core.predict.batch import predict_batch
    from desktop_app.core.predict.rows import file_rows, with_file_columns
    from desktop_app.core.training.metrics import format_figure

    ctx = stderr_context()
    options = LoadOptions(text_column=args.text_column, label_column=args.label_column)
    data = load_dataset(args.file, options, ctx)
    frame = data.frame
    texts = frame["text"].astype(str).tolist()
    if not texts:
        raise UserError(f"{args.file} has no rows with text to predict.")
    has_labels = data.report.label_column is not None and frame["label"].notna().any()
    true = [None if v is None or v != v else str(v) for v in frame["label"]] if has_labels else None
    model = _load(args.model, list(data.labels) if has_labels else None)
    eprint(f"Predicting {len(texts):,} texts with {model.name}…")
    with precision.applied(model, args.precision) as choice:
        result = predict_batch(
            model, texts, true, ctx=ctx, batch_size=args.batch_size, long_text=args.long_text
        )
    rows, guarded = file_rows(
        model,
        texts,
        result,
        true,
        frame["source_row"].tolist(),
        include_seen=args.include_seen,
        precision=choice.precision,
    )
    scored = guarded_accuracy(result["correct"], guarded)
    note = (
        guard_note(guarded.state, scored["seen_by_split"], scored["labelled"])
        if has_labels
        else None
    )
    if args.keep_columns:
        rows = with_file_columns(rows, data, has_labels)
    report = write_table(rows, args.out, False if args.no_formula_protection else None)
    counts: dict[str, int] = {}
    for label in result["predicted"]:
        counts[label] = counts.get(label, 0) + 1
    summary = {
        "model": _info(model),
        "input": args.file,
        "rows": len(texts),
        "output": report,
        "predicted_counts": counts,
        "accuracy": scored["accuracy"],
        "accuracy_ci": scored["accuracy_ci"],
        "labelled": scored["labelled"],
        "excluded_seen": scored["excluded_seen"],
        "seen_rows": sum(1 for s in guarded.seen if s),
        "guard": guarded.state,
        "notes": [note] if note and guarded.state != "unavailable" else [],
        **long_text.summary(result["chunks"], result["truncated"], args.long_text),
        "chunks_per_second": result["chunks_per_second"],
        "texts_per_second": result["texts_per_second"],
        **precision.fields(choice),
        "warnings": list(data.report.warnings)
        + result["warnings"]
        + ([note] if note and guarded.state == "unavailable" else []),
    }
    for warning in summary["warnings"][len(data.report.warnings) :]:
        eprint(f"warning: {warning}")
    if args.json:
        print_json(summary)
        return 0
    print(f"Wrote {report['rows']:,} rows to {report['path']} ({report['format']}).")
    if report["protected"] and report["neutralised_cells"]:
        print(
            f"Spreadsheet safety: {report['neutralised_cells']:,} cells starting with = + - @ "
            "got a leading ' (use --no-formula-protection to write them as they are)."
        )
    print("Predicted: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    if scored["accuracy"] is not None:
        figure = format_figure(scored["accuracy"], scored["accuracy_ci"], scored["labelled"])
        print(f"Accuracy: {figure} on the labelled rows")
    elif has_labels and scored["excluded_seen"]:
        print("Accuracy: none: every labelled row is a text the model saw (--include-seen).")
    for line in summary["notes"]:
        print(line)
    line = long_text.sentence(summary, model)
    if line:
        print(line)
    return 0
