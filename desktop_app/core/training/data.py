"""What a model is trained on: :class:`TrainData` (texts and labels of the three splits), its
fingerprint, and :func:`check_data` (clear messages before any time is spent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.errors import ModelError
from desktop_app.core.fingerprint import data_fingerprint


@dataclass
class TrainData:
    """Texts and labels of the three splits. ``labels`` fixes the class order."""

    train_texts: list[str]
    train_labels: list[str]
    val_texts: list[str] = field(default_factory=list)
    val_labels: list[str] = field(default_factory=list)
    test_texts: list[str] = field(default_factory=list)
    test_labels: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    fingerprint: str = ""

    def __post_init__(self) -> None:
        for name in ("train", "val", "test"):
            texts, labels = getattr(self, f"{name}_texts"), getattr(self, f"{name}_labels")
            if len(texts) != len(labels):
                raise ModelError(
                    f"The {name} split has {len(texts)} texts but {len(labels)} labels."
                )
            setattr(self, f"{name}_texts", [str(t) for t in texts])
            setattr(self, f"{name}_labels", [str(x) for x in labels])
        if not self.labels:
            self.labels = sorted(
                set(self.train_labels) | set(self.val_labels) | set(self.test_labels)
            )
        self.labels = [str(x) for x in self.labels]
        if not self.fingerprint:
            self.fingerprint = fingerprint(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainData:
        """The ``train`` job's format: ``{"train": [texts, labels], "validation": [...],
        "test": [...], "labels": [...], "fingerprint": str}``."""

        def part(name: str) -> tuple[list, list]:
            value = data.get(name) or [[], []]
            return list(value[0]), list(value[1])

        train, val, test = part("train"), part("validation"), part("test")
        return cls(
            *train,
            *val,
            *test,
            labels=list(data.get("labels") or []),
            fingerprint=str(data.get("fingerprint") or ""),
        )

    @classmethod
    def from_dataset(cls, dataset: Any) -> TrainData:
        """From a split :class:`desktop_app.core.data.dataset.Dataset`."""
        train = dataset.split_data("train")
        val = dataset.split_data("validation")
        test = dataset.split_data("test")
        return cls(*train, *val, *test, labels=list(dataset.labels))

    def to_dict(self) -> dict[str, Any]:
        return {
            "train": [self.train_texts, self.train_labels],
            "validation": [self.val_texts, self.val_labels],
            "test": [self.test_texts, self.test_labels],
            "labels": self.labels,
            "fingerprint": self.fingerprint,
        }

    def sizes(self) -> dict[str, int]:
        return {
            "train": len(self.train_texts),
            "validation": len(self.val_texts),
            "test": len(self.test_texts),
        }


def fingerprint(data: TrainData) -> str:
    """A short hash of every text, label and split: same data, same fingerprint."""
    return data_fingerprint(
        [
            ("train", data.train_texts, data.train_labels),
            ("validation", data.val_texts, data.val_labels),
            ("test", data.test_texts, data.test_labels),
        ]
    )


# ---------------------------------------------------------------------------------------
def check_data(data: TrainData, kind: str) -> None:
    """Clear messages before any time is spent: one class, too few rows, unknown labels."""
    present = sorted(set(data.train_labels))
    if len(set(data.labels)) < 2 or len(present) < 2:
        only = present[0] if present else "none"
        raise ModelError(
            f"Training needs at least two classes, but the training split has only one ({only}). "
            "Label some texts of another class, or pick another label column."
        )
    unknown = sorted(
        (set(data.train_labels) | set(data.val_labels) | set(data.test_labels)) - set(data.labels)
    )
    if unknown:
        raise ModelError(
            f"Labels {', '.join(unknown)} are not in the label list {', '.join(data.labels)}."
        )
    missing = sorted(set(data.labels) - set(present))
    if missing and kind != "vader":
        raise ModelError(
            f"The training split has no example of {', '.join(missing)}. Label more texts of that "
            "class or make the validation/test splits smaller."
        )
    sizes = data.sizes()
    need_train = 2 * len(data.labels) if kind != "vader" else 0
    if (
        sizes["train"] < need_train
        or sizes["test"] < 1
        or (kind != "vader" and sizes["validation"] < 1)
    ):
        raise ModelError(
            f"Too few labelled rows for the split: train {sizes['train']}, validation "
            f"{sizes['validation']}, test {sizes['test']}. Training needs at least "
            f"{max(need_train, 1)} training rows and at least one validation and one test row: "
            "label more texts, or change the split percentages."
        )
