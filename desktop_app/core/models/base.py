"""The model interface every kind implements, and helpers shared by the kinds.

A model has a fixed label order (``labels``; ``id2label`` / ``label2id`` follow it),
``predict_proba(texts) -> (n, len(labels))`` and ``save(folder)`` which writes the
weights and ``training.json`` (hyperparameters, label map, data fingerprint,
metrics, loss history, library versions) and, for a model trained here, the hashes of the texts
it was trained and selected on (:data:`~desktop_app.core.guard.SEEN_FILE`, the leakage guard).
:func:`load_model` reads any of them back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.errors import ModelError
from desktop_app.core.guard import SeenTexts, write_seen
from desktop_app.core.jobs import JobContext

TRAINING_JSON = "training.json"
FORMAT_VERSION = 1


class SentimentModel:
    """Base class: one interface for VADER, MiniLM, any transformer, the head and the BiLSTM.

    ``max_length`` is the length training cut its texts at (it may be short, for speed);
    ``inference_limit`` is the most tokens the model accepts at once when predicting (special
    tokens included; None: no limit). Texts longer than ``chunk_tokens`` are read in windows
    (:mod:`desktop_app.core.predict.chunks`); models with a limit also implement
    ``content_tokens``, ``wrap`` and ``proba_from_ids`` for that.
    """

    kind: str = "?"
    # False for models fitted on no texts (VADER): their record of seen texts is empty
    learns_from_texts: bool = True
    inference_limit: int | None = None
    special_tokens: int = 0  # tokens ``wrap`` adds around a window

    def __init__(self, labels: Sequence[str], name: str = "", max_length: int | None = None):
        if len(labels) < 2:
            raise ModelError("A model needs at least two labels.")
        self.labels: list[str] = [str(label) for label in labels]
        self.name: str = name or self.kind
        self.max_length: int | None = max_length
        self.folder: str | None = None
        # hyperparameters, fingerprint, metrics, history: written to training.json
        self.training_info: dict[str, Any] = {}
        # the texts it was trained / selected on (the leakage guard); None = no record
        self.seen: SeenTexts | None = None if self.learns_from_texts else SeenTexts()

    # -- label maps ---------------------------------------------------------------
    @property
    def label2id(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels))

    # -- prediction ----------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], ctx: JobContext | None = None) -> np.ndarray:
        raise NotImplementedError

    def predict(self, texts: Sequence[str], ctx: JobContext | None = None) -> list[str]:
        probs = self.predict_proba(texts, ctx)
        return [self.labels[i] for i in probs.argmax(axis=1)]

    def truncated(self, texts: Sequence[str]) -> list[bool]:
        """Which texts are longer than the training ``max_length`` (training cuts them;
        prediction reads them in windows, see ``chunk_tokens``)."""
        return [False] * len(texts)

    @property
    def chunk_tokens(self) -> int | None:
        """Longer texts are read in windows of this many tokens (special tokens included)."""
        if not self.inference_limit:
            return None
        from desktop_app.core.predict.chunks import CHUNK_TOKENS

        return min(CHUNK_TOKENS, self.inference_limit)

    # -- persistence ---------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        raise NotImplementedError

    def _write_training_json(self, folder: Path, extra: dict[str, Any] | None = None) -> None:
        from desktop_app.core.device import library_versions

        info = dict(self.training_info)
        info.update(extra or {})
        info.update(
            {
                "format_version": FORMAT_VERSION,
                "kind": self.kind,
                "name": self.name,
                "labels": self.labels,
                "label2id": self.label2id,
                "id2label": {str(k): v for k, v in self.id2label.items()},
                "max_length": self.max_length,  # training
                "inference_limit": self.inference_limit,  # prediction: read at once at most
                "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "versions": library_versions(),
            }
        )
        (folder / TRAINING_JSON).write_text(
            json.dumps(_plain(info), indent=2, ensure_ascii=False), encoding="utf-8"
        )
        write_seen(self, folder)  # every kind saves through here

    def describe(self) -> str:
        return f"{self.name} ({self.kind}, labels: {', '.join(self.labels)})"


def _plain(value: Any) -> Any:
    """numpy values -> Python values, for json."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    return value


def make_folder(folder: str | Path) -> Path:
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise ModelError(f"Cannot save the model: {path} is a file, not a folder.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"Cannot create the folder {path}: {exc.strerror or exc}.") from exc
    return path


def read_training_json(folder: str | Path) -> dict[str, Any] | None:
    path = Path(folder) / TRAINING_JSON
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path} is not a readable training.json file: {exc}") from exc


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def load_model(spec: str, device: str = "auto") -> SentimentModel:
    """Load ``"vader"`` or a folder written by ``SentimentModel.save`` (or a plain
    transformers folder with config + weights + tokenizer)."""
    spec = str(spec)
    if spec.strip().lower() == "vader":
        from desktop_app.core.models.vader import VaderModel

        return VaderModel()
    folder = Path(spec).expanduser()
    if not folder.is_dir():
        raise ModelError(
            f"Model folder not found: {folder}. Pick a folder saved by Sentiment Studio "
            "(it holds training.json) or a transformers model folder."
        )
    info = read_training_json(folder)
    kind = (info or {}).get("kind")
    if kind is None:
        if (folder / "config.json").is_file():
            kind = "transformer"
        else:
            raise ModelError(
                f"{folder} does not hold a model: no training.json and no config.json found."
            )
    if kind == "vader":
        from desktop_app.core.models.vader import VaderModel

        model: SentimentModel = VaderModel(info.get("labels") if info else None)
    elif kind in ("minilm", "transformer"):
        from desktop_app.core.models.transformer import TransformerModel

        model = TransformerModel.load(folder, device=device)
    elif kind == "minilm-head":
        from desktop_app.core.models.minilm_head import MiniLMHeadModel

        model = MiniLMHeadModel.load(folder, device=device)
    elif kind == "bilstm":
        from desktop_app.core.models.bilstm import BiLSTMModel

        model = BiLSTMModel.load(folder, device=device)
    else:
        raise ModelError(f"{folder}/training.json names an unknown model kind {kind!r}.")
    if info:
        model.training_info = {k: v for k, v in info.items() if k not in ("versions",)}
    seen = SeenTexts.load(folder)
    if seen is not None or model.learns_from_texts:
        model.seen = seen
    model.folder = str(folder)
    return model


def create_vader(labels: Sequence[str] | None = None) -> SentimentModel:
    """VADER mapped to ``labels`` (default negative / neutral / positive)."""
    from desktop_app.core.models.vader import VaderModel

    return VaderModel(labels)
