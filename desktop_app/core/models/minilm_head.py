"""``minilm-head``: the bundled MiniLM encoder frozen, a logistic-regression head on top.

Sentence embeddings as the checkpoint was trained to give them: mean pooling over the
attention mask, then L2 normalisation. They are computed once, in length-sorted
batches, and cached per (encoder, data fingerprint, split, max length), so trying
another head costs nothing. The regularisation strength C is chosen by stratified
k-fold cross-validation on train + validation (:func:`choose_c`: macro-F1 per fold,
the mean per C), and the head is then refitted on train + validation with that C
(:func:`fit_head`); the test split is never looked at. Saved as ``head.safetensors``
(coefficients and intercepts) plus ``training.json``, which names the encoder.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from desktop_app.core.errors import Cancelled, ModelError
from desktop_app.core.imports import heavy_imports
from desktop_app.core.jobs import JobContext
from desktop_app.core.models.base import SentimentModel, make_folder, softmax
from desktop_app.core.models.neural import grad_off, pad
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
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
CV_FOLDS = 5

# (encoder source, fingerprint, split, max_length) -> embeddings; a few datasets at most
_EMBEDDING_CACHE: OrderedDict[tuple, np.ndarray] = OrderedDict()
_CACHE_SIZE = 8


class Encoder:
    """A frozen sentence encoder: mean pooling + L2 normalisation."""

    # The inference precision (core/predict/precision.py: use_precision): an autocast
    # factory for the encoder's forward pass; None = fp32.
    inference_autocast: Any = None

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

    def embed_ids(
        self,
        ids: Sequence[Sequence[int]],
        ctx: JobContext | None = None,
        batch_size: int = 64,
        message: str = "embedding",
    ) -> np.ndarray:
        """Embeddings of model inputs (special tokens included), in length-sorted batches."""
        with grad_off(self.inference_autocast):
            return self._embed_ids(ids, ctx, batch_size, message)

    def _embed_ids(
        self, ids: Sequence[Sequence[int]], ctx: JobContext | None, batch_size: int, message: str
    ) -> np.ndarray:
        n = len(ids)
        autocast = self.inference_autocast
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
            with autocast() if autocast is not None else contextlib.nullcontext():
                hidden = self.module(input_ids=input_ids, attention_mask=mask).last_hidden_state
            hidden = hidden.float()
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


# -- training side: choosing C and fitting the head ------------------------------------------
@dataclass
class CChoice:
    """What :func:`choose_c` found: the chosen C and the cross-validated score of every C."""

    c: float
    folds: int  # 0 = too few rows of some class to cross-validate: C is scikit-learn's default
    scores: list[dict[str, Any]] = field(default_factory=list)  # per C tried: C, macro_f1, sd,
    # fold_scores
    oof_probs: np.ndarray | None = None  # out-of-fold probabilities of the chosen C
    complete: bool = True  # False: cancelled before every C was scored

    def to_dict(self) -> dict[str, Any]:
        return {
            "C": self.c,
            "folds": self.folds,
            "metric": "macro_f1",
            "selection": (
                f"stratified {self.folds}-fold cross-validation on train + validation"
                if self.folds
                else "scikit-learn's default C (too few rows of a class to cross-validate)"
            ),
            "cv_scores": self.scores,
            "complete": self.complete,
        }


def fit_head(x: np.ndarray, y: np.ndarray, c: float, seed: int = 0) -> Any:
    """A fitted scikit-learn ``LogisticRegression`` (lbfgs) on embeddings ``x``."""
    with heavy_imports():
        from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(x, y)


def _full_proba(clf: Any, x: np.ndarray, n_classes: int) -> np.ndarray:
    """``predict_proba`` with a column for every class (a fold may lack one)."""
    out = np.zeros((len(x), n_classes))
    out[:, clf.classes_] = clf.predict_proba(x)
    return out


def choose_c(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    grid: Sequence[float] = C_GRID,
    folds: int = CV_FOLDS,
    seed: int = 0,
    ctx: JobContext | None = None,
) -> CChoice:
    """The C of ``grid`` with the best mean macro-F1 over stratified ``folds``-fold
    cross-validation of ``x`` (embeddings) and ``y`` (class indices); ties go to the smaller
    C. Fewer folds when the smallest class has fewer rows; scikit-learn's default C = 1 when
    it has one. Progress per fold; a cancel between fits keeps the C scored so far (raises
    :class:`Cancelled` when not one C was scored)."""
    with heavy_imports():
        from sklearn.metrics import f1_score
        from sklearn.model_selection import StratifiedKFold

    smallest = int(np.bincount(y, minlength=n_classes)[np.unique(y)].min())
    folds = min(folds, smallest)
    if folds < 2:
        if ctx is not None:
            ctx.log("A class has a single row in train + validation: using C = 1 (no CV).")
        return CChoice(c=1.0, folds=0)
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y))
    total = len(grid) * folds
    best: tuple[float, float, np.ndarray] | None = None  # (score, C, out-of-fold probs)
    scores: list[dict[str, Any]] = []
    for i, c in enumerate(grid):
        oof = np.zeros((len(x), n_classes))
        fold_scores = []
        for f, (fit_rows, score_rows) in enumerate(splits):
            if ctx is not None:
                if ctx.should_stop():
                    if best is None:
                        raise Cancelled()
                    return CChoice(best[1], folds, scores, best[2], complete=False)
                ctx.progress(
                    i * folds + f,
                    total,
                    f"choosing C by {folds}-fold cross-validation: "
                    f"C = {c:g} ({i + 1}/{len(grid)}), fold {f + 1}/{folds}",
                )
            clf = fit_head(x[fit_rows], y[fit_rows], c, seed)
            oof[score_rows] = _full_proba(clf, x[score_rows], n_classes)
            pred = oof[score_rows].argmax(axis=1)
            fold_scores.append(
                float(
                    f1_score(
                        y[score_rows],
                        pred,
                        labels=list(range(n_classes)),
                        average="macro",
                        zero_division=0,
                    )
                )
            )
        mean = float(np.mean(fold_scores))
        scores.append(
            {
                "C": c,
                "macro_f1": mean,
                "sd": float(np.std(fold_scores)),
                "fold_scores": fold_scores,
            }
        )
        if ctx is not None:
            ctx.log(
                f"C={c:g}: cross-validated macro-F1 {mean:.3f} (± {np.std(fold_scores):.3f} "
                f"over {folds} folds)"
            )
        if best is None or mean > best[0]:
            best = (mean, c, oof)
    assert best is not None
    if ctx is not None:
        ctx.progress(total, total, f"chose C = {best[1]:g}")
    return CChoice(best[1], folds, scores, best[2])
