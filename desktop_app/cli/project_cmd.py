"""``project FILE.sstudio``: import data into a project, export its labels, apply labels made
elsewhere, or print statistics."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_app.cli.common import eprint, print_json, stderr_context
from desktop_app.core.errors import ProjectError, ProjectInUse
from desktop_app.core.project.apply import DEFAULT_ANNOTATOR

HELP = "create a labelling project from data, export or apply labels, or show its statistics"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="FILE.sstudio", help="the project file")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--import",
        dest="import_path",
        metavar="DATA",
        help="add the rows of a data file (creates the project when it does not exist); "
        "the file's labels become the rows' original and current labels",
    )
    action.add_argument(
        "--export",
        metavar="OUT",
        help="write the rows with their current labels, split, annotator and time "
        "(.csv, .jsonl or .xlsx)",
    )
    action.add_argument(
        "--apply-labels",
        metavar="LABELS",
        help="record the labels of a table with the columns source_row,label (.csv, .jsonl "
        "or .xlsx; source_row as --export writes it) as label events, all or nothing",
    )
    action.add_argument("--stats", action="store_true", help="print counts, speed and agreement")
    parser.add_argument("--text-column", help="with --import: the text column (default: guess)")
    parser.add_argument(
        "--label-column",
        help="with --import: the label column (default: guess; '' for none)",
    )
    parser.add_argument(
        "--labelled-only", action="store_true", help="with --export: only rows with a label"
    )
    parser.add_argument(
        "--no-formula-protection",
        action="store_true",
        help="with --export: write cells starting with = + - @ as they are (CSV/XLSX)",
    )
    parser.add_argument(
        "--annotator",
        help=f"with --apply-labels: the annotator the events are recorded for "
        f"(default {DEFAULT_ANNOTATOR!r})",
    )
    parser.add_argument(
        "--add-classes",
        action="store_true",
        help="with --apply-labels: make labels that are not yet classes of the project new "
        "classes (without it they are an error and nothing is applied)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(args: argparse.Namespace) -> int:
    path = Path(args.project)
    if args.apply_labels is None and (args.annotator is not None or args.add_classes):
        raise ProjectError("--annotator and --add-classes go with --apply-labels.")
    if args.import_path is not None:
        return _import(args, path)
    if args.text_column or args.label_column is not None:
        raise ProjectError("--text-column and --label-column go with --import.")
    if args.apply_labels is not None:
        return _apply_labels(args, path)
    store = open_for_reading(path)
    for warning in store.warnings:
        eprint(f"warning: {warning}")
    try:
        if args.export:
            protect = False if args.no_formula_protection else None
            report = store.export(args.export, args.labelled_only, protect_formulas=protect)
            if args.json:
                print_json({"project": str(path), **report, "labelled_only": args.labelled_only})
            else:
                extra = (
                    f"; {report['neutralised_cells']} cells that looked like formulas got a "
                    "leading '"
                    if report.get("neutralised_cells")
                    else ""
                )
                print(f"Wrote {report['rows']} rows to {report['path']}{extra}")
            return 0
        stats = store.stats()
    finally:
        store.close()
    if args.json:
        print_json(stats)
    else:
        print(_format_stats(stats))
    return 0


def open_for_reading(path: str | Path):  # noqa: ANN201 - a ProjectStore (imported lazily)
    """Open it as usual; while the app has it open, read-only (export, stats and ``train``
    only read)."""
    from desktop_app.core.project.store import ProjectStore

    try:
        return ProjectStore.open(path)
    except ProjectInUse:
        return ProjectStore.open(path, mode="read_only")


def _import(args: argparse.Namespace, path: Path) -> int:
    from desktop_app.core.project.store import import_data

    if args.labelled_only:
        raise ProjectError("--labelled-only goes with --export.")
    if path.suffix != ".sstudio":
        raise ProjectError(f"Project files end in .sstudio; got {path.name!r}.")
    ctx = stderr_context()
    try:
        store, added, created = import_data(
            path, args.import_path, args.text_column, args.label_column, ctx=ctx
        )
    except ProjectInUse as exc:
        raise ProjectInUse(
            f"Cannot add rows to {path.name}: it is open in Sentiment Studio by "
            f"{exc.holder.describe()}. Close the project there (or quit that app) and run "
            f"this again.",
            exc.holder,
        ) from exc
    try:
        counts = store.counts()
        labels = store.labels
        kept = store.metadata_columns()
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "project": str(path),
                "created": created,
                "imported": added,
                "labels": labels,
                "metadata_columns": kept,
                **counts,
            }
        )
    else:
        verb = "Created" if created else "Added to"
        print(
            f"{verb} {path}: {added} rows imported; {counts['labelled']} of {counts['total']} "
            f"rows labelled ({', '.join(labels) or 'no labels yet'})."
            + (f" Kept the file's other columns: {', '.join(kept)}." if kept else "")
        )
    return 0


def _apply_labels(args: argparse.Namespace, path: Path) -> int:
    from desktop_app.core.project.apply import UnknownLabels, read_label_file
    from desktop_app.core.project.store import ProjectStore

    if args.labelled_only:
        raise ProjectError("--labelled-only goes with --export.")
    items = read_label_file(args.apply_labels)  # before the project is opened for writing
    try:
        store = ProjectStore.open(path)
    except ProjectInUse as exc:
        raise ProjectInUse(
            f"Cannot apply labels to {path.name}: it is open in Sentiment Studio by "
            f"{exc.holder.describe()}. Close the project there (or quit that app) and run "
            f"this again.",
            exc.holder,
        ) from exc
    try:
        for warning in store.warnings:
            eprint(f"warning: {warning}")
        if store.read_only:
            raise ProjectError(
                f"Cannot apply labels to {path.name}: {store.read_only_reason} Copy it to a "
                f"folder you can write to and apply them to the copy."
            )
        annotator = DEFAULT_ANNOTATOR if args.annotator is None else args.annotator
        try:
            report = store.apply_labels(items, annotator, add_classes=args.add_classes)
        except UnknownLabels as exc:
            raise ProjectError(f"{exc} To add them as classes, give --add-classes.") from exc
        counts = store.counts()
    finally:
        store.close()
    if args.json:
        print_json({"project": str(path), "labels_file": args.apply_labels, **report, **counts})
        return 0
    for problem, what in (
        ("unknown_rows", "match no row of the project"),
        ("ambiguous_rows", "match rows of more than one imported file, so were not applied"),
    ):
        if report[problem]:
            examples = "; ".join(report["examples"][problem])
            eprint(f"warning: {report[problem]} rows of {args.apply_labels} {what} ({examples})")
    added = report["added_classes"]
    parts = [f"{report['unchanged']} already had that label"]
    if report["unknown_rows"] or report["ambiguous_rows"]:
        parts.append(f"{report['unknown_rows'] + report['ambiguous_rows']} rows not found")
    if report["empty"]:
        parts.append(f"{report['empty']} without a label")
    if added:
        parts.append(f"new classes: {', '.join(added)}")
    print(
        f"Applied {report['applied']} of {report['rows']} labels to {path} as {annotator!r} "
        f"({'; '.join(parts)}). {counts['labelled']} of {counts['total']} rows are labelled."
    )
    return 0


def _format_stats(stats: dict) -> str:
    lines = [
        f"Project: {stats['project']}",
        f"Source:  {stats['source'] or '—'}",
        f"Rows:    {stats['total']} ({stats['labelled']} labelled, {stats['unlabelled']} unlabelled)",
    ]
    for name, n in stats["per_class"].items():
        lines.append(f"  {name:<20} {n}")
    if stats["splits"]:
        splits = ", ".join(f"{k or 'none'} {v}" for k, v in sorted(stats["splits"].items()))
        lines.append(f"Splits of labelled rows: {splits}")
    lines.append(f"Label events: {stats['label_events']}; {stats['labels_per_hour']} labels/hour")
    if stats["annotators"]:
        who = ", ".join(f"{name or '(unnamed)'} {n}" for name, n in stats["annotators"].items())
        lines.append(f"Annotators: {who}")
    agreement = stats.get("agreement")
    if agreement:
        kappa = agreement["kappa"]
        kappa_text = "n/a" if kappa is None else f"{kappa:.3f}"
        a, b = agreement["annotators"]
        lines.append(
            f"Cohen's kappa {a} vs {b}: {kappa_text} on {agreement['rows']} rows "
            f"({agreement['disagreements']} disagreements)"
        )
    lines.append(f"Duplicate texts with conflicting labels: {stats['conflicting_duplicates']}")
    lines.append(f"Training runs: {stats['training_runs']}")
    return "\n".join(lines)
