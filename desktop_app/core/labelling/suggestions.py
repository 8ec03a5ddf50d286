"""The model's suggestions for the Label tab, over the project's classes only. No Qt.

A model may know classes the project does not have (VADER's ``neutral`` in a two-class
project, a 3-class model on a positive/negative project). The Label tab must never offer
such a class, and a row is not "uncertain" because the model hesitates between a project
class and one the project does not have. So the probabilities of the classes both share
are renormalised to sum to one, and the suggestion (their most likely class), its
confidence and the uncertainty margin (the gap between the top two) are taken from those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    """What the model suggests for one row, and which model said it."""

    label: str
    confidence: float  # probability of ``label`` among the project's classes
    margin: float  # gap between the two most likely project classes (small = unsure)
    model_id: str


@dataclass(frozen=True)
class ClassMatch:
    """How the model's classes meet the project's."""

    shared: tuple[str, ...]  # model classes that are project classes (in the model's order)
    left_out: tuple[str, ...]  # model classes the project does not have
    missing: tuple[str, ...]  # project classes the model does not know

    @property
    def usable(self) -> bool:
        """Two shared classes at least: with fewer there is nothing to choose between."""
        return len(self.shared) >= 2

    def note(self) -> str:
        """One sentence for the card when the classes differ ("" when they match)."""
        if not self.usable:
            return (
                f"The model's classes ({', '.join(self.shared + self.left_out) or 'none'}) do "
                "not match this project's: press Retrain with my labels for suggestions."
            )
        parts = []
        if self.left_out:
            parts.append(
                f"the model's {_names(self.left_out)} {_is(self.left_out)} left out "
                "(not a class of this project)"
            )
        if self.missing:
            it = "it" if len(self.missing) == 1 else "them"
            parts.append(f"it never suggests {_names(self.missing)} (it does not know {it})")
        if not parts:
            return ""
        return "Among this project's classes only: " + "; ".join(parts) + "."


def match_classes(model_labels: Sequence[str], project_labels: Sequence[str]) -> ClassMatch:
    project = set(project_labels)
    model = set(model_labels)
    return ClassMatch(
        shared=tuple(c for c in model_labels if c in project),
        left_out=tuple(c for c in model_labels if c not in project),
        missing=tuple(c for c in project_labels if c not in model),
    )


def suggest(
    row_ids: Sequence[int],
    probabilities: Sequence[Sequence[float]],
    model_labels: Sequence[str],
    project_labels: Sequence[str],
    model_id: str = "",
) -> tuple[dict[int, Suggestion], ClassMatch]:
    """Suggestions for ``row_ids`` from the model's ``probabilities`` (one row per id, one
    column per model label), restricted to ``project_labels`` and renormalised over them.

    Rows get no suggestion when the model shares fewer than two classes with the project,
    or gives every shared class probability zero.
    """
    match = match_classes(model_labels, project_labels)
    if not match.usable or not len(row_ids):
        return {}, match
    import numpy as np  # lazily: the Label tab imports this module at start-up

    columns = [list(model_labels).index(c) for c in match.shared]
    proba = np.asarray(probabilities, dtype=float)
    if proba.ndim != 2 or proba.shape[0] != len(row_ids):
        raise ValueError("one row of probabilities per row id is needed")
    kept = proba[:, columns]
    total = kept.sum(axis=1)
    valid = total > 0
    kept = kept / np.where(valid, total, 1.0)[:, None]
    top = np.argmax(kept, axis=1)
    best = kept[np.arange(len(kept)), top]
    two = np.partition(kept, -2, axis=1)[:, -2:]
    margin = two[:, 1] - two[:, 0]
    out = {}
    for k, row_id in enumerate(row_ids):
        if valid[k]:
            out[int(row_id)] = Suggestion(
                label=match.shared[int(top[k])],
                confidence=round(float(best[k]), 6),
                margin=round(float(margin[k]), 6),
                model_id=model_id,
            )
    return out, match


def _names(names: Sequence[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _is(names: Sequence[str]) -> str:
    return "is" if len(names) == 1 else "are"
