"""The leakage guard: which texts a model saw, so no figure counts them as held out.

Every model trained here keeps the 64-bit hashes (:func:`~desktop_app.core.fingerprint.text_hashes`)
of the normalised texts it was fitted on (``train``) and of those that selected it
(``validation``: early stopping, the head's C) in :data:`SEEN_FILE` (safetensors, two uint64
arrays; no pickle) next to ``training.json``. :meth:`SeenTexts.which` says, per text, ``"train"``,
``"validation"`` or ``""``; :func:`guard_rows` decides which rows a metric may use and says so.

A model without the file (trained elsewhere, or saved before the guard existed) has
``seen = None``: metrics then use every row, with a note that the guard could not apply.
VADER is fitted on nothing: its record is empty, so nothing is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.errors import ModelError
from desktop_app.core.fingerprint import text_hashes

SEEN_FILE = "seen_texts.safetensors"
HASH_NAME = "blake2b-64 of NFC, case-folded, whitespace-collapsed text"
SPLITS = ("train", "validation")


@dataclass
class SeenTexts:
    """Sorted, distinct uint64 hashes of the texts a model was trained and selected on."""

    train: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    validation: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))

    def __post_init__(self) -> None:
        self.train = np.unique(np.asarray(self.train, dtype=np.uint64))
        self.validation = np.unique(np.asarray(self.validation, dtype=np.uint64))

    @classmethod
    def from_texts(cls, train: Sequence[str], validation: Sequence[str] = ()) -> SeenTexts:
        return cls(text_hashes(train), text_hashes(validation))

    @classmethod
    def from_data(cls, data: Any) -> SeenTexts:
        """From a :class:`~desktop_app.core.training.data.TrainData`: train and validation."""
        return cls.from_texts(data.train_texts, data.val_texts)

    def counts(self) -> dict[str, int]:
        """Distinct texts per split."""
        return {"train": int(self.train.size), "validation": int(self.validation.size)}

    def which_hashes(self, hashes: np.ndarray) -> list[str]:
        in_train = np.isin(hashes, self.train, assume_unique=False)
        in_val = np.isin(hashes, self.validation, assume_unique=False)
        # a text in both splits was fitted on: "train" says the stronger thing
        return [
            "train" if t else ("validation" if v else "")
            for t, v in zip(in_train, in_val, strict=True)
        ]

    def which(self, texts: Sequence[str]) -> list[str]:
        """Per text: ``"train"``, ``"validation"`` or ``""`` (never seen)."""
        return self.which_hashes(text_hashes(texts))

    # -- the file -------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        from safetensors.numpy import save_file

        path = Path(folder) / SEEN_FILE
        save_file(
            {"train": self.train, "validation": self.validation},
            str(path),
            metadata={"hash": HASH_NAME, "format": "1"},
        )
        return path

    @classmethod
    def load(cls, folder: str | Path) -> SeenTexts | None:
        """The record in ``folder``, or None when the folder has none."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        path = Path(folder) / SEEN_FILE
        if not path.is_file():
            return None
        try:
            arrays = load_file(str(path))
        except (OSError, SafetensorError, ValueError) as exc:
            raise ModelError(
                f"{path} (the texts the model was trained on) cannot be read: {exc}. "
                "Delete it to use the model without the leakage guard."
            ) from exc
        return cls(arrays.get("train", np.zeros(0)), arrays.get("validation", np.zeros(0)))


def write_seen(model: Any, folder: Path) -> None:
    """Write ``model.seen`` to ``folder``; remove a stale record when the model has none
    (a model saved over another must not inherit the other's training texts)."""
    seen = getattr(model, "seen", None)
    if seen is not None:
        seen.save(folder)
    else:
        (folder / SEEN_FILE).unlink(missing_ok=True)


# -- using it -------------------------------------------------------------------------------
GUARD_UNAVAILABLE = (
    "The model has no record of the texts it was trained on (it was trained elsewhere or saved "
    "before Sentiment Studio kept one), so the leakage guard could not apply: every row was "
    "scored, including any the model may have been trained on."
)


@dataclass
class Guarded:
    """Which rows a metric uses: ``seen`` per row, ``use`` per row and what to say about it."""

    seen: list[str]  # "train" | "validation" | "" per row ("" also when the guard is off)
    use: list[bool]  # the rows a metric may score
    state: str  # "applied" | "included" (--include-seen) | "unavailable" (no record)
    excluded: int  # rows left out because the model saw them
    seen_rows: int  # rows the model saw (scored or not)
    by_split: dict[str, int]  # seen rows per split


def guard_note(state: str, by_split: dict[str, int], scored: int) -> str | None:
    """The sentence that goes with a figure: what the guard left out or let in.

    ``by_split``: the labelled rows the model saw, per split; ``scored``: rows scored."""
    seen = sum(by_split.values())
    splits = ", ".join(f"{n:,} {name}" for name, n in by_split.items() if n)
    if state == "unavailable":
        return GUARD_UNAVAILABLE
    if state == "included" and seen:
        return (
            f"Includes {seen:,} rows the model saw in training or validation ({splits}): "
            "not a held-out estimate."
        )
    if state == "applied" and seen:
        return (
            f"Left out {seen:,} rows the model saw ({splits}); scored the {scored:,} it never saw."
        )
    return None


def guard_rows(model: Any, texts: Sequence[str], include_seen: bool = False) -> Guarded:
    """Which of ``texts`` a metric of ``model`` may score (all of them with ``include_seen``)."""
    seen_record: SeenTexts | None = getattr(model, "seen", None)
    if not callable(getattr(seen_record, "which", None)):  # no record (or not ours: a stub's)
        return Guarded([""] * len(texts), [True] * len(texts), "unavailable", 0, 0, {})
    seen = seen_record.which(texts)
    by_split = {name: sum(1 for s in seen if s == name) for name in SPLITS}
    seen_rows = sum(by_split.values())
    if include_seen:
        return Guarded(seen, [True] * len(texts), "included", 0, seen_rows, by_split)
    use = [s == "" for s in seen]
    return Guarded(seen, use, "applied", seen_rows, seen_rows, by_split)


def guarded_accuracy(correct: Sequence[bool | None], guarded: Guarded) -> dict[str, Any]:
    """Accuracy over the labelled rows the guard lets through, with its interval.

    ``correct``: per row True/False, None where unlabelled (``predict_batch``'s ``correct``).
    Returns ``accuracy``, ``accuracy_ci``, ``labelled`` (rows scored), ``excluded_seen``
    (labelled rows left out because the model saw them), ``seen_by_split`` (labelled rows
    the model saw, per split) and ``guard`` (the state).
    """
    from desktop_app.core.training.metrics import accuracy_interval

    scored = [c for c, use in zip(correct, guarded.use, strict=True) if use and c is not None]
    excluded = sum(
        1 for c, use in zip(correct, guarded.use, strict=True) if not use and c is not None
    )
    n, k = len(scored), sum(bool(c) for c in scored)
    return {
        "accuracy": k / n if n else None,
        "accuracy_ci": accuracy_interval(k, n),
        "labelled": n,
        "excluded_seen": excluded,
        "seen_by_split": {
            name: sum(
                1 for c, s in zip(correct, guarded.seen, strict=True) if c is not None and s == name
            )
            for name in SPLITS
        },
        "guard": guarded.state,
    }
