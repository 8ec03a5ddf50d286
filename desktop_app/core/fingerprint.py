"""One fingerprint for data: the same texts, labels and splits give the same 16 hex digits.

Used for what a model was trained on (``TrainData.fingerprint``, kept in ``training.json``
and in the project's run records), for a project's labelled data (``ProjectStore.fingerprint``
hashes its split data the same way, so a project and the training data prepared from it have
the same fingerprint) and as a cache key for texts (the Label tab's review embeddings).

:func:`text_hashes` hashes single texts after :func:`normalise_text`: what the leakage guard
(:mod:`desktop_app.core.guard`) keeps of the texts a model was fitted and selected on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Part = tuple[str, Sequence[str], Sequence[str | None]]


def data_fingerprint(parts: Iterable[Part]) -> str:
    """SHA-256 (first 16 hex digits) over each part's name and its (text, label) pairs.

    ``parts``: ``(name, texts, labels)`` such as ``("train", texts, labels)``; ``labels`` may
    be empty (texts only) or hold ``None`` for unlabelled rows.
    """
    digest = hashlib.sha256()
    for name, texts, labels in parts:
        digest.update(b"\x1d" + name.encode("utf-8") + b"\x1d")
        if labels:
            if len(labels) != len(texts):
                raise ValueError(f"{name}: {len(texts)} texts but {len(labels)} labels")
            pairs = zip(texts, labels, strict=True)
        else:
            pairs = ((text, None) for text in texts)
        for text, label in pairs:
            digest.update(str(text).encode("utf-8", "surrogatepass") + b"\x1f")
            digest.update(b"" if label is None else str(label).encode("utf-8", "surrogatepass"))
            digest.update(b"\x1e")
    return digest.hexdigest()[:16]


# -- texts a model saw (the leakage guard, desktop_app.core.guard) ------------------------------
def normalise_text(text: str) -> str:
    """The form in which two texts count as the same: Unicode NFC, case-folded, runs of
    whitespace collapsed to one space and trimmed. Nothing else (punctuation, accents and
    digits stay), so only texts a reader would call identical match.

    NFC is applied again after case folding because folding can decompose a few characters.
    """
    import unicodedata

    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", str(text)).casefold())
    return " ".join(folded.split())


def text_hashes(texts: Iterable[str]) -> np.ndarray:
    """64-bit BLAKE2b hashes (uint64) of the normalised texts, one per text, in order.

    64 bits make an accidental match between two different texts about one in 10^8 even
    among a million rows: exact membership for practical purposes, no probabilistic filter.
    """
    import numpy as np

    items = [normalise_text(text) for text in texts]
    return np.fromiter(
        (
            int.from_bytes(
                hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                "little",
            )
            for t in items
        ),
        dtype=np.uint64,
        count=len(items),
    )
