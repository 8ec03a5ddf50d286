"""What to train and how: :class:`TrainConfig` (hyperparameters with per-kind defaults and
tooltips) and :func:`model_kind`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from desktop_app.core.errors import ModelError

BUILTIN_KINDS = ("minilm", "minilm-head", "bilstm", "vader")


def model_kind(spec: str) -> str:
    """``minilm`` / ``minilm-head`` / ``bilstm`` / ``vader``, else ``transformer`` (folder or hub id)."""
    spec = (spec or "minilm").strip()
    return spec.lower() if spec.lower() in BUILTIN_KINDS else "transformer"


def _help(text: str, kinds: tuple[str, ...] = ("minilm", "transformer", "bilstm")) -> dict:
    return {"help": text, "kinds": kinds}


ALL = ("minilm", "transformer", "bilstm", "minilm-head", "vader")


NEURAL = ("minilm", "transformer", "bilstm")


@dataclass
class TrainConfig:
    """Hyperparameters. ``None`` means "the default for this model kind" (see :data:`DEFAULTS`);
    :meth:`resolved` fills them in. Each field's ``metadata["help"]`` is a tooltip text and
    ``metadata["kinds"]`` the model kinds it applies to."""

    model: str = field(
        default="minilm",
        metadata=_help(
            "minilm (fine-tune the bundled MiniLM), minilm-head (frozen MiniLM + logistic "
            "regression, fast), bilstm, vader (no training), or a transformers folder / hub id.",
            ALL,
        ),
    )
    epochs: int | None = field(
        default=None,
        metadata=_help("Passes over the training split (early stopping may end sooner)."),
    )
    batch_size: int | None = field(
        default=None,
        metadata=_help(
            "Texts per optimisation step. Smaller uses less memory; larger is faster per text.",
            (*NEURAL, "minilm-head"),
        ),
    )
    lr: float | None = field(
        default=None,
        metadata=_help(
            "Peak learning rate (AdamW), reached after the warm-up, then decayed linearly to 0."
        ),
    )
    weight_decay: float | None = field(
        default=None, metadata=_help("AdamW weight decay (not applied to biases and layer norms).")
    )
    warmup_ratio: float | None = field(
        default=None,
        metadata=_help(
            "Fraction of the steps over which the learning rate rises from 0 to its peak."
        ),
    )
    max_length: int | None = field(
        default=None,
        metadata=_help(
            "Longest input in tokens; longer texts are cut. Empty = the 95th percentile of the "
            "training texts' lengths, at most 256.",
            NEURAL,
        ),
    )
    seed: int = field(
        default=0, metadata=_help("Random seed: the same seed gives the same model.", ALL)
    )
    patience: int | None = field(
        default=None,
        metadata=_help(
            "Early stopping: stop after this many epochs without a better validation macro-F1 "
            "(0 = never stop early). The best epoch's weights are kept either way."
        ),
    )
    device: str = field(
        default="auto",
        metadata=_help("auto (GPU when there is one), cpu, cuda or mps.", (*NEURAL, "minilm-head")),
    )
    mixed_precision: bool = field(
        default=True,
        metadata=_help(
            "On CUDA: compute in bf16 when the GPU supports it, else fp16 with a grad scaler."
        ),
    )
    cpu_bf16: bool = field(
        default=False,
        metadata=_help(
            "On the CPU: run the training steps in bf16 (autocast). About 1.4x faster on CPUs "
            "with AMX or AVX-512-BF16, slower on others; validation and test stay fp32.",
            ("minilm", "transformer"),
        ),
    )
    threads: int | None = field(
        default=None,
        metadata=_help(
            "CPU threads torch may use. Empty = all cores but one, so the app stays responsive.",
            (*NEURAL, "minilm-head"),
        ),
    )
    length_grouped: bool = field(
        default=True,
        metadata=_help(
            "Put texts of similar length in the same batch so little time goes into padding."
        ),
    )
    # -- bilstm ---------------------------------------------------------------------
    embedding_dim: int = field(
        default=128,
        metadata=_help("Word embedding size (ignored with a vectors file).", ("bilstm",)),
    )
    hidden_size: int = field(default=128, metadata=_help("LSTM units per direction.", ("bilstm",)))
    num_layers: int = field(default=1, metadata=_help("Stacked LSTM layers.", ("bilstm",)))
    dropout: float = field(
        default=0.5, metadata=_help("Dropout on embeddings and pooled features.", ("bilstm",))
    )
    pooling: str = field(
        default="max",
        metadata=_help("How LSTM outputs become one vector: max or mean.", ("bilstm",)),
    )
    min_freq: int = field(
        default=1, metadata=_help("Words seen fewer times in training become <unk>.", ("bilstm",))
    )
    max_vocab: int = field(default=30000, metadata=_help("Largest vocabulary size.", ("bilstm",)))
    remove_stopwords: bool = field(
        default=False,
        metadata=_help(
            "Drop stop words (negations such as not/no/never/n't are always kept).", ("bilstm",)
        ),
    )
    vectors_path: str | None = field(
        default=None,
        metadata=_help(
            "Optional GloVe / word2vec text file with pretrained word vectors.", ("bilstm",)
        ),
    )

    @classmethod
    def defaults(cls, model: str = "minilm") -> TrainConfig:
        """A config with every per-model default filled in (what the GUI form shows)."""
        return cls(model=model).resolved()

    def resolved(self) -> TrainConfig:
        kind = model_kind(self.model)
        values = asdict(self)
        for key, value in DEFAULTS.get(kind, {}).items():
            if values.get(key) is None:
                values[key] = value
        return TrainConfig(**values)

    @property
    def kind(self) -> str:
        return model_kind(self.model)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        values = dict(values or {})
        unknown = sorted(set(values) - known)
        if unknown:
            raise ModelError(f"Unknown training settings: {', '.join(unknown)}.")
        return cls(**values)

    @staticmethod
    def help_texts() -> dict[str, str]:
        """Field name -> tooltip text."""
        return {f.name: f.metadata.get("help", "") for f in fields(TrainConfig)}

    @staticmethod
    def fields_for(kind: str) -> list[str]:
        """The settings that matter for a model kind (others are ignored)."""
        kind = model_kind(kind)
        return [f.name for f in fields(TrainConfig) if kind in f.metadata.get("kinds", ())]


# Per-kind defaults. MiniLM-L6 is small: it wants a higher learning rate than BERT-base's
# 2e-5; a warm-up and linear decay over 4 epochs, with early stopping, keeps it stable.
DEFAULTS: dict[str, dict[str, Any]] = {
    "minilm": {
        "epochs": 4,
        "batch_size": 32,
        "lr": 8e-5,
        "weight_decay": 0.01,
        "warmup_ratio": 0.1,
        "patience": 2,
    },
    "transformer": {
        "epochs": 3,
        "batch_size": 16,
        "lr": 3e-5,
        "weight_decay": 0.01,
        "warmup_ratio": 0.1,
        "patience": 2,
    },
    "bilstm": {
        "epochs": 10,
        "batch_size": 32,
        "lr": 2e-3,
        "weight_decay": 0.0,
        "warmup_ratio": 0.0,
        "patience": 3,
    },
    "minilm-head": {
        "epochs": 1,
        "batch_size": 64,
        "lr": 0.0,
        "weight_decay": 0.0,
        "warmup_ratio": 0.0,
        "patience": 0,
    },
    "vader": {
        "epochs": 0,
        "batch_size": 64,
        "lr": 0.0,
        "weight_decay": 0.0,
        "warmup_ratio": 0.0,
        "patience": 0,
    },
}
