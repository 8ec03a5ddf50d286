"""Training: one entry point, :func:`train_model`, for every model kind.

It reports through the job context (Orange's TaskState style; the worker turns the
calls into signals, the command line prints them):

- ``ctx.point("step", {"step", "total_steps", "epoch", "loss"})`` per optimisation step
  (the context buffers them and hands them on at most ~10 times a second);
- ``ctx.partial("epoch", {"epoch", "train_loss", "val_loss", "val_accuracy",
  "val_macro_f1"})`` after each epoch;
- ``ctx.progress(step, total_steps, "epoch 1/3 · 1m 20s left")`` and ``ctx.log(line)``.

Cancel (``ctx.should_stop()``) is checked at every step boundary; the loop then stops,
keeps the best weights so far and says where it stopped in the result. Early stopping
watches validation macro-F1 and restores the best epoch's weights at the end.

Speed on a CPU comes from tokenising once, padding each batch only to its own longest
text, and grouping texts of similar length into the same batch (``length_grouped``).
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from desktop_app.core.errors import Cancelled, ModelError
from desktop_app.core.jobs import JobContext, format_eta
from desktop_app.core.models.base import SentimentModel
from desktop_app.core.training.metrics import evaluate_probs, examples, mean_log_loss

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
    digest = hashlib.sha256()
    for name in ("train", "val", "test"):
        digest.update(name.encode())
        for text, label in zip(
            getattr(data, f"{name}_texts"), getattr(data, f"{name}_labels"), strict=True
        ):
            digest.update(
                text.encode("utf-8", "surrogatepass") + b"\x1f" + label.encode() + b"\x1e"
            )
    return digest.hexdigest()[:16]


@dataclass
class TrainResult:
    model: SentimentModel
    metrics: dict[str, Any]
    baseline: dict[str, Any] | None
    history: dict[str, list]
    cancelled: bool
    stopped_at: str
    train_seconds: float
    truncated: int
    test_examples: list[dict[str, Any]]
    best_epoch: int | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (everything but the model itself)."""
        return {
            "metrics": self.metrics,
            "baseline": self.baseline,
            "history": self.history,
            "cancelled": self.cancelled,
            "stopped_at": self.stopped_at,
            "train_seconds": self.train_seconds,
            "truncated": self.truncated,
            "test_examples": self.test_examples,
            "best_epoch": self.best_epoch,
            "config": self.config,
        }


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


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def _vader_baseline(data: TrainData) -> dict[str, Any] | None:
    from desktop_app.core.models.vader import VaderModel

    try:
        vader = VaderModel(data.labels)
    except ModelError:
        return None  # labels VADER cannot map (e.g. topics): no baseline row
    return evaluate_probs(vader.predict_proba(data.test_texts), data.test_labels, data.labels)


def _finish(
    model: SentimentModel,
    config: TrainConfig,
    data: TrainData,
    ctx: JobContext | None,
    history: dict[str, list],
    *,
    test_probs: np.ndarray,
    cancelled: bool,
    stopped_at: str,
    train_seconds: float,
    truncated: int,
    best_epoch: int | None,
) -> TrainResult:
    metrics = evaluate_probs(test_probs, data.test_labels, data.labels)
    baseline = _vader_baseline(data)
    result = TrainResult(
        model=model,
        metrics=metrics,
        baseline=baseline,
        history=history,
        cancelled=cancelled,
        stopped_at=stopped_at,
        train_seconds=round(train_seconds, 3),
        truncated=truncated,
        test_examples=examples(data.test_texts, data.test_labels, test_probs, data.labels),
        best_epoch=best_epoch,
        config=config.to_dict(),
    )
    model.training_info = {
        "hyperparameters": config.to_dict(),
        "fingerprint": data.fingerprint,
        "data_sizes": data.sizes(),
        "metrics": metrics,
        "baseline_vader": baseline,
        "history": history,
        "best_epoch": best_epoch,
        "cancelled": cancelled,
        "stopped_at": stopped_at,
        "train_seconds": result.train_seconds,
        "truncated": truncated,
    }
    if ctx is not None:
        acc = metrics["accuracy"]
        ctx.log(
            f"Test accuracy {acc:.3f}, macro-F1 {metrics['macro_f1']:.3f} on {metrics['n']} texts"
            + (f" (VADER: {baseline['accuracy']:.3f})" if baseline else "")
        )
    return result


# ---------------------------------------------------------------------------------------
def train_model(config: TrainConfig, data: TrainData, ctx: JobContext | None = None) -> TrainResult:
    """Train (or, for VADER, just evaluate) a model; see the module docstring for reporting."""
    config = config.resolved()
    kind = config.kind
    check_data(data, kind)
    if kind == "vader":
        return _train_vader(config, data, ctx)
    import torch

    from desktop_app.core.device import default_threads, resolve_device

    device = resolve_device(config.device)
    torch.set_num_threads(config.threads or default_threads())
    _seed_everything(config.seed)
    if kind == "minilm-head":
        return _train_head(config, data, ctx, device)
    try:
        return _train_neural(config, data, ctx, device)
    except torch.OutOfMemoryError as exc:
        if device == "cuda":
            torch.cuda.empty_cache()
        smaller = max(1, (config.batch_size or 2) // 2)
        raise ModelError(
            f"The {device.upper()} ran out of memory with batch size {config.batch_size}. "
            f"Try a smaller batch size (for example {smaller}) or a shorter max length."
        ) from exc


def _train_vader(config: TrainConfig, data: TrainData, ctx: JobContext | None) -> TrainResult:
    from desktop_app.core.models.vader import VaderModel

    start = time.monotonic()
    model = VaderModel(data.labels)
    if ctx is not None:
        ctx.log("VADER needs no training: evaluating it on the test split.")
    probs = model.predict_proba(data.test_texts)
    history: dict[str, list] = {"steps": [], "epochs": []}
    return _finish(
        model,
        config,
        data,
        ctx,
        history,
        test_probs=probs,
        cancelled=False,
        stopped_at="no training needed",
        train_seconds=time.monotonic() - start,
        truncated=0,
        best_epoch=None,
    )


def _train_head(
    config: TrainConfig, data: TrainData, ctx: JobContext | None, device: str
) -> TrainResult:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from desktop_app.core.models.minilm_head import Encoder, MiniLMHeadModel

    start = time.monotonic()
    history: dict[str, list] = {"steps": [], "epochs": []}
    encoder = Encoder(device=device)
    encoder.max_length = min(encoder.max_length, config.max_length or encoder.max_length)
    if ctx is not None:
        ctx.log(f"Embedding {sum(data.sizes().values())} texts with the frozen MiniLM encoder…")
    # Cancel while embedding raises Cancelled: there is no model to keep yet.
    x = {}
    for split, texts in (
        ("train", data.train_texts),
        ("validation", data.val_texts),
        ("test", data.test_texts),
    ):
        x[split] = encoder.embed_cached(
            texts, (data.fingerprint, split), ctx, f"embedding {split} split"
        )
    y = {
        split: np.asarray([data.labels.index(label) for label in labels])
        for split, labels in (
            ("train", data.train_labels),
            ("validation", data.val_labels),
            ("test", data.test_labels),
        )
    }
    best = None
    for c in (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0):
        if ctx is not None and ctx.should_stop():
            break
        clf = LogisticRegression(C=c, max_iter=3000, random_state=config.seed)
        clf.fit(x["train"], y["train"])
        pred = clf.predict(x["validation"])
        f1 = f1_score(y["validation"], pred, average="macro")
        if ctx is not None:
            ctx.log(f"C={c:g}: validation macro-F1 {f1:.3f}")
        if best is None or f1 > best[0]:
            best = (f1, c, clf)
    if best is None:  # cancelled before the first fit finished
        raise Cancelled()
    _, c, clf = best
    classes = list(clf.classes_)
    coef, intercept = clf.coef_, clf.intercept_
    if len(classes) < len(data.labels):  # a class without training rows never reaches here
        raise ModelError("Every class needs training examples.")
    model = MiniLMHeadModel(encoder, data.labels, coef, intercept)
    train_probs = model.proba_from_embeddings(x["train"])
    val_probs = model.proba_from_embeddings(x["validation"])
    val = evaluate_probs(val_probs, data.val_labels, data.labels)
    epoch = {
        "epoch": 1,
        "train_loss": mean_log_loss(train_probs, y["train"]),
        "val_loss": mean_log_loss(val_probs, y["validation"]),
        "val_accuracy": val["accuracy"],
        "val_macro_f1": val["macro_f1"],
        "C": c,
    }
    history["epochs"].append(epoch)
    if ctx is not None:
        ctx.partial("epoch", epoch)
        ctx.log(f"Chose C={c:g} on the validation split (macro-F1 {val['macro_f1']:.3f}).")
    truncated = sum(
        sum(model.truncated(t)) for t in (data.train_texts, data.val_texts, data.test_texts)
    )
    cancelled = bool(ctx is not None and ctx.should_stop())
    return _finish(
        model,
        config,
        data,
        ctx,
        history,
        test_probs=model.proba_from_embeddings(x["test"]),
        cancelled=cancelled,
        stopped_at=("cancelled while choosing C" if cancelled else "finished"),
        train_seconds=time.monotonic() - start,
        truncated=truncated,
        best_epoch=1,
    )


# ---------------------------------------------------------------------------------------
def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator, mega: int = 50
) -> list[list[int]]:
    """Shuffle, cut into mega-batches of ``mega`` batches, sort each by length, cut into
    batches and shuffle the batch order (transformers' LengthGroupedSampler idea):
    little padding, yet every epoch sees different batches."""
    order = rng.permutation(len(lengths))
    batches: list[list[int]] = []
    size = batch_size * mega
    for start in range(0, len(order), size):
        chunk = sorted(order[start : start + size].tolist(), key=lambda i: -lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    perm = rng.permutation(len(batches))
    return [batches[i] for i in perm]


def random_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    order = rng.permutation(n).tolist()
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def padding_fraction(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Share of the computed token positions that are padding."""
    real = sum(lengths[i] for b in batches for i in b)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches if b)
    return 1.0 - real / padded if padded else 0.0


def _create_neural(config: TrainConfig, data: TrainData, device: str, ctx: JobContext | None):  # noqa: ANN202
    kind = config.kind
    if kind in ("minilm", "transformer"):
        from desktop_app.core.models.transformer import TransformerModel

        if ctx is not None:
            ctx.log(f"Loading {config.model}…")
        return TransformerModel.create(config.model, data.labels, device=device)
    from desktop_app.core.models.bilstm import (
        BiLSTMModel,
        TextPipeline,
        build_vocab,
        read_word_vectors,
    )

    pipeline = TextPipeline(config.remove_stopwords)
    vocab = build_vocab((pipeline(t) for t in data.train_texts), config.min_freq, config.max_vocab)
    vectors = None
    embedding_dim = config.embedding_dim
    if config.vectors_path:
        vectors, found = read_word_vectors(config.vectors_path, vocab, ctx)
        embedding_dim = int(vectors.shape[1])
        if ctx is not None:
            ctx.log(
                f"Word vectors: {found} of {len(vocab)} vocabulary words found ({embedding_dim} dimensions)."
            )
    arch = {
        "embedding_dim": embedding_dim,
        "hidden_size": config.hidden_size,
        "num_layers": config.num_layers,
        "dropout": config.dropout,
        "pooling": config.pooling,
    }
    model = BiLSTMModel(
        vocab, data.labels, arch, remove_stopwords=config.remove_stopwords, device=device
    )
    if vectors is not None:
        import torch

        with torch.no_grad():
            model.module.embedding.weight.copy_(vectors)
    if ctx is not None:
        ctx.log(f"Vocabulary: {len(vocab)} words from the training split.")
    return model


# The classification head of a pretrained encoder starts from random weights, and the
# bundled MiniLM was trained for mean pooling, so its [CLS] pooler is not a sentence
# summary yet: a higher learning rate for those layers lets them catch up in the first
# few hundred steps without pushing the pretrained encoder around.
HEAD_LR_MULTIPLIER = 10.0
HEAD_PARAMETERS = ("classifier.", "pooler.", "score.")


def _param_groups(
    module: Any, lr: float, weight_decay: float, head_multiplier: float = 1.0
) -> list[dict]:
    """AdamW groups: no decay for biases and norms; the new head at ``lr * head_multiplier``."""
    groups: dict[tuple[bool, bool], list] = {}
    for name, param in module.named_parameters():
        if not param.requires_grad:
            continue
        decay = not (param.ndim < 2 or "norm" in name.lower() or name.endswith(".bias"))
        head = head_multiplier != 1.0 and any(part in name for part in HEAD_PARAMETERS)
        groups.setdefault((decay, head), []).append(param)
    return [
        {
            "params": params,
            "weight_decay": weight_decay if decay else 0.0,
            "lr": lr * (head_multiplier if head else 1.0),
        }
        for (decay, head), params in groups.items()
    ]


def init_head_by_probing(
    model: Any,
    train_ids: Sequence[Sequence[int]],
    y: Sequence[int],
    batch_size: int,
    seed: int,
    should_stop: Callable[[], bool] | None = None,
) -> bool:
    """Linear probing before fine-tuning (LP-FT, Kumar et al. 2022): fit a logistic
    regression on the frozen features the classifier sees and start from it, instead of
    from random weights. Only for a plain ``nn.Linear`` classifier (BERT-like models)."""
    import torch
    from sklearn.linear_model import LogisticRegression

    classifier = getattr(model.module, "classifier", None)
    if not isinstance(classifier, torch.nn.Linear):
        return False
    features: list[np.ndarray] = []

    def grab(_module: Any, inputs: tuple, _output: Any) -> None:
        features.append(inputs[0].detach().float().cpu().numpy())

    order = sorted(range(len(train_ids)), key=lambda i: len(train_ids[i]))
    handle = classifier.register_forward_hook(grab)
    try:
        model.proba_from_ids(
            [train_ids[i] for i in order], batch_size=batch_size, should_stop=should_stop
        )
    finally:
        handle.remove()
    x = np.concatenate(features)
    target = np.asarray(y)[order]
    clf = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(x, target)
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # binary: softmax over [-s/2, s/2] equals the sigmoid of s
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    with torch.no_grad():
        classifier.weight.copy_(torch.as_tensor(coef, dtype=classifier.weight.dtype))
        classifier.bias.copy_(torch.as_tensor(intercept, dtype=classifier.bias.dtype))
    return True


def _autocast_factory(device: str, enabled: bool) -> tuple[Callable | None, Any]:
    """(autocast context factory or None, GradScaler or None) for mixed precision on CUDA."""
    import torch

    if device != "cuda" or not enabled:
        return None, None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16

    def autocast():  # noqa: ANN202
        return torch.autocast(device_type="cuda", dtype=dtype)

    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return autocast, scaler


def _train_neural(
    config: TrainConfig, data: TrainData, ctx: JobContext | None, device: str
) -> TrainResult:
    import contextlib

    import torch
    from transformers import get_linear_schedule_with_warmup

    model = _create_neural(config, data, device, ctx)
    label_index = {label: i for i, label in enumerate(data.labels)}

    # Tokenise once; the max length comes from the training texts' lengths.
    full_train = model.token_ids(data.train_texts)
    lengths = [len(ids) for ids in full_train]
    if config.max_length:
        limit = getattr(model, "length_limit", lambda: config.max_length)()
        model.max_length = int(min(config.max_length, limit))
    else:
        model.max_length = model.default_max_length(lengths)
    train_ids = [
        model.cut(ids, model.max_length) if len(ids) > model.max_length else ids
        for ids in full_train
    ]
    train_cut = sum(n > model.max_length for n in lengths)
    val_ids, val_cut = model.encode(data.val_texts)
    test_ids, test_cut = model.encode(data.test_texts)
    truncated = train_cut + sum(val_cut) + sum(test_cut)
    train_y = torch.tensor([label_index[x] for x in data.train_labels], dtype=torch.long)
    val_y = [label_index[x] for x in data.val_labels]
    if ctx is not None:
        ctx.log(
            f"Max length {model.max_length} tokens; {truncated} texts are longer and are cut "
            f"(train {train_cut}, validation {sum(val_cut)}, test {sum(test_cut)})."
        )

    module = model.module
    module.to(device)
    if config.kind in ("minilm", "transformer") and len(set(train_y.tolist())) == len(data.labels):
        if ctx is not None:
            ctx.log("Fitting the new classification head on the frozen features first…")
        try:
            init_head_by_probing(
                model,
                train_ids,
                train_y.tolist(),
                int(config.batch_size) * 2,
                config.seed,
                should_stop=ctx.should_stop if ctx is not None else None,
            )
        except Cancelled:
            pass  # the loop below sees the cancel at its first step and reports it
    head_multiplier = HEAD_LR_MULTIPLIER if config.kind in ("minilm", "transformer") else 1.0
    groups = _param_groups(module, config.lr, config.weight_decay, head_multiplier)
    try:  # the fused kernel (CPU and CUDA, torch >= 2.4) saves a Python loop per step
        optimizer = torch.optim.AdamW(groups, lr=config.lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        optimizer = torch.optim.AdamW(groups, lr=config.lr)
    batch_size = max(1, int(config.batch_size))
    steps_per_epoch = math.ceil(len(train_ids) / batch_size)
    total_steps = steps_per_epoch * max(1, int(config.epochs))
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(round(config.warmup_ratio * total_steps)), total_steps
    )
    autocast, scaler = _autocast_factory(device, config.mixed_precision)
    rng = np.random.default_rng(config.seed)
    train_lengths = [len(ids) for ids in train_ids]

    history: dict[str, list] = {"steps": [], "epochs": []}
    best_f1, best_epoch, best_state = -1.0, None, None
    bad_epochs = 0
    cancelled, stopped_at = False, "finished"
    step = 0
    start = time.monotonic()
    stop = ctx.should_stop if ctx is not None else (lambda: False)
    if ctx is not None:
        ctx.log(
            f"Training {model.name} on {device}: {len(train_ids)} texts, {config.epochs} epochs "
            f"of {steps_per_epoch} steps, batch size {batch_size}, learning rate {config.lr:g}."
        )
    for epoch in range(1, int(config.epochs) + 1):
        batches = (
            length_grouped_batches(train_lengths, batch_size, rng)
            if config.length_grouped
            else random_batches(len(train_ids), batch_size, rng)
        )
        module.train()
        losses: list[float] = []
        epoch_start = time.monotonic()
        for index in batches:
            if stop():
                cancelled = True
                stopped_at = (
                    f"cancelled in epoch {epoch}/{config.epochs} after step {step}/{total_steps}"
                )
                break
            batch = model.to_device(model.collate([train_ids[i] for i in index]))
            y = train_y[index].to(device)
            with autocast() if autocast else contextlib.nullcontext():
                logits = model.logits(batch)
            loss = torch.nn.functional.cross_entropy(logits.float(), y)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
                optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            value = float(loss.detach())
            losses.append(value)
            point = {"step": step, "total_steps": total_steps, "epoch": epoch, "loss": value}
            history["steps"].append(point)
            if ctx is not None:
                ctx.point("step", point)
                elapsed = time.monotonic() - start
                eta = format_eta(elapsed * (total_steps - step) / step)
                ctx.progress(step, total_steps, f"epoch {epoch}/{config.epochs} · {eta}")
        epoch_seconds = time.monotonic() - epoch_start
        if cancelled:
            break  # mid-epoch: no validation, the best complete epoch (if any) is kept
        # Validation (cancellable too: a long validation must not delay the stop).
        try:
            val_probs = model.proba_from_ids(
                val_ids, batch_size=batch_size * 2, autocast=autocast, should_stop=stop
            )
        except Cancelled:
            cancelled = True
            stopped_at = f"cancelled during validation after epoch {epoch}/{config.epochs}"
            break
        val = evaluate_probs(val_probs, data.val_labels, data.labels)
        record = {
            "epoch": epoch,
            "train_loss": float(np.mean(losses)) if losses else float("nan"),
            "val_loss": mean_log_loss(val_probs, val_y),
            "val_accuracy": val["accuracy"],
            "val_macro_f1": val["macro_f1"],
            "seconds": round(epoch_seconds, 3),  # the training steps only, not validation
            "samples_per_second": round(len(train_ids) / max(epoch_seconds, 1e-9), 2),
        }
        history["epochs"].append(record)
        if ctx is not None:
            ctx.flush()
            ctx.partial("epoch", record)
            ctx.log(
                f"Epoch {epoch}: train loss {record['train_loss']:.4f}, validation loss "
                f"{record['val_loss']:.4f}, accuracy {val['accuracy']:.3f}, macro-F1 {val['macro_f1']:.3f}"
            )
        if val["macro_f1"] > best_f1:
            best_f1, best_epoch, bad_epochs = val["macro_f1"], epoch, 0
            best_state = {
                k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()
            }
        else:
            bad_epochs += 1
        if config.patience and bad_epochs >= config.patience and epoch < config.epochs:
            stopped_at = (
                f"early stopping after epoch {epoch}: no better validation macro-F1 for "
                f"{bad_epochs} epochs (best: epoch {best_epoch})"
            )
            break
    train_seconds = time.monotonic() - start
    if best_state is not None:
        module.load_state_dict(best_state)
        if ctx is not None and best_epoch is not None:
            ctx.log(
                f"Keeping the weights of epoch {best_epoch} (validation macro-F1 {best_f1:.3f})."
            )
    if ctx is not None:
        ctx.flush()
        if cancelled:
            ctx.log(f"Stopped: {stopped_at}.")
    module.eval()

    def on_test_progress(done: int, total: int) -> None:
        if ctx is not None:
            ctx.progress(done, total, "testing the trained model")

    test_probs = model.proba_from_ids(
        test_ids, batch_size=batch_size * 2, autocast=autocast, on_progress=on_test_progress
    )
    return _finish(
        model,
        config,
        data,
        ctx,
        history,
        test_probs=test_probs,
        cancelled=cancelled,
        stopped_at=stopped_at,
        train_seconds=train_seconds,
        truncated=truncated,
        best_epoch=best_epoch,
    )
