"""Text encodings of data files: BOM, strict UTF-8, strict Windows-1252, then a guess.

The order matters. charset-normalizer alone picks cp1250 for the Windows-1252
``rt-polarity`` files and turns "buñuel" into "buńuel" without a single
replacement character, so the legacy encoding of English text is tried first.
Windows-1252 decodes almost any bytes, though: text it turns into runs of accented
letters and typographic signs (Shift-JIS read as Windows-1252: "‚±‚ñ‚É‚¿‚Í") goes to
charset-normalizer after all.

A UTF-8 file with a few lines in another encoding (rows pasted from a legacy file) is
decoded line by line: the valid UTF-8 lines as UTF-8, only the others with the
fallback. NUL bytes are never text: :func:`decode_text` removes them and says where.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

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
MAX_LINE_NUMBERS = 5  # line numbers named in a warning

_NON_ASCII = re.compile("[^\x00-\x7f]")
# Windows-1252 signs from the 0x80-0x9F range that Western text hardly uses but that
# Shift-JIS lead bytes become (0x82 -> "‚" before every hiragana, 0x83 -> "ƒ" katakana).
_RARE_1252 = re.compile("[‚ƒˆ‰Š‹ŒŽ˜š›œžŸ]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f\s]{3,}")
PLAUSIBILITY_CHARS = 1 << 20  # judge the first million characters


@dataclass
class Decoded:
    """A decoded file: its text (no BOM, no NUL), the encoding, and what to tell the user."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def bom_encoding(head: bytes) -> str | None:
    """The encoding announced by a byte-order mark at the start of ``head``, if any."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    return None


def looks_binary(head: bytes) -> bool:
    """True when more than 1% of the first bytes are NUL or other control bytes text never has.

    One rule wherever a NUL sits: a few NUL bytes in a text file do not make it binary
    (:func:`decode_text` removes them and reports their lines), many do.
    """
    if not head or bom_encoding(head) in ("utf-16", "utf-32"):
        return False
    controls = len(head) - len(head.translate(None, _BINARY_BYTES))
    return controls > max(4, len(head) // 100)


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
    return _legacy_encoding(data)[0]


def implausible_1252(text: str) -> str | None:
    """Why ``text`` (decoded as Windows-1252) looks like another encoding; None if plausible.

    Western European text has a few accented letters among ASCII words. Shift-JIS, GBK or
    Big5 read as Windows-1252 give runs of accented letters and rare signs without spaces.
    """
    text = text[:PLAUSIBILITY_CHARS]
    non_ascii = len(_NON_ASCII.findall(text))
    if non_ascii < 8:
        return None
    rare = len(_RARE_1252.findall(text))
    if rare > 0.2 * non_ascii:
        return f"{rare} of its {non_ascii} non-ASCII characters are rare signs such as ‚ ƒ ˆ"
    in_runs = sum(len(run) for run in _NON_ASCII_RUN.findall(text))
    if in_runs > 0.5 * non_ascii:
        return (
            f"{in_runs} of its {non_ascii} non-ASCII characters stand in runs of three or "
            "more without a space"
        )
    return None


def _legacy_encoding(data: bytes) -> tuple[str, str | None]:
    """The encoding of bytes that are not UTF-8, and a warning when it is a guess."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return _guess(data), None
    reason = implausible_1252(text)
    if reason is None:
        return "windows-1252", None
    guess = _guess(data, fallback="windows-1252")
    if guess == "windows-1252":
        return guess, (
            f"The text decodes as Windows-1252 but looks implausible ({reason}); "
            "charset-normalizer found nothing better. Choose the encoding yourself if the "
            "text looks wrong."
        )
    return guess, (
        f"The text decodes as Windows-1252 but looks implausible ({reason}), so "
        f"charset-normalizer chose {guess}. Choose the encoding yourself if the text looks wrong."
    )


def _guess(data: bytes, fallback: str | None = None) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        if fallback is not None:
            return fallback
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


def decode_text(data: bytes, encoding: str | None = None, path: str = "") -> Decoded:
    """Decode a whole file: with ``encoding`` (strictly), else detected.

    Detection: a BOM, else UTF-8 (a UTF-8 file with a few invalid lines keeps UTF-8 for
    the rest), else Windows-1252 unless its result is implausible, else charset-normalizer.
    The BOM and NUL bytes are removed; ``warnings`` says what was guessed or removed.
    """
    warnings: list[str] = []
    if encoding is not None:
        text = decode(data, encoding, path)
    else:
        encoding = bom_encoding(data)
        if encoding is not None:
            text = decode(data, encoding, path)
        else:
            try:
                text = data.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError as exc:
                text, encoding, warning = _decode_not_utf8(data, path, exc.start)
                if warning:
                    warnings.append(warning)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        text, warning = remove_nul(text)
        warnings.append(warning)
    return Decoded(text, encoding, warnings)


def _decode_not_utf8(data: bytes, path: str, first_bad: int) -> tuple[str, str, str | None]:
    """Bytes that are not all UTF-8 (the first bad byte at ``first_bad``): a legacy file, or
    UTF-8 with a few lines that are not.

    The lines are cut at line terminators, which are ASCII and so never inside a UTF-8
    character: each stretch between bad lines decodes as UTF-8 on its own.
    """
    view = memoryview(data)
    pieces: list[str] = []  # the UTF-8 stretches around the bad lines
    spans: list[tuple[int, int]] = []  # the bad lines, as byte offsets
    terminators = [t for t in (b"\n", b"\r") if t in data]
    pos, at = 0, first_bad
    while True:
        start = max((data.rfind(t, pos, at) for t in terminators), default=-1) + 1
        ends = [i for i in (data.find(t, at) for t in terminators) if i >= 0]
        end = min(ends, default=len(data))
        pieces.append(codecs.utf_8_decode(view[pos:start], "strict", True)[0])
        spans.append((start, end))
        pos = end
        try:
            pieces.append(codecs.utf_8_decode(view[pos:], "strict", True)[0])
            break
        except UnicodeDecodeError as exc:
            at = pos + exc.start
    if all(piece.isascii() for piece in pieces):
        # No line needs UTF-8: the whole file is in a legacy encoding.
        encoding, warning = _legacy_encoding(data)
        return decode(data, encoding, path), encoding, warning
    fallback, _ = _legacy_encoding(b"\n".join(data[a:b] for a, b in spans))
    parts = [pieces[0]]
    for (a, b), piece in zip(spans, pieces[1:], strict=True):
        parts.append(data[a:b].decode(fallback, errors="replace"))
        parts.append(piece)
    numbers = line_numbers(data, [a for a, _ in spans[:MAX_LINE_NUMBERS]])
    many = len(spans) != 1
    warning = (
        f"{len(spans)} line{'s' if many else ''} {'are' if many else 'is'} not valid UTF-8 and "
        f"{'were' if many else 'was'} decoded as {fallback} (line{'s' if many else ''} "
        f"{_shown(numbers, len(spans))}); the rest of the file was read as UTF-8. Check the "
        f"text of {'those lines' if many else 'that line'}."
    )
    return "".join(parts), "utf-8", warning


def _shown(numbers: list[int], total: int) -> str:
    return ", ".join(map(str, numbers)) + (", …" if total > len(numbers) else "")


def line_numbers(text: str | bytes, positions: list[int]) -> list[int]:
    """1-based line numbers of sorted line-start ``positions`` (terminators \\n, \\r\\n, \\r)
    in a text or its bytes."""
    lf, cr, crlf = ("\n", "\r", "\r\n") if isinstance(text, str) else (b"\n", b"\r", b"\r\n")
    has_cr = cr in text
    numbers, line, last = [], 1, 0
    for pos in positions:
        line += text.count(lf, last, pos)
        if has_cr:
            line += text.count(cr, last, pos) - text.count(crlf, last, pos)
        numbers.append(line)
        last = pos
    return numbers


def remove_nul(text: str) -> tuple[str, str]:
    """``text`` without NUL characters, and a warning that names their lines."""
    terminators = [t for t in ("\n", "\r") if t in text]
    starts: list[int] = []  # of the lines holding a NUL
    lines = 0
    at = text.find("\x00")
    while at >= 0:
        lines += 1
        if len(starts) < MAX_LINE_NUMBERS:
            starts.append(max((text.rfind(t, 0, at) for t in terminators), default=-1) + 1)
        ends = [i for i in (text.find(t, at) for t in terminators) if i >= 0]
        at = text.find("\x00", min(ends)) if ends else -1
    count = text.count("\x00")
    shown = _shown(line_numbers(text, starts), lines)
    warning = (
        f"{count} NUL byte{'s' if count != 1 else ''} (not text) "
        f"{'were' if count != 1 else 'was'} removed from line{'s' if lines != 1 else ''} {shown}. "
        "A file with more than 1% control bytes in its first 64 KB is refused as binary."
    )
    return text.replace("\x00", ""), warning
