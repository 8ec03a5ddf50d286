"""One fingerprint for data: the same texts, labels and splits give the same 16 hex digits.

Used for what a model was trained on (``TrainData.fingerprint``, kept in ``training.json``
and in the project's run records), for a project's labelled data (``ProjectStore.fingerprint``
hashes its split data the same way, so a project and the training data prepared from it have
the same fingerprint) and as a cache key for texts (the Label tab's review embeddings).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

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
