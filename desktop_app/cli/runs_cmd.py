"""``runs list|show|compare|rename|pin|unpin|delete|keep``: the training runs kept so far."""

from __future__ import annotations

import argparse
import sys
from typing import Any

HELP = "list, show, compare, rename, pin or delete the training runs kept so far"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--project",
        metavar="FILE.sstudio",
        help="the runs of this project (kept beside it) instead of your own runs folder",
    )
    common.add_argument("--json", action="store_true", help="print one JSON document")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("list", parents=[common], help="every run kept, newest first, with its metrics")
    show = sub.add_parser("show", parents=[common], help="one run: metrics, classes, history")
    show.add_argument("id", metavar="ID", help="the run's id (or its start, or its name)")
    compare = sub.add_parser(
        "compare", parents=[common], help="two runs side by side, with McNemar's test"
    )
    compare.add_argument("a", metavar="A", help="the first run")
    compare.add_argument("b", metavar="B", help="the second run (does B differ from A?)")
    rename = sub.add_parser("rename", parents=[common], help="give a run a name")
    rename.add_argument("id", metavar="ID")
    rename.add_argument("name", metavar="NAME")
    for action, what in (
        ("pin", "keep a run for good (never pruned)"),
        ("unpin", "let a pinned run be pruned again"),
        ("delete", "remove a run and its model files"),
    ):
        sub.add_parser(action, parents=[common], help=what).add_argument("id", metavar="ID")
    keep = sub.add_parser(
        "keep", parents=[common], help="how many unpinned runs to keep (default 20)"
    )
    keep.add_argument("count", metavar="N", type=int, nargs="?", help="the new number")


def run(args: argparse.Namespace) -> int:
    from desktop_app.core.runs.registry import RunRegistry

    registry = RunRegistry.for_project(args.project) if args.project else RunRegistry()
    return ACTIONS[args.action](registry, args)


def _out(args: argparse.Namespace, document: dict[str, Any], text: str) -> int:
    from desktop_app.cli.common import print_json

    if args.json:
        print_json(document)
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")
    return 0


def _figure(metrics: dict[str, Any], key: str) -> str:
    from desktop_app.core.training.metrics import format_figure

    return format_figure(metrics.get(key), metrics.get(f"{key}_ci"), metrics.get("n"))


def _list(registry: Any, args: argparse.Namespace) -> int:
    from desktop_app.core.runs.registry import format_bytes

    runs = registry.runs()
    disk = registry.disk_usage()
    document = {
        "runs": [r.summary() for r in runs],
        "folder": str(registry.folder),
        "keep": registry.keep,
        "disk_bytes": disk,
    }
    lines = []
    for r in runs:
        m = r.metrics
        pin = "*" if r.pinned else " "
        lines.append(
            f"{pin} {r.id}  {r.name}\n      accuracy {_figure(m, 'accuracy')}   "
            f"macro-F1 {_figure(m, 'macro_f1')}"
        )
    pinned = sum(r.pinned for r in runs)
    lines.append(
        f"{len(runs)} runs ({pinned} pinned, marked *) in {registry.folder}, "
        f"{format_bytes(disk)}; keeping the newest {registry.keep} unpinned."
        if runs
        else f"No runs kept in {registry.folder} yet: `sentiment-studio train` records one."
    )
    return _out(args, document, "\n".join(lines))


def _show(registry: Any, args: argparse.Namespace) -> int:
    from desktop_app.cli.train_cmd import format_metrics

    record = registry.get(args.id)
    info = record.to_dict()
    lines = [
        f"{record.name}  ({record.id}{', pinned' if record.pinned else ''})",
        f"Kind {info.get('kind')}, trained {info.get('created')} on {info.get('data') or '?'} "
        f"(fingerprint {info.get('fingerprint')})",
        "Split sizes: " + ", ".join(f"{k} {v:,}" for k, v in (info.get("sizes") or {}).items()),
        f"Model files: {record.model_folder}",
    ]
    metrics = record.metrics
    if metrics.get("labels"):
        lines.append(format_metrics(metrics, info.get("baseline_vader")))
    epochs = (info.get("history") or {}).get("epochs") or []
    for epoch in epochs:
        lines.append(
            f"epoch {epoch.get('epoch')}: train loss {_num(epoch.get('train_loss'))}, "
            f"validation loss {_num(epoch.get('val_loss'))}, "
            f"validation macro-F1 {_num(epoch.get('val_macro_f1'))}"
        )
    if info.get("stopped_at"):
        lines.append(f"Stopped: {info['stopped_at']}.")
    return _out(args, info, "\n".join(lines))


def _num(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def _compare(registry: Any, args: argparse.Namespace) -> int:
    from desktop_app.core.runs.compare import compare_runs

    a, b = registry.get(args.a), registry.get(args.b)
    doc = compare_runs(registry, a, b)
    width = max(12, *(len(label) for label in doc["per_class"]), 0)
    lines = [f"A: {a.name} ({a.id})", f"B: {b.name} ({b.id})", ""]
    for key, title in (("accuracy", "Accuracy"), ("macro_f1", "Macro-F1")):
        row = doc["metrics"][key]
        diff = row["difference"]
        lines.append(
            f"{title:<{width}}  A {_figure(a.metrics, key)}   B {_figure(b.metrics, key)}"
            + (f"   B - A {diff:+.3f}" if diff is not None else "")
        )
    lines.append("")
    lines.append(f"{'F1 per class':<{width}}  {'A':>6}  {'B':>6}")
    for label, row in doc["per_class"].items():
        fa = (row["a"] or {}).get("f1")
        fb = (row["b"] or {}).get("f1")
        lines.append(f"{label:<{width}}  {_num(fa):>6}  {_num(fb):>6}")
    test = doc["mcnemar"]
    if test is not None:
        lines.append("")
        lines.append(
            f"McNemar's exact test on {test['shared_rows']:,} shared test rows: "
            f"{test['a_only_right']:,} right by A only, {test['b_only_right']:,} by B only; "
            f"{test['verdict']}."
        )
    lines.extend(f"note: {note}" for note in doc["notes"])
    return _out(args, doc, "\n".join(lines))


def _rename(registry: Any, args: argparse.Namespace) -> int:
    record = registry.rename(args.id, args.name)
    return _out(args, record.summary(), f"Renamed {record.id} to {record.name!r}.")


def _pin(registry: Any, args: argparse.Namespace) -> int:
    pinned = args.action == "pin"
    record = registry.pin(args.id, pinned)
    text = (
        f"Pinned {record.id} ({record.name}): it is never pruned."
        if pinned
        else f"Unpinned {record.id} ({record.name})."
    )
    return _out(args, record.summary(), text)


def _delete(registry: Any, args: argparse.Namespace) -> int:
    record = registry.delete(args.id)
    return _out(
        args,
        {"deleted": record.id, "name": record.name},
        f"Deleted {record.id} ({record.name}) and its model files.",
    )


def _keep(registry: Any, args: argparse.Namespace) -> int:
    removed = registry.set_keep(args.count) if args.count is not None else []
    text = f"Keeping the newest {registry.keep} unpinned runs in {registry.folder}."
    if removed:
        text += f" Removed {len(removed)}: {', '.join(removed)}."
    return _out(args, {"keep": registry.keep, "removed": removed}, text)


ACTIONS = {
    "list": _list,
    "show": _show,
    "compare": _compare,
    "rename": _rename,
    "pin": _pin,
    "unpin": _pin,
    "delete": _delete,
    "keep": _keep,
}
