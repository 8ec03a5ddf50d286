"""``minilm-head``: the bundled MiniLM encoder frozen, a logistic-regression head on top.

Sentence embeddings as the checkpoint was trained to give them: mean pooling over the
attention mask, then L2 normalisation. They are computed once, in length-sorted
batches, and cached per (encoder, data fingerprint, split, max length), so trying
another head costs nothing. The regularisation strength C is chosen on the
validation split. Saved as ``head.safetensors`` (coefficients and intercepts) plus
``training.json``, which names the encoder.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.jobs import JobContext
from desktop_app.core.models.base import SentimentModel, make_folder, softmax
from desktop_app.core.models.neural import pad
from desktop_app.core.models.safe_load import (
    check_no_custom_code,
    short_reason,
    translate_load_error,
)
from desktop_app.core.models.transformer import (
    MAX_INFERENCE_LIMIT,
    content_tokens,
    special_template,
)

HEAD_FILE = "head.safetensors"
BUNDLED_ENCODER = "bundled:minilm"

# (encoder source, fingerprint, split, max_length) -> embeddings; a few datasets at most
_EMBEDDING_CACHE: OrderedDict[tuple, np.ndarray] = OrderedDict()
_CACHE_SIZE = 8


class Encoder:
    """A frozen sentence encoder: mean pooling + L2 normalisation."""

    def __init__(self, source: str = BUNDLED_ENCODER, device: str = "cpu") -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from desktop_app.core.models.transformer import bundled_minilm_path

        self.source = source
        path = str(bundled_minilm_path()) if source == BUNDLED_ENCODER else source
        if not Path(path).is_dir():
            raise ModelError(f"The encoder folder {path} of this minilm-head model is missing.")
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            check_no_custom_code(path)
            self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
            self.module = AutoModel.from_pretrained(
                path, trust_remote_code=False, use_safetensors=True
            )
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - library errors become one clear line
            clear = translate_load_error(exc, path)
            if clear is not None:
                raise clear from None
            if not isinstance(exc, (OSError, ValueError)):
                raise
            raise ModelError(
                f"Could not load the encoder in {path}: {short_reason(exc)}. The folder needs "
                "config.json, model.safetensors and the tokenizer files."
            ) from exc
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        self.device = device
        self.module.to(device).eval()
        self.position_limit = int(self.module.config.max_position_embeddings)
        # Training embeds texts cut at max_length; prediction reads up to the position
        # limit at once and longer texts in windows (core/predict/chunks.py).
        self.max_length = min(256, self.position_limit)
        self.template = special_template(self.tokenizer)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return list(
            self.tokenizer([str(t) for t in texts], truncation=False, verbose=False)["input_ids"]
        )

    def content_tokens(
        self, texts: Sequence[str], offsets: bool = False
    ) -> list[tuple[list[int], list[tuple[int, int]] | None]]:
        return content_tokens(self.tokenizer, texts, offsets)

    def wrap(self, ids: list[int]) -> list[int]:
        return [*self.template[0], *ids, *self.template[1]]

    def embed(
        self,
        texts: Sequence[str],
        ctx: JobContext | None = None,
        batch_size: int = 64,
        max_length: int | None = None,
        message: str = "embedding",
    ) -> np.ndarray:
        """Embeddings of texts cut at ``max_length`` tokens (default: the training length)."""
        max_length = max_length or self.max_length
        ids = [
            x if len(x) <= max_length else x[: max_length - 1] + x[-1:]
            for x in self.token_ids(texts)
        ]
        return self.embed_ids(ids, ctx, batch_size, message)

    @torch.inference_mode()
    def embed_ids(
        self,
        ids: Sequence[Sequence[int]],
        ctx: JobContext | None = None,
        batch_size: int = 64,
        message: str = "embedding",
    ) -> np.ndarray:
        """Embeddings of model inputs (special tokens included), in length-sorted batches."""
        n = len(ids)
        dim = int(self.module.config.hidden_size)
        out = np.zeros((n, dim), dtype=np.float32)
        order = sorted(range(n), key=lambda i: len(ids[i]))
        pad_id = self.tokenizer.pad_token_id or 0
        for start in range(0, n, batch_size):
            if ctx is not None:
                ctx.check_cancelled()
                ctx.progress(start, n, message)
            index = order[start : start + batch_size]
            input_ids, mask = pad([ids[i] for i in index], pad_id, limit=self.position_limit)
            input_ids, mask = input_ids.to(self.device), mask.to(self.device)
            hidden = self.module(input_ids=input_ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
            out[index] = pooled.cpu().numpy()
        if ctx is not None:
            ctx.progress(n, n, message)
        return out

    def embed_cached(
        self,
        texts: Sequence[str],
        key: tuple | None,
        ctx: JobContext | None = None,
        message: str = "embedding",
    ) -> np.ndarray:
        if key is not None:
            full_key = (self.source, *key, self.max_length)
            if full_key in _EMBEDDING_CACHE:
                _EMBEDDING_CACHE.move_to_end(full_key)
                return _EMBEDDING_CACHE[full_key]
        vectors = self.embed(texts, ctx, message=message)
        if key is not None:
            _EMBEDDING_CACHE[full_key] = vectors
            while len(_EMBEDDING_CACHE) > _CACHE_SIZE:
                _EMBEDDING_CACHE.popitem(last=False)
        return vectors


def clear_embedding_cache() -> None:
    _EMBEDDING_CACHE.clear()


class MiniLMHeadModel(SentimentModel):
    kind = "minilm-head"

    def __init__(
        self,
        encoder: Encoder,
        labels: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        name: str = "MiniLM-L6 frozen + logistic regression",
    ) -> None:
        super().__init__(labels, name=name, max_length=encoder.max_length)
        self.encoder = encoder
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.inference_limit = min(encoder.position_limit, MAX_INFERENCE_LIMIT)
        self.special_tokens = len(encoder.template[0]) + len(encoder.template[1])

    def proba_from_embeddings(self, x: np.ndarray) -> np.ndarray:
        """The same formula as scikit-learn's LogisticRegression.predict_proba."""
        scores = x @ self.coef.T + self.intercept
        if self.coef.shape[0] == 1:  # binary: one weight vector for the second class
            p1 = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1.0 - p1, p1], axis=1)
        return softmax(scores)

    def predict_proba(self, texts: Sequence[str], ctx: JobContext | None = None) -> np.ndarray:
        """Class probabilities; texts over ``chunk_tokens`` tokens are read in windows."""
        from desktop_app.core.predict.chunks import predict_long

        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        return predict_long(self, [str(t) for t in texts], "chunk", ctx).probabilities

    # -- the long-text hooks (core/predict/chunks.py) -----------------------------------
    def content_tokens(
        self, texts: Sequence[str], offsets: bool = False
    ) -> list[tuple[list[int], list[tuple[int, int]] | None]]:
        return self.encoder.content_tokens(texts, offsets)

    def wrap(self, ids: list[int]) -> list[int]:
        return self.encoder.wrap(ids)

    def proba_from_ids(
        self,
        ids: Sequence[Sequence[int]],
        ctx: JobContext | None = None,
        batch_size: int | None = None,
    ) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, len(self.labels)))
        vectors = self.encoder.embed_ids(ids, ctx, batch_size or 64, message="predicting")
        return self.proba_from_embeddings(vectors)

    def truncated(self, texts: Sequence[str]) -> list[bool]:
        """Texts longer than the training length (the head was fitted on texts cut there)."""
        return [len(ids) > self.encoder.max_length for ids in self.encoder.token_ids(texts)]

    def save(self, folder: str | Path) -> None:
        from safetensors.numpy import save_file

        path = make_folder(folder)
        save_file(
            {
                "coef": np.ascontiguousarray(self.coef),
                "intercept": np.ascontiguousarray(self.intercept),
            },
            str(path / HEAD_FILE),
        )
        self._write_training_json(path, {"encoder": self.encoder.source, "head_file": HEAD_FILE})
        self.folder = str(path)

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> MiniLMHeadModel:
        from safetensors.numpy import load_file

        from desktop_app.core.device import resolve_device
        from desktop_app.core.models.base import read_training_json

        folder = Path(folder)
        info = read_training_json(folder) or {}
        if not (folder / HEAD_FILE).is_file():
            raise ModelError(f"{folder} has no {HEAD_FILE}: it is not a saved minilm-head model.")
        weights = load_file(str(folder / HEAD_FILE))
        encoder = Encoder(info.get("encoder", BUNDLED_ENCODER), device=resolve_device(device))
        model = cls(
            encoder,
            info["labels"],
            weights["coef"],
            weights["intercept"],
            name=info.get("name", ""),
        )
        model.folder = str(folder)
        return model
