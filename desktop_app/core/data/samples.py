"""Sample data sets: labelled NLTK corpora found on the NLTK data path (``nltk:NAME``).

The corpora are read from their zip files through NLTK's path pointers (no
download, no tokenizer models): each file's raw bytes are decoded with the same
encoding rules as any data file, and split into rows here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from desktop_app.core.errors import DatasetError
from desktop_app.core.imports import heavy_imports
from desktop_app.core.jobs import JobContext

PREFIX = "nltk:"


@dataclass(frozen=True)
class CorpusSpec:
    name: str
    files: tuple[tuple[str, str], ...]  # (glob under the corpus root, raw label)
    per_line: bool  # one text per line (True) or one text per file (False)
    label_names: dict[str, str]
    description: str


CORPORA: dict[str, CorpusSpec] = {
    "sentence_polarity": CorpusSpec(
        "sentence_polarity",
        (("rt-polarity.pos", "pos"), ("rt-polarity.neg", "neg")),
        True,
        {"pos": "positive", "neg": "negative"},
        "10,662 movie review snippets, positive/negative (Pang & Lee 2005)",
    ),
    "movie_reviews": CorpusSpec(
        "movie_reviews",
        (("pos/*.txt", "pos"), ("neg/*.txt", "neg")),
        False,
        {"pos": "positive", "neg": "negative"},
        "2,000 full movie reviews, positive/negative (Pang & Lee 2004)",
    ),
    "subjectivity": CorpusSpec(
        "subjectivity",
        (("quote.tok.gt9.5000", "subj"), ("plot.tok.gt9.5000", "obj")),
        True,
        {"subj": "subjective", "obj": "objective"},
        "10,000 sentences, subjective/objective (Pang & Lee 2004)",
    ),
}


def _find(name: str):  # -> nltk PathPointer | None
    """The corpus root, unpacked or inside its zip (as NLTK's LazyCorpusLoader looks)."""
    with heavy_imports():
        import nltk

    for resource in (f"corpora/{name}", f"corpora/{name}.zip/{name}/"):
        try:
            return nltk.data.find(resource)
        except LookupError:
            continue
    return None


def available_corpora() -> list[str]:
    """Names of the supported labelled corpora present on the NLTK data path."""
    return [name for name in CORPORA if _find(name) is not None]


def describe(name: str) -> str:
    return CORPORA[name].description if name in CORPORA else name


def _corpus_files(name: str, spec: CorpusSpec) -> tuple[list[tuple[str, str]], object]:
    """(fileid, raw label) pairs, through NLTK's reader so zipped corpora work."""
    import fnmatch

    with heavy_imports():
        from nltk.corpus.reader.api import CorpusReader

    root = _find(name)
    reader = CorpusReader(root, r".*")
    fileids = reader.fileids()
    out = []
    for pattern, label in spec.files:
        out.extend((f, label) for f in sorted(fileids) if fnmatch.fnmatch(f, pattern))
    return out, reader


def read_corpus(name: str, options, ctx: JobContext | None = None):
    """Load corpus ``name`` as a RawTable (columns text, label, file)."""
    import pandas as pd

    from desktop_app.core.data.encoding import normalise_name
    from desktop_app.core.data.readers import RawTable, decode_all, split_lines

    spec = CORPORA.get(name)
    if spec is None:
        raise DatasetError(f"Unknown sample {name!r}. Known samples: {', '.join(CORPORA)}.")
    if _find(name) is None:
        raise DatasetError(
            f"The NLTK corpus {name!r} is not on the NLTK data path. Install it with "
            f"`python -m nltk.downloader {name}` or set NLTK_DATA to the folder that holds it."
        )
    files, reader = _corpus_files(name, spec)
    enc_override = normalise_name(options.encoding) if options.encoding else None
    texts, labels, sources = [], [], []
    encodings: Counter[str] = Counter()
    lines_read = 0
    for i, (fileid, label) in enumerate(files):
        if ctx is not None and i % 50 == 0:
            ctx.check_cancelled()
            ctx.progress(i, len(files), f"Reading {name}")
        with reader.abspath(fileid).open() as stream:
            data = stream.read()
        text, enc = decode_all(f"{name}/{fileid}", data, enc_override)
        encodings[enc] += 1
        if spec.per_line:
            lines = split_lines(text)
            texts.extend(lines)
            labels.extend([label] * len(lines))
            sources.extend(f"{fileid}:{n}" for n in range(1, len(lines) + 1))
            lines_read += len(lines)
        else:
            texts.append(text.rstrip("\r\n"))
            labels.append(label)
            sources.append(fileid)
            lines_read += 1
    frame = pd.DataFrame(
        {
            "text": pd.array(texts, dtype="str"),
            "label": pd.array(labels, dtype="str"),
            "file": pd.array(sources, dtype="str"),
        }
    )
    unit = "lines" if spec.per_line else "files (one text per file)"
    notes = [f"NLTK corpus {name} from {_find(name)}; lines_read counts {unit}."]
    if len(encodings) > 1:
        notes.append("Encodings: " + ", ".join(f"{k} ({v} files)" for k, v in encodings.items()))
    return RawTable(
        frame=frame,
        format="nltk",
        encoding=encodings.most_common(1)[0][0] if encodings else None,
        lines_read=lines_read,
        notes=notes,
        default_text="text",
        default_label="label",
        label_names=dict(spec.label_names),
    )
