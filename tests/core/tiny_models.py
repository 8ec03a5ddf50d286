"""Tiny models and data for the training tests: a randomly initialised 2-layer BERT with
a word-level vocabulary built here with the ``tokenizers`` library, and a few dozen
sentences whose sentiment a small model can learn in seconds."""

from __future__ import annotations

import random
from pathlib import Path

POSITIVE = "good great wonderful excellent lovely superb delightful brilliant".split()
NEGATIVE = "bad awful terrible boring dreadful poor dull horrible".split()
FILLER = "the film movie story was is a very really plot acting and it this".split()


def sentences(n: int = 48, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` short sentences, half positive, half negative (interleaved)."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = "positive" if i % 2 == 0 else "negative"
        words = POSITIVE if label == "positive" else NEGATIVE
        filler = rng.sample(FILLER, rng.randint(2, 6))
        sentiment = rng.sample(words, rng.randint(1, 2))
        tokens = filler + sentiment
        rng.shuffle(tokens)
        texts.append(" ".join(tokens))
        labels.append(label)
    return texts, labels


def train_data(n_train: int = 48, n_val: int = 16, n_test: int = 16, seed: int = 0):  # noqa: ANN201
    from desktop_app.core.training.data import TrainData

    texts, labels = sentences(n_train + n_val + n_test, seed)
    a, b = n_train, n_train + n_val
    return TrainData(texts[:a], labels[:a], texts[a:b], labels[a:b], texts[b:], labels[b:])


def make_tiny_bert(folder: Path) -> Path:
    """Save a random 2-layer BERT (hidden size 32) and its tokenizer to ``folder``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = sorted(set(POSITIVE + NEGATIVE + FILLER))
    vocab = {token: i for i, token in enumerate(specials + words)}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=64,
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        pad_token_id=0,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    import torch

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder
