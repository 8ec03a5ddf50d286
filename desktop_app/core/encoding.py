"""Text encodings of data files: BOM, strict UTF-8, strict Windows-1252, then a guess.

The order matters. charset-normalizer alone picks cp1250 for the Windows-1252
``rt-polarity`` files and turns "buñuel" into "buńuel" without a single
replacement character, so the legacy encoding of English text is tried first.
"""

from __future__ import annotations

import codecs

from desktop_app.core.errors import DatasetError

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Control bytes that never occur in text files (NUL and friends; tab, line feed,
# form feed, carriage return and escape are allowed).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))


def bom_encoding(head: bytes) -> str | None:
    """The encoding announced by a byte-order mark at the start of ``head``, if any."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    return None


def looks_binary(head: bytes) -> bool:
    """True when the first bytes hold NUL or other control bytes text never has."""
    if not head or bom_encoding(head) in ("utf-16", "utf-32"):
        return False
    if b"\x00" in head:
        return True
    sample = head[:8192]
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls > max(4, len(sample) // 100)


def is_utf8_prefix(head: bytes) -> bool:
    """True when ``head`` (possibly cut mid-character at its end) is valid UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def normalise_name(encoding: str) -> str:
    """The codec's canonical name (``"iso8859-1"`` for ``"latin-1"``); raises on unknown names."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise DatasetError(
            f"Unknown encoding {encoding!r}. Use a name such as utf-8, windows-1252 or latin-1."
        ) from None
    # Python calls it cp1252; users and the issue know it as Windows-1252.
    return "windows-1252" if name == "cp1252" else name


def detect_encoding(data: bytes) -> str:
    """Pick the encoding of ``data``: BOM, strict UTF-8, strict Windows-1252, charset-normalizer."""
    bom = bom_encoding(data)
    if bom is not None:
        return bom
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "windows-1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DatasetError(
            "Could not tell which text encoding the file uses. "
            "Choose the encoding yourself (for example --encoding latin-1)."
        )
    return normalise_name(best.encoding)


def decode(data: bytes, encoding: str, path: str = "") -> str:
    """Decode strictly; a wrong encoding becomes a DatasetError that says where and what to do."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"{path}: " if path else ""
        raise DatasetError(
            f"{where}line {line} cannot be read as {encoding} (byte {exc.start}). "
            "Choose another encoding (for example windows-1252 or latin-1)."
        ) from None
    except LookupError:
        normalise_name(encoding)
        raise
