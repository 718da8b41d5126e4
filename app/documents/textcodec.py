"""Which encoding a plain-text or Markdown upload is in.

Strict decodings only: a candidate that fails to decode is out. Among those
that succeed, a Chinese decoding wins when enough of its Chinese characters
are common ones of its own script (wrong decodings of Big5 as GB18030, of
GB18030 as Big5, or of Windows-1252 quotes as either yield rare characters);
otherwise Windows-1252, the usual encoding of Western text from Windows.
"""

from __future__ import annotations

import unicodedata

from app.documents.hanzi import SIMPLIFIED_COMMON, TRADITIONAL_COMMON
from app.errors import BadUpload, UnsupportedFileType


def _(message: str) -> str:  # marks a message for the catalogue; translated when shown
    return message


# A decoding whose Chinese characters are at least this share common ones reads as Chinese
# (right decodings of real text score 0.45-1.0; Windows-1252 bytes read as Chinese score ~0).
MIN_COMMON_SHARE = 0.25
_ALLOWED_CONTROLS = "\t\n\r\f\x1b"


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


def common_share(text: str, common: frozenset[str]) -> tuple[float, int]:
    """(share of the Chinese characters that are common ones, number of Chinese characters)."""
    han = [ch for ch in text if _is_han(ch)]
    if not han:
        return 0.0, 0
    return sum(1 for ch in han if ch in common) / len(han), len(han)


def _clean(text: str) -> bool:
    """No control characters and no unassigned or private-use code points."""
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" and ch not in _ALLOWED_CONTROLS:
            return False
        if category in ("Co", "Cn", "Cs"):
            return False
    return True


def _utf16_without_mark(data: bytes) -> tuple[str, str] | None:
    """UTF-16 of mostly Latin text has a NUL in every other byte."""
    if len(data) < 2 or len(data) % 2:
        return None
    sample = data[:4096]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    for zeros, encoding in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros >= half * 0.3 and zeros > 3 * min(odd, even):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return (text, encoding) if _clean(text) else None
    return None


def looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return b"\x00" in sample or controls > len(sample) * 0.05


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return text if _clean(text) else None


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name); UnsupportedFileType for bytes that are no text."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BadUpload(
                _("text file with a UTF-16 mark cannot be decoded"), code="bad_encoding"
            ) from None
    wide = _utf16_without_mark(data)
    if wide is not None:
        return wide
    if looks_binary(data):
        raise UnsupportedFileType(_("unsupported file type: binary data that is not DOCX or PDF"))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    chinese = []
    for encoding, common in (
        ("big5", TRADITIONAL_COMMON),
        ("gb18030", SIMPLIFIED_COMMON),
        ("utf-16-le", SIMPLIFIED_COMMON | TRADITIONAL_COMMON),
        ("utf-16-be", SIMPLIFIED_COMMON | TRADITIONAL_COMMON),
    ):
        if encoding.startswith("utf-16") and len(data) % 2:
            continue
        text = _strict(data, encoding)
        if text is None:
            continue
        share, count = common_share(text, common)
        if count:
            # Ties go to GB18030, the superset; UTF-16 only when clearly better.
            chinese.append((share, encoding == "gb18030", text, encoding))
    best = max(chinese) if chinese else None
    if best is not None and best[0] >= MIN_COMMON_SHARE:
        return best[2], best[3]
    western = _strict(data, "cp1252")
    if western is not None:
        return western, "windows-1252"
    if best is not None:
        return best[2], best[3]
    raise UnsupportedFileType(
        _(
            "unsupported file type: text in an unknown encoding "
            "(use UTF-8, UTF-16, Big5, GB18030 or Windows-1252)"
        )
    )
