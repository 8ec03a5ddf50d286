"""What a model is trained on: :class:`TrainData` (texts and labels of the three splits), its
fingerprint, and :func:`check_data` (clear messages before any time is spent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.errors import ModelError, UserError
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


MIN_LABELLED_ROWS = 10  # below this no split leaves a class in train, validation and test


def prepare_training_data(
    source: Any,
    *,
    kind: str | None = None,
    fractions: tuple[float, float, float] | None = None,
    seed: int = 0,
) -> tuple[TrainData, list[str]]:
    """The training data of a loaded :class:`Dataset` or an open project, and notes on it.

    The one way training data is made, for the Training tab, the Label tab's "Retrain with my
    labels" and the ``train`` command:

    - a project (anything with ``split_data()`` and ``labels``, such as
      :class:`~desktop_app.core.project.store.ProjectStore` or a ``LabelSession``): its
      current labels, each labelled row in the split given by the stable hash of its id;
    - a dataset: its split if it has one (and ``fractions`` is None), else a stratified,
      seeded split (``fractions`` = train, validation, test; default 80/10/10).

    Raises :class:`UserError` (no labels, one class, too few rows) with what to do, and
    :class:`ModelError` from :func:`check_data` when ``kind`` is given.
    """
    notes: list[str] = []
    if hasattr(source, "split_data") and not hasattr(source, "frame"):
        splits = source.split_data()
        present = {label for _texts, labels in splits.values() for label in labels}
        n_labelled = sum(len(texts) for texts, _labels in splits.values())
        classes = [name for name in source.labels if name in present]
        classes += sorted(present - set(classes))
        _check_counts(classes, n_labelled)
        data = TrainData(
            *splits.get("train", ([], [])),
            *splits.get("validation", ([], [])),
            *splits.get("test", ([], [])),
            labels=classes,
        )
        notes.append(
            "Each labelled row is in the split its id hashes to, so it stays there when you "
            "label more rows."
        )
    else:
        dataset = source
        if dataset is None:
            raise UserError(
                "No dataset is open. Open a labelled data file in the Dataset tab first "
                "(File ▸ Open dataset…)."
            )
        counts = dataset.frame["label"].value_counts()  # fast on the categorical column
        classes = sorted(str(label) for label, n in counts.items() if n > 0 and str(label) != "")
        _check_counts(classes, int(counts.sum()))
        if fractions is not None:
            dataset = dataset.split(*fractions, seed=seed)
            notes.append(
                f"Split {fractions[0]:.0%}/{fractions[1]:.0%}/{fractions[2]:.0%} "
                f"(stratified, seed {seed})."
            )
        elif not dataset.is_split:
            dataset = dataset.split(seed=seed)
            notes.append(
                f"The dataset is not split yet: using a stratified 80/10/10 split (seed {seed})."
            )
        data = TrainData(
            *dataset.split_data("train"),
            *dataset.split_data("validation"),
            *dataset.split_data("test"),
            labels=list(dataset.labels),
        )
    if kind is not None:
        check_data(data, kind)
    return data, notes


def _check_counts(classes: list[str], n_labelled: int) -> None:
    if not classes:
        raise UserError(
            "The data has no labels. Pick its label column in the Dataset tab, or label texts "
            "in the Label tab."
        )
    if len(classes) < 2:
        raise UserError(
            f"The data has only one class ({classes[0]}): training needs at least two. "
            "Label some texts of another class, or pick another label column."
        )
    if n_labelled < MIN_LABELLED_ROWS:
        raise UserError(
            f"Only {n_labelled} labelled texts: too few to train a model and test it. "
            f"Label at least {MIN_LABELLED_ROWS} (a few hundred give a useful model)."
        )
