"""Which model produced a result, so a view can tell when the current model is another one.

The worker puts the current ``model_info`` in every ``predict``, ``predict_batch`` and
``explain`` result (``result["model"]``); its ``id`` changes with every new model (trained,
loaded, reset to VADER) and stays when the model is only saved. A view keeps the stamp of
what it shows and compares it with each ``state.model_changed`` announcement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_MODEL = "VADER (built-in lexicon, until a model is trained or loaded)"


def model_name(info: dict[str, Any]) -> str:
    """The name to show for a ``model_info`` (VADER's long name before the first probe)."""
    return str(info.get("name") or DEFAULT_MODEL)


@dataclass(frozen=True)
class ModelStamp:
    """A model's ``id`` and ``name``; an empty id means "not known" and never goes stale."""

    id: str = ""
    name: str = ""

    @classmethod
    def of_info(cls, info: dict[str, Any] | None) -> ModelStamp:
        info = info or {}
        return cls(str(info.get("id") or ""), model_name(info))

    @classmethod
    def of_result(cls, result: dict[str, Any] | None) -> ModelStamp:
        """The model a job result came from (``result["model"]``)."""
        model = (result or {}).get("model")
        return cls.of_info(model if isinstance(model, dict) else None)

    def is_current(self, info: dict[str, Any]) -> bool:
        """Whether the model announced in ``info`` is the one that produced the result."""
        current = str(info.get("id") or "")
        return not self.id or not current or self.id == current

    def stale_text(self, start: bool = False) -> str:
        """What a kept result says about itself once another model is current (``start``:
        capitalised, to begin a sentence)."""
        text = f"from model {self.name} (no longer the current model)"
        return "F" + text[1:] if start else text
