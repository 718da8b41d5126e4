"""Safe display/download names for uploaded files.

Stored bytes are addressed by hash, so a filename never becomes a path; we
still clean it so that it cannot carry a path, control characters or an
absurd length into headers, pages or a user's downloads folder.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

MAX_NAME_BYTES = 200
_FORBIDDEN = set('/\\:*?"<>|')


def sanitize_filename(name: str, default: str = "upload") -> str:
    name = unicodedata.normalize("NFC", name or "")
    # Keep only the last path component whatever separator the client used.
    name = name.replace("\\", "/").split("/")[-1]
    cleaned = (
        "".join(ch for ch in name if ch not in _FORBIDDEN and unicodedata.category(ch)[0] != "C")
        .strip()
        .strip(".")
        .strip()
    )
    if not cleaned:
        return default
    while len(cleaned.encode()) > MAX_NAME_BYTES:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and len(ext) <= 10 and stem:
            cleaned = stem[:-1] + "." + ext
        else:
            cleaned = cleaned[:-1]
    return cleaned


def download_name(filename: str, number: int, *, obsolete: bool) -> str:
    """``manual.pdf`` version 2 -> ``manual_v2.pdf``; obsolete versions say so
    in the name so a saved copy is never mistaken for the current one."""
    path = PurePosixPath(filename)
    marker = "_OBSOLETE" if obsolete else ""
    return f"{path.stem}_v{number}{marker}{path.suffix}"
