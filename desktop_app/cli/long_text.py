"""The ``--long-text chunk|truncate`` option of ``predict`` and ``evaluate``, and its summary."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

MODES = ("chunk", "truncate")  # desktop_app.core.predict.chunks.LONG_TEXT_MODES (kept light)


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--long-text",
        choices=MODES,
        default="chunk",
        help="texts longer than the model reads at once: 'chunk' (default) reads them in "
        "overlapping windows and averages the probabilities; 'truncate' reads only the start",
    )


def summary(chunks: Sequence[int], truncated: Sequence[bool], mode: str) -> dict[str, Any]:
    """``long_text``, ``long_texts`` (texts over the model's limit), ``chunks`` (windows
    read in all) and ``truncated`` (texts cut), for the JSON documents."""
    return {
        "long_text": mode,
        "long_texts": sum(1 for c, t in zip(chunks, truncated, strict=True) if c > 1 or t),
        "chunks": int(sum(chunks)),
        "truncated": sum(1 for t in truncated if t),
    }


def sentence(info: dict[str, Any], model: Any) -> str:
    """One line for people: how the long texts were read ("" when there were none)."""
    if not info["long_texts"]:
        return ""
    n = info["long_texts"]
    texts = f"{n:,} text{'' if n == 1 else 's'} {'was' if n == 1 else 'were'}"
    if info["long_text"] == "truncate":
        limit = getattr(model, "inference_limit", None)
        return f"{texts} longer than the model reads at once ({limit} tokens) and truncated."
    size = getattr(model, "chunk_tokens", None)
    return (
        f"{texts} longer than {size} tokens: read in overlapping chunks of up to {size} "
        f"tokens ({info['chunks']:,} chunks in all), their probabilities averaged."
    )
