"""The ``--precision auto|fp32|bf16|fp16`` option of ``predict``, ``evaluate`` and ``explain``."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import Any

# desktop_app.core.predict.precision.PRECISIONS (kept light: no torch import at parse time)
CHOICES = ("auto", "fp32", "bf16", "fp16")


def add_argument(parser: argparse.ArgumentParser, explanation: bool = False) -> None:
    auto = (
        "auto means fp32 for explanations (bf16 reorders weak words; give bf16 for speed)"
        if explanation
        else "auto picks bf16 on GPUs that support it (fp16 on others) and, on a CPU, bf16 "
        "only where a short check shows it at least 1.3x faster with the same labels; fp32 "
        "otherwise"
    )
    parser.add_argument(
        "--precision",
        choices=CHOICES,
        default="auto",
        help=f"the model's inference precision (default auto): {auto}. bf16/fp16 run on any "
        "hardware (slowly without support for them)",
    )


@contextlib.contextmanager
def applied(model: Any, requested: str, explanation: bool = False) -> Iterator[Any]:
    """``model`` runs in ``requested`` inside the block; yields the
    :class:`~desktop_app.core.predict.precision.Precision` that runs and prints its note
    (e.g. bf16 on a CPU without bf16 support) to stderr."""
    from desktop_app.cli.common import eprint
    from desktop_app.core.predict.precision import use_precision

    with use_precision(model, requested, explanation=explanation) as choice:
        if choice.note:
            eprint(f"note: {choice.note}")
        yield choice


def fields(choice: Any) -> dict[str, Any]:
    """The ``precision`` (what ran) and ``precision_info`` keys of a ``--json`` document."""
    return {"precision": choice.precision, "precision_info": choice.to_dict()}
