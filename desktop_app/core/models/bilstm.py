"""``bilstm``: the classic pipeline of sentiment tutorials.

NLTK's Treebank tokenizer (pure regular expressions: no downloaded data needed),
lower-casing, optional stop-word removal that keeps negations (not, no, never, n't,
didn, ...), a vocabulary from the training split (min frequency, max size), then
embedding -> bidirectional LSTM -> max/mean pooling over the real tokens -> linear.
Optional pretrained word vectors from a GloVe / word2vec text file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from desktop_app.core.errors import ModelError
from desktop_app.core.imports import heavy_imports
from desktop_app.core.jobs import JobContext
from desktop_app.core.models.base import make_folder
from desktop_app.core.models.neural import TorchModel, pad

PAD, UNK = "<pad>", "<unk>"
# The BiLSTM has no position limit: a long text is read in windows of this many tokens, which
# keeps the cost of a text bounded (one trained on sentences read 400 movie reviews equally
# well in windows of 32 to 1,024 tokens; see core/predict/chunks.py).
CHUNK_LENGTH = 256
WEIGHTS_FILE = "bilstm.safetensors"
VOCAB_FILE = "vocab.json"

NEGATIONS = frozenset(
    """not no nor never n't none nobody nothing neither nowhere cannot without
    ain aren couldn didn doesn don hadn hasn haven isn mightn mustn needn shan shouldn
    wasn weren won wouldn""".split()
)

# Used when NLTK's stop-word corpus has not been downloaded.
BUILTIN_STOPWORDS = frozenset(
    """a an the and or but if then so of at by for with about to from in on into over
    under again further once here there when where why how all any both each few more most
    other some such only own same than too very s t can will just should now i me my myself
    we our ours you your yours he him his she her hers it its itself they them their what
    which who whom this that these those am is are was were be been being have has had do
    does did doing as until while up down out off through during before after above below
    between against 's 're 've 'd 'll 'm""".split()
)


def stopword_list() -> frozenset[str]:
    """NLTK's English stop words when the corpus is installed, else a built-in list;
    negations are never stop words here (they flip sentiment)."""
    try:
        with heavy_imports():
            from nltk.corpus import stopwords

        words = frozenset(w.lower() for w in stopwords.words("english"))
    except LookupError:
        words = BUILTIN_STOPWORDS
    return frozenset(w for w in words if w not in NEGATIONS and not w.endswith("n't"))


class TextPipeline:
    """Tokenise, lower-case and (optionally) drop stop words."""

    def __init__(self, remove_stopwords: bool = False) -> None:
        with heavy_imports():
            from nltk.tokenize import TreebankWordTokenizer

        self.remove_stopwords = remove_stopwords
        self._tokenizer = TreebankWordTokenizer()
        self._stop = stopword_list() if remove_stopwords else frozenset()

    def __call__(self, text: str) -> list[str]:
        tokens = self._tokenizer.tokenize(str(text).lower())
        if self._stop:
            tokens = [t for t in tokens if t not in self._stop]
        return tokens

    def with_spans(self, text: str) -> tuple[list[str], list[tuple[int, int]] | None]:
        """The tokens and their character spans in ``text`` (None when they cannot be
        aligned, e.g. where lower-casing changes a text's length)."""
        text = str(text)
        lowered = text.lower()
        if len(lowered) != len(text):
            return self(text), None
        try:
            spans = list(self._tokenizer.span_tokenize(lowered))
        except (ValueError, LookupError):
            return self(text), None
        pairs = [(lowered[a:b], (a, b)) for a, b in spans]
        tokens = self._tokenizer.tokenize(lowered)
        if len(tokens) != len(pairs):
            return self(text), None
        kept = [
            (token, span)
            for token, (_, span) in zip(tokens, pairs, strict=True)
            if token not in self._stop
        ]
        return [t for t, _ in kept], [span for _, span in kept]


def build_vocab(
    token_lists: Iterable[list[str]], min_freq: int = 2, max_size: int = 20000
) -> list[str]:
    counts = Counter(t for tokens in token_lists for t in tokens)
    words = [w for w, c in counts.most_common() if c >= min_freq]
    return [PAD, UNK, *words[: max(0, max_size - 2)]]


def read_word_vectors(
    path: str | Path, vocab: Sequence[str], ctx: JobContext | None = None
) -> tuple[torch.Tensor, int]:
    """GloVe / word2vec *text* vectors for ``vocab``: (matrix, words found).

    Words not in the file get small random vectors; the padding row is zero.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelError(f"Word vectors file not found: {path}.")
    index = {w: i for i, w in enumerate(vocab)}
    rows: dict[int, list[float]] = {}
    dim = None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for n, line in enumerate(handle):
                parts = line.rstrip().split(" ")
                if n == 0 and len(parts) == 2 and all(p.isdigit() for p in parts):
                    continue  # word2vec header: "count dim"
                if len(parts) < 3:
                    continue
                if dim is None:
                    dim = len(parts) - 1
                if len(parts) - 1 != dim:
                    continue
                word = parts[0]
                i = index.get(word)
                if i is None:
                    i = index.get(word.lower())
                    if i is None or i in rows:
                        continue
                rows[i] = [float(x) for x in parts[1:]]
                if ctx is not None and n % 50000 == 0:
                    ctx.check_cancelled()
    except (OSError, ValueError) as exc:
        raise ModelError(f"Could not read word vectors from {path}: {exc}") from exc
    if dim is None:
        raise ModelError(
            f"{path} holds no word vectors (expected lines 'word v1 v2 ...', GloVe or word2vec text)."
        )
    generator = torch.Generator().manual_seed(0)
    matrix = torch.randn(len(vocab), dim, generator=generator) * 0.1
    matrix[0] = 0.0
    for i, values in rows.items():
        matrix[i] = torch.tensor(values)
    return matrix, len(rows)


class BiLSTMNet(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        num_labels: int,
        embedding_dim: int = 128,
        hidden_size: int = 128,
        num_layers: int = 1,
        dropout: float = 0.3,
        pooling: str = "max",
    ) -> None:
        super().__init__()
        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(
            embedding_dim,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * hidden_size, num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        lengths = attention_mask.sum(1).clamp(min=1)
        embedded = self.dropout(self.embedding(input_ids))
        packed = nn.utils.rnn.pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        output, _ = self.lstm(packed)
        output, _ = nn.utils.rnn.pad_packed_sequence(
            output, batch_first=True, total_length=input_ids.shape[1]
        )
        mask = attention_mask.unsqueeze(-1).bool()
        if self.pooling == "mean":
            pooled = (output * mask).sum(1) / lengths.unsqueeze(-1).to(output.dtype)
        else:
            pooled = output.masked_fill(~mask, float("-inf")).max(1).values
        return self.classifier(self.dropout(pooled))


class BiLSTMModel(TorchModel):
    kind = "bilstm"
    predict_batch_size = 256

    def __init__(
        self,
        vocab: Sequence[str],
        labels: Sequence[str],
        arch: dict[str, Any],
        remove_stopwords: bool = False,
        max_length: int | None = None,
        device: str = "cpu",
        name: str = "BiLSTM",
        inference_limit: int | None = None,
    ) -> None:
        super().__init__(labels, name=name, max_length=max_length)
        self.inference_limit = int(inference_limit or CHUNK_LENGTH)
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.arch = dict(arch)
        self.pipeline = TextPipeline(remove_stopwords)
        self.module = BiLSTMNet(len(self.vocab), len(self.labels), **self.arch)
        self.device = device
        self.module.to(device).eval()

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        return [self.pipeline(t) for t in texts]

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        unk = self.index[UNK]
        # an empty text (all stop words) still needs one token for the LSTM
        return [[self.index.get(t, unk) for t in tokens] or [unk] for tokens in self.tokens(texts)]

    def content_tokens(
        self, texts: Sequence[str], offsets: bool = False
    ) -> list[tuple[list[int], list[tuple[int, int]] | None]]:
        unk = self.index[UNK]
        out = []
        for text in texts:
            tokens, spans = (
                self.pipeline.with_spans(text) if offsets else (self.pipeline(text), None)
            )
            out.append(([self.index.get(t, unk) for t in tokens], spans))
        return out

    def wrap(self, ids: list[int]) -> list[int]:
        # an empty window (a text of stop words only) still needs one token for the LSTM
        return list(ids) or [self.index[UNK]]

    @property
    def chunk_tokens(self) -> int | None:
        return self.inference_limit

    def collate(self, batch: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
        ids, mask = pad(batch, 0)
        return {"input_ids": ids, "attention_mask": mask}

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.module(batch["input_ids"], batch["attention_mask"])

    def default_max_length(self, lengths: Sequence[int]) -> int:
        from desktop_app.core.models.neural import length_percentile

        return length_percentile(lengths)

    def save(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        path = make_folder(folder)
        state = {k: v.detach().cpu().contiguous() for k, v in self.module.state_dict().items()}
        save_file(state, str(path / WEIGHTS_FILE))
        (path / VOCAB_FILE).write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        self._write_training_json(
            path,
            {
                "architecture": self.arch,
                "remove_stopwords": self.pipeline.remove_stopwords,
                "vocab_file": VOCAB_FILE,
                "weights_file": WEIGHTS_FILE,
            },
        )
        self.folder = str(path)

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> BiLSTMModel:
        from safetensors.torch import load_file

        from desktop_app.core.device import resolve_device
        from desktop_app.core.models.base import read_training_json

        folder = Path(folder)
        info = read_training_json(folder) or {}
        if not (folder / WEIGHTS_FILE).is_file() or not (folder / VOCAB_FILE).is_file():
            raise ModelError(f"{folder} is not a saved BiLSTM (weights or vocabulary missing).")
        vocab = json.loads((folder / VOCAB_FILE).read_text(encoding="utf-8"))
        model = cls(
            vocab,
            info["labels"],
            info.get("architecture", {}),
            remove_stopwords=bool(info.get("remove_stopwords", False)),
            max_length=info.get("max_length"),
            device=resolve_device(device),
            name=info.get("name", "BiLSTM"),
            inference_limit=info.get("inference_limit"),
        )
        model.module.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
        model.module.to(model.device).eval()
        model.folder = str(folder)
        return model
