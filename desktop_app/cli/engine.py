"""``--engine ray`` for ``predict --file`` and ``train``: the shared options and the runs.

The commands call :func:`add_arguments` and hand over to :func:`predict_file` /
:func:`train` when ``--engine ray`` is given; everything else stays in the command.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.core.errors import UserError

RAY_FLAGS = (("--ray-address", "ray_address"), ("--workers", "workers"))


def add_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    group = parser.add_argument_group(
        "Ray (install the scale extra: pip install 'sentiment-studio[scale]')"
    )
    group.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help=f"where to {what}: this process (local, the default) or Ray workers (ray)",
    )
    group.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="with --engine ray: the cluster (auto, ray://HOST:10001 or HOST:6379); "
        "default: start a local Ray instance on this computer",
    )
    group.add_argument("--workers", type=int, help="with --engine ray: Ray workers (default 1)")
    group.add_argument(
        "--gpus-per-worker",
        type=float,
        help="with --engine ray: GPUs per worker (default 0: CPU)",
    )


def uses_ray(args: argparse.Namespace) -> bool:
    """True for ``--engine ray``; :class:`UserError` when Ray options come without it."""
    if getattr(args, "engine", "local") == "ray":
        return True
    given = [flag for flag, name in RAY_FLAGS if getattr(args, name, None) is not None]
    if getattr(args, "gpus_per_worker", None) is not None:
        given.append("--gpus-per-worker")
    if given:
        raise UserError(f"{', '.join(given)} go with --engine ray.")
    return False


def settings(args: argparse.Namespace) -> Any:
    from desktop_app.core.scale.cluster import RaySettings

    return RaySettings(
        address=args.ray_address or "",
        workers=1 if args.workers is None else args.workers,
        gpus_per_worker=0.0 if args.gpus_per_worker is None else args.gpus_per_worker,
    ).checked()


# -- predict -------------------------------------------------------------------------------
def predict_file(args: argparse.Namespace) -> int:
    """``predict MODEL --file DATA --out OUT --engine ray``."""
    from desktop_app.cli.common import eprint, print_json, stderr_context
    from desktop_app.core.scale.predict import predict_files

    if args.keep_columns:
        raise UserError(
            "--keep-columns is not available with --engine ray yet: the results carry "
            "source_row, the row's position in its file, to join them back."
        )
    predict_options = {}
    if getattr(args, "long_text", None) is not None:  # the local engine's long-text choice
        predict_options["long_text"] = args.long_text
    summary = predict_files(
        args.model,
        args.file,
        args.out,
        settings(args),
        text_column=args.text_column,
        label_column=args.label_column,
        batch_size=args.batch_size,
        include_seen=args.include_seen,
        predict_options=predict_options,
        ctx=stderr_context(),
    )
    for warning in summary["warnings"]:
        eprint(f"warning: {warning}")
    if args.json:
        print_json({key: value for key, value in summary.items() if key != "preview"})
        return 0
    print_predicted(summary)
    return 0


def print_predicted(summary: dict[str, Any]) -> None:
    from desktop_app.core.training.metrics import format_figure

    output = summary["output"]
    where = (
        output["path"]
        if len(output["files"]) == 1
        else f"{len(output['files'])} files in {output['path']}"
    )
    speed = summary["rows_per_second"] or 0.0
    print(
        f"Wrote {summary['rows']:,} rows to {where} (parquet) with {summary['workers']} Ray "
        f"workers in {summary['seconds']:.1f} s ({speed:,.0f} rows/s)."
    )
    skipped = ", ".join(f"{n:,} {why}" for why, n in summary["skipped"].items())
    if skipped:
        print(f"Left out: {skipped}.")
    counts = summary["predicted_counts"]
    print("Predicted: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    if summary["accuracy"] is not None:
        figure = format_figure(summary["accuracy"], summary["accuracy_ci"], summary["labelled"])
        print(f"Accuracy: {figure} on the labelled rows")
    for line in summary["notes"]:
        print(line)
    if summary["truncated"]:
        print(f"{summary['truncated']:,} texts were longer than the model reads (truncated).")


# -- train ---------------------------------------------------------------------------------
def train(args: argparse.Namespace, config: Any, data: Any, ctx: Any) -> tuple[Any, dict]:
    """Train locally or on Ray; (TrainResult, {"engine", "workers"} for --json)."""
    from desktop_app.cli.common import eprint
    from desktop_app.core.training.config import model_kind
    from desktop_app.core.training.train import train_model

    if uses_ray(args):
        from desktop_app.core.scale.train import local_reason, train_on_ray

        chosen = settings(args)
        reason = local_reason(model_kind(args.model))
        if reason is None:
            result = train_on_ray(config, data, chosen, ctx)
            return result, {"engine": "ray", "workers": chosen.workers}
        eprint(reason)
    return train_model(config, data, ctx), {"engine": "local", "workers": 1}
